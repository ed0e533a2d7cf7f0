// What a request presents as credentials: `Authorization: Bearer <token>` or `X-Api-Key: <key>`
// (never the URL: query strings end up in access logs, proxies and browser history, so a
// credential there is refused rather than used). A bearer value with two dots is a JWT;
// anything else is an API key.

import type { IncomingHttpHeaders } from 'node:http';

export type Credentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'api_key'; readonly key: string }
  | { readonly kind: 'jwt'; readonly token: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const NONE: Credentials = { kind: 'none' };
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const URL_CREDENTIAL = /[?&](api[_-]?key|apikey|access_token|token|key|jwt)=/i;
/** Longest credential read; anything longer is refused before hashing or parsing. */
export const MAX_CREDENTIAL_LENGTH = 8192;

export function credentialsFrom(headers: IncomingHttpHeaders, url: string): Credentials {
  if (url.includes('?') && URL_CREDENTIAL.test(url)) {
    return { kind: 'malformed', reason: 'credentials in the URL are refused (URLs end up in logs); send Authorization: Bearer <key or token> or X-Api-Key: <key>' };
  }
  const authorization = headers['authorization'];
  const apiKey = headers['x-api-key'];
  if (authorization !== undefined) {
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (m === null) return { kind: 'malformed', reason: 'the Authorization header must be "Bearer <key or token>"' };
    const value = m[1] as string;
    if (value.length > MAX_CREDENTIAL_LENGTH) return { kind: 'malformed', reason: `the credential is longer than ${MAX_CREDENTIAL_LENGTH} characters` };
    return JWT_SHAPE.test(value) ? { kind: 'jwt', token: value } : { kind: 'api_key', key: value };
  }
  if (apiKey !== undefined) {
    const value = (Array.isArray(apiKey) ? apiKey[0] : apiKey)?.trim() ?? '';
    if (value === '' || value.length > MAX_CREDENTIAL_LENGTH) return { kind: 'malformed', reason: 'the X-Api-Key header is empty or too long' };
    return { kind: 'api_key', key: value };
  }
  return NONE;
}
