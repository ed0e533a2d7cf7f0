// jussi's get_state override (reference §4 step 1): account transfer pages, witnesses and
// proposals are served by the node named in JUSSI_ACCOUNT_TRANSFER_STEEMD_URL, whatever the
// namespace and whatever the URL trie says.

import type { Urn } from '../jsonrpc/types.js';

// Python's `re` semantics of `^\/?(@([^\/\s]+)/transfers|~?witnesses|proposals)$`: `\s` is every
// character `str.isspace()` accepts (JavaScript's `\s` differs: it has U+FEFF and lacks
// U+001C-U+001F and U+0085), and `$` also matches before one final newline.
const PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const ACCOUNT_TRANSFER_PATTERN = new RegExp(`^\\/?(?:@[^\\/${PY_SPACE}]+\\/transfers|~?witnesses|proposals)\\n?$`);

/** True when a get_state path is one jussi sends to the account-transfer node. */
export function isAccountTransferPath(path: string): boolean {
  return ACCOUNT_TRANSFER_PATTERN.test(path);
}

/** True when jussi would route this URN to JUSSI_ACCOUNT_TRANSFER_STEEMD_URL (when that is set). */
export function isAccountTransferRequest(urn: Urn): boolean {
  if (urn.method !== 'get_state') return false;
  if (urn.api !== 'database_api' && urn.api !== 'condenser_api') return false;
  const params = urn.params;
  if (!Array.isArray(params) || params.length !== 1) return false;
  const path: unknown = params[0];
  return typeof path === 'string' && isAccountTransferPath(path);
}
