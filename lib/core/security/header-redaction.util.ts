/** What replaces a sensitive header's value in stored requests and responses. */
export const REDACTED = '[redacted]';

/** Request headers whose values never reach the stored history, whatever the dialect says. */
const REQUEST_ALWAYS_REDACTED: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'webhook-signature',
]);

/**
 * Response headers whose values never reach the stored history: a receiver's session cookies and any
 * credentials it echoes back. Attempts are shown to subscription owners and operators (the admin API),
 * who must not get the receiver's secrets from them.
 */
const RESPONSE_ALWAYS_REDACTED: ReadonlySet<string> = new Set([
  'set-cookie',
  'set-cookie2',
  'authorization',
  'proxy-authorization',
  'cookie',
  'proxy-authentication-info',
]);

/** A request's headers as they may be stored: the values of `sensitive` headers (and the usual credentials) replaced. */
export function redactHeaders(headers: Record<string, string>, sensitive: Iterable<string>): Record<string, string> {
  return redact(headers, REQUEST_ALWAYS_REDACTED, sensitive);
}

/**
 * A response's headers as they may be stored: `set-cookie` and the usual credentials replaced, and the
 * headers the dialect marks sensitive (a receiver may echo them).
 */
export function redactResponseHeaders(
  headers: Record<string, string>,
  sensitive: Iterable<string> = [],
): Record<string, string> {
  return redact(headers, RESPONSE_ALWAYS_REDACTED, sensitive);
}

function redact(
  headers: Record<string, string>,
  always: ReadonlySet<string>,
  sensitive: Iterable<string>,
): Record<string, string> {
  // Twice per try (request and response): most dialects mark nothing, and then the fixed set serves as is.
  let hidden = always;
  for (const name of sensitive) {
    if (hidden === always) hidden = new Set(always);
    (hidden as Set<string>).add(name.toLowerCase());
  }
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) stored[name] = hidden.has(name.toLowerCase()) ? REDACTED : value;
  return stored;
}
