// The Steem/Hive JSON-RPC APIs and their methods, as known to steemd/hived (appbase plugins and
// the pre-appbase steemd `database_api`), hivemind (`condenser_api`, `bridge`, `hive`) and the
// wallet bridge. Metric labels may only take values from here or from the configured prefixes, so
// what clients send can never create new series. A method missing from this list is still served;
// it is only counted under `method="other"` until a config prefix names it.

const LEGACY_DATABASE_API = [
  'get_account_bandwidth', 'get_account_count', 'get_account_history', 'get_account_references',
  'get_account_votes', 'get_accounts', 'get_active_votes', 'get_active_witnesses', 'get_block',
  'get_block_header', 'get_chain_properties', 'get_comment_discussions_by_payout', 'get_config',
  'get_content', 'get_content_replies', 'get_conversion_requests', 'get_current_median_history_price',
  'get_discussions_by_active', 'get_discussions_by_author_before_date', 'get_discussions_by_blog',
  'get_discussions_by_cashout', 'get_discussions_by_children', 'get_discussions_by_comments',
  'get_discussions_by_created', 'get_discussions_by_feed', 'get_discussions_by_hot',
  'get_discussions_by_payout', 'get_discussions_by_promoted', 'get_discussions_by_trending',
  'get_discussions_by_votes', 'get_dynamic_global_properties', 'get_escrow',
  'get_expiring_vesting_delegations', 'get_feed_history', 'get_hardfork_version',
  'get_key_references', 'get_liquidity_queue', 'get_miner_queue', 'get_next_scheduled_hardfork',
  'get_open_orders', 'get_ops_in_block', 'get_order_book', 'get_owner_history',
  'get_post_discussions_by_payout', 'get_potential_signatures', 'get_recovery_request',
  'get_replies_by_last_update', 'get_required_signatures', 'get_reward_fund',
  'get_savings_withdraw_from', 'get_savings_withdraw_to', 'get_state', 'get_tags_used_by_author',
  'get_transaction', 'get_transaction_hex', 'get_trending_tags', 'get_vesting_delegations',
  'get_withdraw_routes', 'get_witness_by_account', 'get_witness_count', 'get_witness_schedule',
  'get_witnesses', 'get_witnesses_by_vote', 'lookup_account_names', 'lookup_accounts',
  'lookup_witness_accounts', 'set_block_applied_callback', 'set_pending_transaction_callback',
  'verify_account_authority', 'verify_authority',
];

const APPBASE_DATABASE_API = [
  'find_account_recovery_requests', 'find_accounts', 'find_change_recovery_account_requests',
  'find_collateralized_conversion_requests', 'find_comments', 'find_decline_voting_rights_requests',
  'find_escrows', 'find_hbd_conversion_requests', 'find_limit_orders', 'find_owner_histories',
  'find_proposals', 'find_recurrent_transfers', 'find_savings_withdrawals',
  'find_sbd_conversion_requests', 'find_smt_contributions', 'find_smt_token_balances',
  'find_smt_tokens', 'find_vesting_delegation_expirations', 'find_vesting_delegations', 'find_votes',
  'find_withdraw_vesting_routes', 'find_witnesses', 'get_active_witnesses',
  'get_comment_pending_payouts', 'get_config', 'get_current_price_feed',
  'get_dynamic_global_properties', 'get_feed_history', 'get_hardfork_properties', 'get_nai_pool',
  'get_order_book', 'get_potential_signatures', 'get_required_signatures', 'get_reward_funds',
  'get_transaction_hex', 'get_version', 'get_witness_schedule', 'is_known_transaction',
  'list_account_recovery_requests', 'list_accounts', 'list_change_recovery_account_requests',
  'list_collateralized_conversion_requests', 'list_comments', 'list_decline_voting_rights_requests',
  'list_escrows', 'list_hbd_conversion_requests', 'list_limit_orders', 'list_owner_histories',
  'list_proposal_votes', 'list_proposals', 'list_savings_withdrawals', 'list_sbd_conversion_requests',
  'list_smt_contributions', 'list_smt_token_emissions', 'list_smt_tokens',
  'list_vesting_delegation_expirations', 'list_vesting_delegations', 'list_votes',
  'list_withdraw_vesting_routes', 'list_witness_votes', 'list_witnesses', 'verify_account_authority',
  'verify_authority', 'verify_signatures',
];

