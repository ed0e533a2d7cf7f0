// The config long-poll between an injected sidecar and the operator: part of the declared
// contract between the two programs (the operator imports these names from here).
//
//   GET <operator>/v1/config?wait=<seconds>
//   Authorization: Bearer <projected service-account token, audience = the operator's>
//   If-None-Match: "<sha256 of the document the sidecar has>"      (absent on the first poll)
//   X-Jussi-Running-Config: <sha256 of the document the proxy runs, or empty>
//   X-Jussi-Admin-Port: <the proxy's admin port, for sampled /state pulls>
//
//   200 + the document, ETag "<sha256>"   a document other than the one named in If-None-Match
//   304                                   nothing changed within `wait` seconds: poll again
//   401 / 403                             the token is not accepted / not allowed here
//   503 + Retry-After                     no document published yet, or the token cannot be checked now

export const CONFIG_PATH = '/v1/config';
export const RUNNING_CONFIG_HEADER = 'x-jussi-running-config';
export const ADMIN_PORT_HEADER = 'x-jussi-admin-port';
/** The longest a poll is held open (the server caps `wait` at its own limit). */
export const DEFAULT_WAIT_SECONDS = 30;

/** `"abc"`, `W/"abc"` or `abc` → `abc`; the first tag of a list. */
export function parseEtag(header: string | undefined): string | null {
  if (header === undefined) return null;
  const first = header.split(',')[0]?.trim() ?? '';
  const m = /^(?:W\/)?"([^"]*)"$/.exec(first);
  const tag = m?.[1] ?? first;
  return tag === '' || tag === '*' ? null : tag;
}

export function etag(hash: string): string {
  return `"${hash}"`;
}
