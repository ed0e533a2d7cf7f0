// Upstream URLs may carry secrets: credentials (`https://user:secret@host/`), API keys in the
// query (`?api_key=…`), tokens in the fragment. None of them may reach stats, /state, metrics,
// errors or logs: every URL an upstream exposes goes through `redactUrl`, every message built
// from a library error through `redactText`. What is left is scheme, host, port and path.
// Client-facing reasons go one step further (`hostsOnly`): a public endpoint names the host,
// not the path of its internal topology.

// scheme://, then userinfo (greedy up to the last `@` of the authority, so an unescaped `@` in
// a password is covered too), host and path, then query and fragment (to a space, a closing
// bracket or a separator, so a URL quoted in a sentence does not eat the sentence).
const URL_IN_TEXT = /([a-z][a-z0-9+.-]*:\/\/)(?:[^/?#\s]*@)?([^?#\s]*)(?:[?#][^\s)\]>,;'"]*)?/gi;
const MAY_HOLD_SECRETS = /[@?#]/;

/** The URL without userinfo, query or fragment; a URL with none of them is returned unchanged (same string). */
export function redactUrl(url: string): string {
  if (!MAY_HOLD_SECRETS.test(url)) return url;
  return url.replace(URL_IN_TEXT, '$1$2');
}

/** Removes userinfo, query and fragment from every URL inside a free-form text (error messages from libraries). */
export function redactText(text: string): string {
  if (!MAY_HOLD_SECRETS.test(text)) return text;
  return text.replace(URL_IN_TEXT, '$1$2');
}

/** Every URL inside `text` replaced by its host (with port): what a client may learn of an upstream. */
export function hostsOnly(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (_match, _scheme: string, rest: string) => rest.split('/', 1)[0] ?? '');
}