const CONDENSER_API = [
  ...LEGACY_DATABASE_API,
  'broadcast_block', 'broadcast_transaction', 'broadcast_transaction_synchronous',
  'find_proposals', 'find_rc_accounts', 'find_recurrent_transfers', 'get_account_reputations',
  'get_blog', 'get_blog_authors', 'get_blog_entries', 'get_collateralized_conversion_requests',
  'get_discussion', 'get_feed', 'get_feed_entries', 'get_follow_count', 'get_followers',
  'get_following', 'get_market_history', 'get_market_history_buckets', 'get_reblogged_by',
  'get_recent_trades', 'get_ticker', 'get_trade_history', 'get_version', 'get_volume',
  'list_proposal_votes', 'list_proposals', 'list_rc_accounts', 'list_rc_direct_delegations',
];

const TAGS_API = [
  'get_active_votes', 'get_comment_discussions_by_payout', 'get_content_replies', 'get_discussion',
  'get_discussions_by_active', 'get_discussions_by_author_before_date', 'get_discussions_by_blog',
  'get_discussions_by_cashout', 'get_discussions_by_children', 'get_discussions_by_comments',
  'get_discussions_by_created', 'get_discussions_by_feed', 'get_discussions_by_hot',
  'get_discussions_by_promoted', 'get_discussions_by_trending', 'get_discussions_by_votes',
  'get_post_discussions_by_payout', 'get_replies_by_last_update', 'get_tags',
  'get_tags_used_by_author', 'get_trending_tags',
];

const FOLLOW_API = [
  'get_account_reputations', 'get_blog', 'get_blog_authors', 'get_blog_entries', 'get_feed',
  'get_feed_entries', 'get_follow_count', 'get_followers', 'get_following', 'get_reblogged_by',
];

const MARKET_HISTORY_API = [
  'get_market_history', 'get_market_history_buckets', 'get_order_book', 'get_recent_trades',
  'get_ticker', 'get_trade_history', 'get_volume',
];

const BRIDGE = [
  'account_notifications', 'does_user_follow_any_lists', 'get_account_posts', 'get_community',
  'get_community_context', 'get_discussion', 'get_follow_list', 'get_payout_stats', 'get_post',
  'get_post_header', 'get_profile', 'get_profiles', 'get_ranked_posts',
  'get_relationship_between_accounts', 'get_trending_topics', 'list_all_subscriptions',
  'list_communities', 'list_community_roles', 'list_pop_communities', 'list_subscribers',
  'normalize_post', 'post_notifications', 'unread_notifications',
];

const WALLET_BRIDGE_API = [
  'broadcast_transaction', 'broadcast_transaction_synchronous', 'find_proposals', 'find_rc_accounts',
  'find_recurrent_transfers', 'get_account', 'get_account_history', 'get_accounts',
  'get_active_witnesses', 'get_block', 'get_chain_properties', 'get_collateralized_conversion_requests',
  'get_conversion_requests', 'get_current_median_history_price', 'get_dynamic_global_properties',
  'get_feed_history', 'get_hardfork_version', 'get_open_orders', 'get_ops_in_block',
  'get_owner_history', 'get_reward_fund', 'get_transaction', 'get_version', 'get_withdraw_routes',
  'get_witness', 'get_witness_schedule', 'is_known_transaction', 'list_my_accounts',
  'list_proposal_votes', 'list_rc_accounts', 'list_rc_direct_delegations', 'list_witnesses',
];

/**
 * API (or, for two-part methods such as `bridge.get_ranked_posts`, namespace) -> its methods.
 * `jsonrpc` is appbase's own introspection API.
 */
export const API_CATALOGUE: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>(
  Object.entries({
    condenser_api: CONDENSER_API,
    database_api: [...LEGACY_DATABASE_API, ...APPBASE_DATABASE_API],
    block_api: ['get_block', 'get_block_header', 'get_block_range'],
    account_history_api: ['enum_virtual_ops', 'get_account_history', 'get_ops_in_block', 'get_transaction'],
    account_by_key_api: ['get_key_references'],
    network_broadcast_api: ['broadcast_block', 'broadcast_transaction', 'broadcast_transaction_synchronous'],
    follow_api: FOLLOW_API,
    tags_api: TAGS_API,
    market_history_api: MARKET_HISTORY_API,
    reputation_api: ['get_account_reputations'],
    rc_api: ['find_rc_accounts', 'get_rc_stats', 'get_resource_params', 'get_resource_pool', 'list_rc_accounts', 'list_rc_direct_delegations'],
    witness_api: ['get_account_bandwidth', 'get_reserve_ratio'],
    transaction_status_api: ['find_transaction'],
    login_api: ['get_api_by_name', 'get_version', 'login'],
    jsonrpc: ['get_methods', 'get_signature'],
    wallet_bridge_api: WALLET_BRIDGE_API,
    debug_node_api: ['debug_generate_blocks', 'debug_get_head_block', 'debug_get_witness_schedule', 'debug_pop_block', 'debug_push_blocks'],
    bridge: BRIDGE,
    hive: ['db_head_state'],
  }).map(([api, methods]) => [api, new Set(methods)]),
);
