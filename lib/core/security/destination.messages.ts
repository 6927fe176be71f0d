import { describe, invalidOptionMessage } from '../errors/webhooks.messages';
import { addressTier, type AddressClassification, type AddressRange, type Ipv4Embedding } from './address.classifier';

const RANGE_DESCRIPTIONS: Record<AddressRange, string> = {
  public: 'a public address',
  private: 'a private address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (shared) address',
  uniqueLocal: 'a unique-local IPv6 address',
  siteLocal: 'a site-local IPv6 address',
  localNat64: 'a local-use NAT64 address',
  linkLocal: 'a link-local address',
  metadata: 'a cloud metadata service address',
  unspecified: 'an unspecified ("this host") address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  documentation: 'a documentation-only address',
};

const EMBEDDINGS: Record<Ipv4Embedding, string> = {
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
  ipv4Translated: 'an IPv4-translated IPv6 address',
  ipv4Compatible: 'an IPv4-compatible IPv6 address',
  nat64: 'a NAT64 address',
  localNat64: 'a local-use NAT64 address',
  '6to4': 'a 6to4 address',
  teredo: 'a Teredo address',
};

/** "a private address", or "a loopback address (127.0.0.1 inside a NAT64 address)" for embedded IPv4. */
function describeAddress(classification: AddressClassification): string {
  const base = RANGE_DESCRIPTIONS[classification.range];
  const { embedded } = classification;
  return embedded ? `${base} (${embedded.ipv4} inside ${EMBEDDINGS[embedded.via]})` : base;
}

/** What a blocked address is, for the messages below. */
export interface BlockedAddress {
  /** The URL's hostname (without brackets). */
  hostname: string;
  /** The offending address, canonical. */
  address: string;
  family: 4 | 6;
  classification: AddressClassification;
  /** Whether the URL named the address itself rather than a host name. */
  literal: boolean;
}

/**
 * The attempt message of a delivery the guard stopped: which host, which address, what kind, and how a
 * developer allows it if it is meant.
 */
export function destinationBlockedMessage(blocked: BlockedAddress): string {
  const where = blocked.literal
    ? `the target address ${blocked.address} is`
    : `${blocked.hostname} resolves to ${blocked.address},`;
  const how =
    addressTier(blocked.classification.range) === 'privateNetwork'
      ? 'Webhooks are sent to public addresses only; to deliver to private networks (development, internal ' +
        'services), set targets.allowPrivateNetworks: true in WebhooksModule.forRoot(), or list the range in targets.allowedCidrs.'
      : `Webhooks are never sent there unless the range is listed in targets.allowedCidrs of WebhooksModule.forRoot() ` +
        `(e.g. "${singleHostCidr(blocked)}").`;
  return `Delivery blocked: ${where} ${describeAddress(blocked.classification)}. ${how}`;
}

/**
 * The reason of the validation error raised when a subscription's target is blocked, phrased to follow
 * the field name: "to resolves to 10.0.0.5, a private address; ...".
 */
export function blockedReason(blocked: BlockedAddress): string {
  const verb = blocked.literal ? 'points to' : 'resolves to';
  const how =
    addressTier(blocked.classification.range) === 'privateNetwork'
      ? 'webhook targets must be public addresses (a developer may allow private networks with ' +
        'targets.allowPrivateNetworks, or this range with targets.allowedCidrs)'
      : `webhooks are never sent there (a developer may allow it only with an explicit targets.allowedCidrs ` +
        `entry such as "${singleHostCidr(blocked)}")`;
  return `${verb} ${blocked.address}, ${describeAddress(blocked.classification)}; ${how}`;
}

/** Why a host could not be resolved. */
export type ResolutionProblem =
  | { type: 'empty' }
  | { type: 'failed'; code?: string }
  | { type: 'timeout'; timeoutMs: number }
  | { type: 'malformed'; answer: unknown };

/**
 * The reason of the validation error raised when a subscription's host does not resolve, phrased to
 * follow the field name: "to could not be verified: ...; please check the domain".
 */
export function unresolvableReason(hostname: string, problem: ResolutionProblem): string {
  let what: string;
  switch (problem.type) {
    case 'empty':
      what = `${hostname} has no address`;
      break;
    case 'failed':
      what = `looking up ${hostname} failed${problem.code ? ` (${problem.code})` : ''}`;
      break;
    case 'timeout':
      what = `looking up ${hostname} took longer than ${problem.timeoutMs} ms`;
      break;
    case 'malformed':
      what = `the resolver answered ${describe(problem.answer)} for ${hostname}, which is not an IP address`;
      break;
  }
  return `could not be verified: ${what}; please check the domain`;
}

/** `targets.allowedCidrs` is not a list. */
export const invalidAllowedCidrsMessage = (option: string, value: unknown): string =>
  invalidOptionMessage(option, 'a list of CIDR ranges such as ["10.0.0.0/8", "fd00::/8"]', value);

/** One `targets.allowedCidrs` entry is not a CIDR range. */
export const invalidAllowedCidrMessage = (option: string, value: unknown): string =>
  invalidOptionMessage(
    option,
    'a CIDR range such as "10.0.0.0/8" or "fd00::/8", or a single IP address (IPv4 in dotted decimal, prefix 0–32; IPv6 prefix 0–128)',
    value,
  );

function singleHostCidr(blocked: BlockedAddress): string {
  return `${blocked.address.replace(/%.*$/, '')}/${blocked.family === 4 ? 32 : 128}`;
}
