// What the cache does for a request, from the value its TTL rule has in the config's `ttls`
// trie (ARCHITECTURE "Deliberate differences" 1–3):
//   n > 0  cached n seconds
//   0      cached without expiry
//   -1     not cached (neither read nor written)
//   -2     irreversibility-aware: an answer bearing a block at or below the last irreversible
//          block is cached with the irreversible TTL; anything else is not cached
//   null   (no matching rule) not cached
// Pure functions: the pipeline passes the rule, the URN, the parsed answer and the current LIRB.

import { blockNumFromAnswer, isGetBlockRequest, isValidGetBlockAnswer, isValidNonErrorAnswer, type UrnParts } from './answer-validation.js';

export const TTL_NO_EXPIRY = 0;
export const TTL_NO_CACHE = -1;
export const TTL_IRREVERSIBLE = -2;

/** Whether the cache is read for a request whose rule has this value. */
export function readsCache(ttl: number | null): boolean {
  if (ttl === null) return false;
  return ttl === TTL_IRREVERSIBLE || (ttl >= 0 && Number.isFinite(ttl));
}

export type NoStoreReason =
  /** No TTL rule matched the request. */
  | 'no-rule'
  /** The rule is -1 (or a value that is not a TTL). */
  | 'not-cached'
  /** Not an object with `result`, or has `error`, or has members beyond id/jsonrpc/result. */
  | 'invalid-answer'
  /** get_block answer whose block is not the requested one (or no block). */
  | 'block-mismatch'
  /** -2 rule, but the answer bears no block number. */
  | 'no-block-number'
  /** -2 rule, but the last irreversible block is not known yet. */
  | 'lirb-unknown'
  /** -2 rule, and the block is above the last irreversible block. */
  | 'reversible';

export type WriteDecision =
  | { readonly store: true; /** Seconds; null = no expiry. */ readonly ttlSeconds: number | null }
  | { readonly store: false; readonly reason: NoStoreReason };

export interface WriteInput {
  /** The value of the request's TTL rule; null when no rule matched. */
  readonly ttl: number | null;
  readonly urn: UrnParts;
  /** The parsed upstream answer object (id already the client's or not: it is not looked at). */
  readonly answer: unknown;
  readonly lastIrreversibleBlockNum: number | null;
  /** JUSSI_IRREVERSIBLE_TTL; 0 = no expiry. */
  readonly irreversibleTtlSeconds: number;
}

const NO_STORE: { readonly [R in NoStoreReason]: WriteDecision } = {
  'no-rule': { store: false, reason: 'no-rule' },
  'not-cached': { store: false, reason: 'not-cached' },
  'invalid-answer': { store: false, reason: 'invalid-answer' },
  'block-mismatch': { store: false, reason: 'block-mismatch' },
  'no-block-number': { store: false, reason: 'no-block-number' },
  'lirb-unknown': { store: false, reason: 'lirb-unknown' },
  reversible: { store: false, reason: 'reversible' },
};
const STORE_NO_EXPIRY: WriteDecision = { store: true, ttlSeconds: null };

/** Whether (and for how long) an answer is written to the cache. */
export function writeDecision(input: WriteInput): WriteDecision {
  const { ttl, urn, answer } = input;
  if (ttl === null) return NO_STORE['no-rule'];
  if (!readsCache(ttl)) return NO_STORE['not-cached'];
  if (!isValidNonErrorAnswer(answer)) return NO_STORE['invalid-answer'];
  if (isGetBlockRequest(urn) && !isValidGetBlockAnswer(urn, answer)) return NO_STORE['block-mismatch'];
  if (ttl > 0) return { store: true, ttlSeconds: ttl };
  if (ttl === TTL_NO_EXPIRY) return STORE_NO_EXPIRY;
  return irreversibleDecision(answer, input.lastIrreversibleBlockNum, input.irreversibleTtlSeconds);
}

/** The -2 rule for a valid answer. */
export function irreversibleDecision(answer: unknown, lastIrreversibleBlockNum: number | null, irreversibleTtlSeconds: number): WriteDecision {
  const blockNum = blockNumFromAnswer(answer);
  if (blockNum === null) return NO_STORE['no-block-number'];
  if (lastIrreversibleBlockNum === null) return NO_STORE['lirb-unknown'];
  if (blockNum > lastIrreversibleBlockNum) return NO_STORE.reversible;
  return irreversibleTtlSeconds > 0 ? { store: true, ttlSeconds: irreversibleTtlSeconds } : STORE_NO_EXPIRY;
}

/** The memory tier's TTL in milliseconds: min(ttl, max); no expiry → max. */
export function memoryTtlMs(ttlSeconds: number | null, memoryMaxTtlSeconds: number): number {
  const seconds = ttlSeconds === null ? memoryMaxTtlSeconds : Math.min(ttlSeconds, memoryMaxTtlSeconds);
  return Math.max(1, Math.round(seconds * 1000));
}
