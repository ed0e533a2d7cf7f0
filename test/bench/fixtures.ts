// The fixed JSON-RPC traffic of the synthetic scenarios: one realistic result (a Steem
// `get_dynamic_global_properties` answer, about 1 KB), the requests wrk sends, and the exact
// answers each kind of system gives. Every system is checked against these texts before it is
// measured, so a broken system can never produce a fast but wrong number.

/** A real-looking `get_dynamic_global_properties` result (no `$`, `'` or `\`: nginx `return` text). */
export const DGP_RESULT = JSON.stringify({
  head_block_number: 50000000,
  head_block_id: '02faf080c0ffee0123456789abcdef0123456789',
  time: '2020-12-01T00:00:00',
  current_witness: 'bench-witness',
  total_pow: 514415,
  num_pow_witnesses: 172,
  virtual_supply: '400000000.000 STEEM',
  current_supply: '380000000.000 STEEM',
  confidential_supply: '0.000 STEEM',
  init_sbd_supply: '0.000 SBD',
  current_sbd_supply: '12000000.000 SBD',
  confidential_sbd_supply: '0.000 SBD',
  total_vesting_fund_steem: '170000000.000 STEEM',
  total_vesting_shares: '320000000000.000000 VESTS',
  total_reward_fund_steem: '0.000 STEEM',
  total_reward_shares2: '0',
  pending_rewarded_vesting_shares: '400000000.000000 VESTS',
  pending_rewarded_vesting_steem: '200000.000 STEEM',
  sbd_interest_rate: 0,
  sbd_print_rate: 10000,
  maximum_block_size: 65536,
  required_actions_partition_percent: 0,
  current_aslot: 50100000,
  recent_slots_filled: '340282366920938463463374607431768211455',
  participation_count: 128,
  last_irreversible_block_num: 49999980,
  vote_power_reserve_rate: 10,
  delegation_return_period: 432000,
  reverse_auction_seconds: 300,
  available_account_subsidies: 20000000,
  sbd_stop_percent: 1000,
  sbd_start_percent: 900,
  next_maintenance_time: '2020-12-01T00:30:00',
  last_budget_time: '2020-12-01T00:00:00',
  content_reward_percent: 7500,
  vesting_reward_percent: 1500,
  sps_fund_percent: 1000,
  sps_interval_ledger: '0.000 SBD',
  downvote_pool_percent: 2500,
});

export const SINGLE_METHOD = 'condenser_api.get_dynamic_global_properties';
export const BATCH_SIZE = 50;

/** What wrk sends for a single request (id 1, so every system's answer is byte-comparable). */
export const SINGLE_BODY = `{"jsonrpc":"2.0","id":1,"method":"${SINGLE_METHOD}","params":[]}`;

/** A batch of 50 distinct cacheable calls (get_accounts of 50 names), ids 1..50. */
export const BATCH_BODY = `[${Array.from({ length: BATCH_SIZE }, (_, i) => batchItem(i)).join(',')}]`;

function batchItem(i: number): string {
  return `{"jsonrpc":"2.0","id":${i + 1},"method":"condenser_api.get_accounts","params":[["bench-account-${i + 1}"]]}`;
}

/** The single items of the batch, to warm a cache item by item. */
export const BATCH_ITEMS: readonly string[] = Array.from({ length: BATCH_SIZE }, (_, i) => batchItem(i));

/** The upstream's answer (hived puts `id` last). */
export const UPSTREAM_SINGLE_ANSWER = `{"jsonrpc":"2.0","result":${DGP_RESULT},"id":1}`;

/** The upstream's answer to the whole batch (served at /batch50 for the systems that cache whole bodies). */
export const UPSTREAM_BATCH_ANSWER = `[${Array.from({ length: BATCH_SIZE }, (_, i) => `{"jsonrpc":"2.0","result":${DGP_RESULT},"id":${i + 1}}`).join(',')}]`;

/** Our cache-hit answer, byte for byte: what the bare fastify floor answers too. */
export const HIT_SINGLE_ANSWER = `{"id":1,"jsonrpc":"2.0","result":${DGP_RESULT}}`;
export const HIT_BATCH_ANSWER = `[${Array.from({ length: BATCH_SIZE }, (_, i) => `{"id":${i + 1},"jsonrpc":"2.0","result":${DGP_RESULT}}`).join(',')}]`;
