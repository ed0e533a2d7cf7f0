// The config the proxy serves when JUSSI_UPSTREAM_CONFIG_FILE is unset (the README quickstart):
// public Steem and Hive API nodes with jussi-style TTLs and timeouts. Old steemd-style requests
// are translated to appbase `condenser_api` calls, as public nodes only speak appbase.

import type { RawConfigDocument } from './document.js';

const STEEM = 'https://api.steemit.com';
const HIVE = 'https://api.hive.blog';

export const EXAMPLE_CONFIG_DOCUMENT: RawConfigDocument = {
  limits: {
    accounts_blacklist: [],
    account_history_limit: 100,
    custom_json_op_length: 8192,
  },
  upstreams: [
    {
      name: 'steemd',
      translate_to_appbase: true,
      urls: [['steemd', STEEM]],
      ttls: [['steemd', 3]],
      timeouts: [['steemd', 5]],
    },
    {
      name: 'appbase',
      urls: [['appbase', STEEM]],
      ttls: [
        ['appbase', 3],
        ['appbase.login_api', -1],
        ['appbase.network_broadcast_api', -1],
        ['appbase.condenser_api.broadcast_transaction', -1],
        ['appbase.condenser_api.broadcast_transaction_synchronous', -1],
        ['appbase.condenser_api.broadcast_block', -1],
        ['appbase.follow_api', 10],
        ['appbase.market_history_api', 1],
        ['appbase.block_api', -2],
        ['appbase.condenser_api.get_block', -2],
        ['appbase.condenser_api.get_block_header', -2],
        ['appbase.condenser_api.get_ops_in_block', -2],
        ['appbase.condenser_api.get_content', 1],
        ['appbase.condenser_api.get_state', 1],
        ['appbase.condenser_api.get_dynamic_global_properties', 1],
        ['appbase.database_api.get_dynamic_global_properties', 1],
      ],
      timeouts: [
        ['appbase', 5],
        ['appbase.network_broadcast_api', 0],
        ['appbase.condenser_api.broadcast_transaction', 0],
        ['appbase.condenser_api.broadcast_transaction_synchronous', 0],
        ['appbase.condenser_api.broadcast_block', 0],
        ['appbase.account_history_api', 20],
        ['appbase.condenser_api.get_account_history', 20],
      ],
    },
    {
      name: 'hive',
      urls: [['hive', HIVE]],
      ttls: [
        ['hive', 3],
        ['hive.db_head_state', 1],
      ],
      timeouts: [['hive', 5]],
    },
  ],
};

/** The example as document text (what its hash is computed over). */
export const EXAMPLE_CONFIG_TEXT = `${JSON.stringify(EXAMPLE_CONFIG_DOCUMENT, null, 2)}\n`;
