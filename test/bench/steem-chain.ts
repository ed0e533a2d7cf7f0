// A make-believe Steem chain for the realistic mix: the upstream answers get_block,
// get_dynamic_global_properties, get_accounts, get_content and other condenser_api calls with
// results of realistic shape and size, derived from the request alone (deterministic), and a
// head block that advances every 3 seconds from a start the harness chooses. Blocks at most
// IRREVERSIBLE_LAG behind the head are reversible, as on the real chain.

export interface ChainClock {
  /** Head block number at `startSeconds`. */
  readonly headAtStart: number;
  /** Unix time (seconds) the chain "started". */
  readonly startSeconds: number;
}

export const BLOCK_INTERVAL_SECONDS = 3;
export const IRREVERSIBLE_LAG = 20;

export function headBlock(clock: ChainClock, nowMs: number): number {
  return clock.headAtStart + Math.floor((nowMs / 1000 - clock.startSeconds) / BLOCK_INTERVAL_SECONDS);
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** jussi reads the block number from the first 8 hex digits of a block id. */
export function blockId(n: number): string {
  return `${hex8(n)}${hex8(n * 2654435761)}${hex8(n ^ 0x5bd1e995)}${hex8(n * 40503)}${hex8(n + 0x9e3779b9)}`;
}

function timestampOf(n: number): string {
  return new Date(Date.UTC(2016, 2, 24, 16, 0, 0) + n * BLOCK_INTERVAL_SECONDS * 1000).toISOString().slice(0, 19);
}

const SIGNATURE = '1f3e85ab8d2bd5c4d7e3a8f7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4';
const BODY_TEXT = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. ';

function transaction(n: number, t: number): string {
  const op =
    t % 3 === 0
      ? `["vote",{"voter":"voter-${(n + t) % 9973}","author":"author-${(n * 7 + t) % 1000}","permlink":"post-${(n + t * 13) % 10000}","weight":10000}]`
      : t % 3 === 1
        ? `["custom_json",{"required_auths":[],"required_posting_auths":["user-${(n + t) % 5000}"],"id":"follow","json":"[\\"follow\\",{\\"follower\\":\\"user-${(n + t) % 5000}\\",\\"following\\":\\"user-${(n * 3 + t) % 5000}\\",\\"what\\":[\\"blog\\"]}]"}]`
        : `["comment",{"parent_author":"","parent_permlink":"steem","author":"author-${(n + t) % 1000}","permlink":"post-${(n * 11 + t) % 10000}","title":"Block ${n} post ${t}","body":"${BODY_TEXT.repeat(4)}","json_metadata":"{\\"tags\\":[\\"steem\\",\\"bench\\"],\\"app\\":\\"steemit/0.2\\"}"}]`;
  return `{"ref_block_num":${n & 0xffff},"ref_block_prefix":${(n * 2654435761) >>> 0},"expiration":"${timestampOf(n + 20)}","operations":[${op}],"extensions":[],"signatures":["${SIGNATURE}"]}`;
}

/** Transactions per block: 10 to 26, so blocks weigh about 8 to 20 KB. */
export function transactionCount(n: number): number {
  return 10 + (n % 17);
}

function blockBody(n: number): string {
  const count = transactionCount(n);
  const txs: string[] = [];
  const ids: string[] = [];
  for (let t = 0; t < count; t++) {
    txs.push(transaction(n, t));
    ids.push(`"${blockId(n * 31 + t).slice(0, 40)}"`);
  }
  return (
    `"previous":"${blockId(n - 1)}","timestamp":"${timestampOf(n)}","witness":"witness-${n % 21}",` +
    `"transaction_merkle_root":"${blockId(n * 17).slice(0, 40)}","extensions":[],"witness_signature":"${SIGNATURE}",` +
    `"transactions":[${txs.join(',')}],"block_id":"${blockId(n)}","signing_key":"STM7sw22HqsXbz7D4CLNpdvn5rYf6RJ3GqLxp4BR5L7vB1zC8V9xk",` +
    `"transaction_ids":[${ids.join(',')}]`
  );
}

export function blockResult(n: number): string {
  return `{${blockBody(n)}}`;
}

function headerResult(n: number): string {
  return `{"previous":"${blockId(n - 1)}","timestamp":"${timestampOf(n)}","witness":"witness-${n % 21}","transaction_merkle_root":"${blockId(n * 17).slice(0, 40)}","extensions":[]}`;
}

function opsResult(n: number): string {
  const ops: string[] = [];
  for (let t = 0; t < 6; t++) {
    ops.push(
      `{"trx_id":"${blockId(n * 31 + t).slice(0, 40)}","block":${n},"trx_in_block":${t},"op_in_trx":0,"virtual_op":0,"timestamp":"${timestampOf(n)}","op":["vote",{"voter":"voter-${(n + t) % 9973}","author":"author-${t}","permlink":"post-${n % 10000}","weight":10000}]}`,
    );
  }
  return `[${ops.join(',')}]`;
}

export function dgpResult(head: number): string {
  return (
    `{"head_block_number":${head},"head_block_id":"${blockId(head)}","time":"${timestampOf(head)}","current_witness":"witness-${head % 21}",` +
    `"total_pow":514415,"num_pow_witnesses":172,"virtual_supply":"400000000.000 STEEM","current_supply":"380000000.000 STEEM",` +
    `"confidential_supply":"0.000 STEEM","current_sbd_supply":"12000000.000 SBD","confidential_sbd_supply":"0.000 SBD",` +
    `"total_vesting_fund_steem":"170000000.000 STEEM","total_vesting_shares":"320000000000.000000 VESTS","total_reward_fund_steem":"0.000 STEEM",` +
    `"total_reward_shares2":"0","pending_rewarded_vesting_shares":"400000000.000000 VESTS","pending_rewarded_vesting_steem":"200000.000 STEEM",` +
    `"sbd_interest_rate":0,"sbd_print_rate":10000,"maximum_block_size":65536,"current_aslot":${head + 100000},` +
    `"recent_slots_filled":"340282366920938463463374607431768211455","participation_count":128,` +
    `"last_irreversible_block_num":${head - IRREVERSIBLE_LAG},"vote_power_reserve_rate":10,"delegation_return_period":432000,` +
    `"reverse_auction_seconds":300,"available_account_subsidies":20000000,"sbd_stop_percent":1000,"sbd_start_percent":900}`
  );
}

function accountResult(name: string, i: number): string {
  return (
    `{"id":${i},"name":${JSON.stringify(name)},"owner":{"weight_threshold":1,"account_auths":[],"key_auths":[["STM8GC13uCZbP44HzMLV6zPZGwVQ8Nt4Kji8PapsPiNq1BK153XTX",1]]},` +
    `"active":{"weight_threshold":1,"account_auths":[],"key_auths":[["STM8GC13uCZbP44HzMLV6zPZGwVQ8Nt4Kji8PapsPiNq1BK153XTX",1]]},` +
    `"posting":{"weight_threshold":1,"account_auths":[["steemit.app",1]],"key_auths":[["STM8GC13uCZbP44HzMLV6zPZGwVQ8Nt4Kji8PapsPiNq1BK153XTX",1]]},` +
    `"memo_key":"STM8GC13uCZbP44HzMLV6zPZGwVQ8Nt4Kji8PapsPiNq1BK153XTX","json_metadata":"{\\"profile\\":{\\"name\\":\\"Bench user\\",\\"about\\":\\"${BODY_TEXT.trim()}\\"}}",` +
    `"proxy":"","last_owner_update":"2018-01-01T00:00:00","last_account_update":"2020-01-01T00:00:00","created":"2017-01-01T00:00:00",` +
    `"mined":false,"recovery_account":"steem","comment_count":0,"lifetime_vote_count":0,"post_count":${i % 900},"can_vote":true,` +
    `"voting_power":9800,"balance":"${i}.000 STEEM","savings_balance":"0.000 STEEM","sbd_balance":"1.000 SBD","vesting_shares":"${i * 1000}.000000 VESTS",` +
    `"delegated_vesting_shares":"0.000000 VESTS","received_vesting_shares":"0.000000 VESTS","reputation":"${i * 123456}","witness_votes":[]}`
  );
}

function contentResult(author: string, permlink: string): string {
  return (
    `{"id":1,"author":${JSON.stringify(author)},"permlink":${JSON.stringify(permlink)},"category":"steem","parent_author":"","parent_permlink":"steem",` +
    `"title":"A post by ${author}","body":"${BODY_TEXT.repeat(16)}","json_metadata":"{\\"tags\\":[\\"steem\\"]}",` +
    `"created":"2020-01-01T00:00:00","last_update":"2020-01-01T00:00:00","depth":0,"children":3,"net_rshares":"1000000","vote_rshares":"1000000",` +
    `"total_payout_value":"1.000 SBD","curator_payout_value":"0.250 SBD","pending_payout_value":"0.000 SBD","url":"/steem/@${author}/${permlink}",` +
    `"root_title":"A post by ${author}","active_votes":[{"voter":"voter-1","weight":100,"rshares":"1000000","percent":10000,"reputation":"0","time":"2020-01-01T00:01:00"}]}`
  );
}

function votesResult(author: string): string {
  const votes: string[] = [];
  const count = 4 + (author.length % 12);
  for (let v = 0; v < count; v++) votes.push(`{"voter":"voter-${v}","weight":${v * 10},"rshares":"${v * 1000000}","percent":10000,"reputation":"0","time":"2020-01-01T00:0${v % 10}:00"}`);
  return `[${votes.join(',')}]`;
}

type Args = readonly unknown[] | Readonly<Record<string, unknown>> | undefined;

function arg(args: Args, index: number, key?: string): unknown {
  if (Array.isArray(args)) return args[index];
  if (args !== undefined && key !== undefined) return (args as Readonly<Record<string, unknown>>)[key];
  return undefined;
}

function blockNumber(args: Args): number | null {
  const n = Number(arg(args, 0, 'block_num'));
  return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * The result text for a call (api may be undefined for old steemd-style methods), or undefined
 * for a method the make-believe chain does not know. A block beyond the head is `null`, as on
 * the real chain.
 */
export function chainResult(api: string | undefined, method: string, args: Args, clock: ChainClock, nowMs: number): string | undefined {
  const head = headBlock(clock, nowMs);
  const future = (n: number | null): boolean => n === null || n > head;
  switch (method) {
    case 'get_block': {
      const n = blockNumber(args);
      if (future(n)) return api === 'block_api' ? '{}' : 'null';
      return api === 'block_api' ? `{"block":${blockResult(n as number)}}` : blockResult(n as number);
    }
    case 'get_block_header': {
      const n = blockNumber(args);
      if (future(n)) return 'null';
      return api === 'block_api' ? `{"header":${headerResult(n as number)}}` : headerResult(n as number);
    }
    case 'get_ops_in_block': {
      const n = blockNumber(args);
      return future(n) ? '[]' : opsResult(n as number);
    }
    case 'get_dynamic_global_properties':
      return dgpResult(head);
    case 'get_accounts': {
      const names = arg(args, 0);
      if (!Array.isArray(names)) return '[]';
      return `[${names.map((name, i) => accountResult(String(name), i + 1)).join(',')}]`;
    }
    case 'get_content':
      return contentResult(String(arg(args, 0)), String(arg(args, 1)));
    case 'get_active_votes':
      return votesResult(String(arg(args, 0)));
    case 'get_follow_count': {
      const account = String(arg(args, 0));
      return `{"account":${JSON.stringify(account)},"follower_count":${account.length * 37},"following_count":${account.length * 11}}`;
    }
    case 'get_ticker':
      return '{"latest":"0.25000000000000000","lowest_ask":"0.25100000000000000","highest_bid":"0.24900000000000000","percent_change":"1.5","steem_volume":"100000.000 STEEM","sbd_volume":"25000.000 SBD"}';
    default:
      return undefined;
  }
}

/** Splits a JSON-RPC request into (api, method, args): `call` form, `api.method` form or a bare method. */
export function callOf(request: { readonly method?: unknown; readonly params?: unknown }): { api: string | undefined; method: string; args: Args } {
  const method = typeof request.method === 'string' ? request.method : '';
  const params = request.params as Args;
  if (method === 'call' && Array.isArray(params)) {
    return { api: String(params[0]), method: String(params[1]), args: params[2] as Args };
  }
  const dot = method.lastIndexOf('.');
  return dot < 0 ? { api: undefined, method, args: params } : { api: method.slice(0, dot), method: method.slice(dot + 1), args: params };
}
