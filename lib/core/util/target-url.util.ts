/** What the delivery stage reads of a target URL, parsed once per target. */
export interface TargetParts {
  /** `host` or `host:port` as written (no default port): the circuit breaker's key. */
  host: string;
  /** The host name as `URL` gives it (an IPv6 address in brackets). */
  hostname: string;
  /** The port, the scheme's default when none is written. */
  port: number;
  /** The URL without credentials or query (they may hold secrets), for traces. */
  full: string;
}

/** Parsed targets: a target is the same on every try of its subscription, and parsing a URL is not free. */
const parsed = new Map<string, TargetParts | null>();

/** The parts of a target URL, `null` when it does not parse. */
export function targetParts(target: string): TargetParts | null {
  let parts = parsed.get(target);
  if (parts === undefined) {
    // The cap only guards against unbounded growth: targets are the subscriptions'.
    if (parsed.size >= 10_000) parsed.clear();
    parsed.set(target, (parts = parse(target)));
  }
  return parts;
}

function parse(target: string): TargetParts | null {
  try {
    const url = new URL(target);
    return {
      host: url.port ? `${url.hostname}:${url.port}` : url.hostname,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
      full: `${url.origin}${url.pathname}`,
    };
  } catch {
    return null;
  }
}
