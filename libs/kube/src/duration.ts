/**
 * Go duration strings (`1m`, `10m0s`, `1h30m`, `500ms`), as Flux's `spec.interval`,
 * `spec.timeout` and duration flags are written.
 */

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Milliseconds in a Go duration string; throws DurationError on anything else. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const sign = trimmed.startsWith('-') ? -1 : 1;
  const body = trimmed.replace(/^[-+]/, '');
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let index = 0;
  while (index < body.length) {
    part.lastIndex = index;
    const match = part.exec(body);
    if (match === null) break;
    total += Number(match[1]) * (unitMs[match[2] ?? ''] ?? Number.NaN);
    index = part.lastIndex;
  }
  if (body === '' || index !== body.length || Number.isNaN(total)) {
    throw new DurationError(
      `invalid duration "${text}": want a Go duration such as 30s, 5m or 1h30m`,
    );
  }
  return sign * total;
}

/** Formats milliseconds as Go prints durations (`1m30s`, `750ms`, `15m0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/**
 * An interval moved at random by up to ±percent, so objects created together do not all
 * come back in the same instant (Flux's --interval-jitter-percentage).
 */
export function jitter(ms: number, percent: number, random: () => number = Math.random): number {
  if (percent <= 0) return ms;
  const spread = (ms * percent) / 100;
  return Math.round(ms - spread + random() * 2 * spread);
}
