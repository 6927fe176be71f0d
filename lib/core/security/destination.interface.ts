/**
 * Where a webhook may be sent, once the destination guard has checked it: the address the socket must
 * connect to (pinned, so that no second DNS lookup can move the request elsewhere) and the name the TLS
 * handshake and the `Host` header must still use.
 */
export interface ResolvedDestination {
  /** The parsed target URL (shared by the tries of one target: read it, do not change it). */
  url: URL;
  /** The URL's hostname without IPv6 brackets: the TLS server name (SNI, certificate check) and `Host` header. */
  hostname: string;
  /** The explicit port, or the protocol's default (443 for `https:`, 80 for `http:`). */
  port: number;
  /** The checked IP address, in canonical form, that the socket must connect to. */
  address: string;
  /** The address family of {@link address}. */
  family: 4 | 6;
}

/**
 * Resolves a host name to every address it has. The default is
 * `dns.promises.lookup(hostname, { all: true, verbatim: true })`; tests and applications with their own
 * DNS (service discovery, DNS-over-HTTPS) pass another one.
 */
export type WebhookResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
