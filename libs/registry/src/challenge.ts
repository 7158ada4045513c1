/** One `WWW-Authenticate` challenge: its scheme and parameters (names lower-cased). */
export interface AuthChallenge {
  /** Lower-cased: `basic`, `bearer`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses a `WWW-Authenticate` header value (RFC 7235): one or more challenges, each a scheme
 * and comma-separated `name=value` or `name="quoted \"value\""` parameters. Malformed
 * parameters end the parse of their challenge; what was read before them is kept.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let at = 0;
  const skip = (): void => {
    while (at < header.length && /[\s,]/.test(header.charAt(at))) at++;
  };
  const token = (): string => {
    const match = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(header.slice(at));
    if (match === null) return '';
    at += match[0].length;
    return match[0];
  };
  while (at < header.length) {
    skip();
    const scheme = token();
    if (scheme === '') break;
    const params = Object.create(null) as Record<string, string>;
    for (;;) {
      while (at < header.length && /[ \t]/.test(header.charAt(at))) at++;
      const save = at;
      const name = token();
      while (at < header.length && /[ \t]/.test(header.charAt(at))) at++;
      if (name === '' || header.charAt(at) !== '=') {
        at = save; // the next challenge's scheme
        break;
      }
      at++;
      while (at < header.length && /[ \t]/.test(header.charAt(at))) at++;
      let value = '';
      if (header.charAt(at) === '"') {
        at++;
        while (at < header.length && header.charAt(at) !== '"') {
          if (header.charAt(at) === '\\' && at + 1 < header.length) at++;
          value += header.charAt(at);
          at++;
        }
        at++;
      } else {
        value = token();
      }
      params[name.toLowerCase()] = value;
      while (at < header.length && /[ \t]/.test(header.charAt(at))) at++;
      if (header.charAt(at) !== ',') break;
      at++;
    }
    challenges.push({ scheme: scheme.toLowerCase(), params });
  }
  return challenges;
}
