/**
 * What may be said about a URL outside the process, and whether credentials may travel to it.
 * Every fetching library (this one, @tide/git, the kustomize engine through @tide/git) and the
 * controllers name URLs through `redactUrl`, so one function decides what a log line, Event or
 * condition may show.
 */

/** The URL with any user info removed, safe for logs, events and status. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Without user info the URL is shown as written, not re-serialized.
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Not a URL Node parses: drop anything between `//` and the last `@` before the path.
    return url.replace(/\/\/[^/?#]*@/, '//');
  }
}

/**
 * Free text (another library's error message) with the user info of every URL in it removed:
 * for wrapping messages Tide did not word, whose URLs it cannot pass through `redactUrl`.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1');
}

/** Whether the URL itself carries credentials (`https://user:token@host/`). */
export function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return /\/\/[^/?#]*@/.test(url);
  }
}

/**
 * Whether a request to the URL would cross a network in clear text: plain `http:` to any host
 * but a loopback address literal (127.0.0.0/8, ::1), whose traffic never leaves the machine or
 * pod. Credentials are never sent over such a request unless the object opts in.
 */
export function isCleartextToNetwork(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:') return false;
  const host = parsed.hostname;
  return !(/^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]');
}
