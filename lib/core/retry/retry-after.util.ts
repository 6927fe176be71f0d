/** The statuses with which a receiver asks to be sent less: they pause the subscription. */
export const THROTTLE_STATUS_CODES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

const DELAY_SECONDS = /^\s*(\d{1,10})\s*$/;

/**
 * How long (ms) a `Retry-After` header asks to wait, measured from `now`: either delay-seconds (`120`)
 * or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 9110 §10.2.3), a date in the past meaning 0;
 * cut to `cap`. `undefined` when the header is absent or unreadable (it is then ignored).
 */
export function parseRetryAfter(value: string | undefined, now: number, cap: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = DELAY_SECONDS.exec(value);
  let delay: number;
  if (seconds) {
    delay = Number(seconds[1]) * 1000;
  } else {
    const at = Date.parse(value.trim());
    // Date.parse also reads looser forms; a header has to at least name a year to count as a date.
    if (Number.isNaN(at) || !/\d{4}/.test(value)) return undefined;
    delay = Math.max(0, at - now);
  }
  return Math.min(delay, cap);
}

/** A header's value from a response's headers, whatever the case of its name. */
export function responseHeader(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}
