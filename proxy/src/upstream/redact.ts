// Credentials in upstream URLs (`https://user:secret@host/`) must never reach stats, errors or
// logs. Every URL an upstream exposes goes through `redactUrl`; every message built from a
// library error goes through `redactText`.

// Greedy up to the last `@` of the authority, so an unescaped `@` in a password is covered too.
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;

/** The URL without userinfo; a URL without credentials is returned unchanged (same string). */
export function redactUrl(url: string): string {
  if (!url.includes('@')) return url;
  return url.replace(USERINFO, '$1');
}

/** Removes userinfo from every URL inside a free-form text (error messages from libraries). */
export function redactText(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(USERINFO, '$1');
}
