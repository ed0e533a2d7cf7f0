// API keys as the proxy holds them: a file of `name tier key` lines (a mounted Kubernetes Secret,
// or any file), parsed into SHA-256 digests. The key text is dropped once hashed: it is never
// kept, logged or reported; problems name the line, never the key. A key may also be given
// already hashed (`sha256:<64 hex>`), so the Secret itself need not hold usable keys.
//
// Lookup hashes the presented key, finds the candidate by its digest, and compares the digests
// with crypto.timingSafeEqual. The map lookup's timing depends only on the SHA-256 of what the
// caller sent, which tells nothing about any stored key.

import { createHash, timingSafeEqual } from 'node:crypto';

export interface ApiKeyIdentity {
  /** The key's name: what logs, metrics and rate limits see instead of the key. */
  readonly name: string;
  readonly tier: string;
}

interface StoredKey extends ApiKeyIdentity {
  readonly digest: Buffer;
}

export interface KeyFileProblem {
  readonly line: number;
  readonly message: string;
}

const NAME = /^[A-Za-z0-9_.@-]{1,128}$/;
const TIER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HASHED = /^sha256:([0-9a-f]{64})$/i;
/** Shorter keys can be guessed; generate keys with e.g. `openssl rand -hex 32`. */
export const MIN_KEY_LENGTH = 16;

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class ApiKeyStore {
  private constructor(private readonly byDigest: ReadonlyMap<string, StoredKey>) {}

  static readonly EMPTY = new ApiKeyStore(new Map());

  /** Parses a key file; lines with problems are left out and reported by line number. */
  static parse(text: string): { readonly store: ApiKeyStore; readonly problems: readonly KeyFileProblem[] } {
    const byDigest = new Map<string, StoredKey>();
    const names = new Set<string>();
    const problems: KeyFileProblem[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = i + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      const parts = trimmed.split(/\s+/);
      if (parts.length !== 3) {
        problems.push({ line, message: 'expected three fields: name tier key' });
        return;
      }
      const [name, tier, key] = parts as [string, string, string];
      if (!NAME.test(name)) return void problems.push({ line, message: 'the name must be 1 to 128 letters, digits or _ . @ -' });
      if (!TIER.test(tier) || tier.length > 63) return void problems.push({ line, message: 'the tier must be 1 to 63 lower-case letters, digits or -' });
      if (names.has(name)) return void problems.push({ line, message: `the name ${name} is used by an earlier line` });
      const hashed = HASHED.exec(key);
      if (hashed === null && key.length < MIN_KEY_LENGTH) return void problems.push({ line, message: `the key is shorter than ${MIN_KEY_LENGTH} characters` });
      const digest = hashed === null ? digestOf(key) : Buffer.from(hashed[1] as string, 'hex');
      const id = digest.toString('base64');
      if (byDigest.has(id)) return void problems.push({ line, message: 'the same key is given on an earlier line' });
      names.add(name);
      byDigest.set(id, { name, tier, digest });
    });
    return { store: new ApiKeyStore(byDigest), problems };
  }

  get size(): number {
    return this.byDigest.size;
  }

  lookup(presented: string): ApiKeyIdentity | null {
    const digest = digestOf(presented);
    const candidate = this.byDigest.get(digest.toString('base64'));
    if (candidate === undefined || !timingSafeEqual(candidate.digest, digest)) return null;
    return { name: candidate.name, tier: candidate.tier };
  }
}
