import { isIPv6 } from 'node:net';
import * as ipaddr from 'ipaddr.js';

/** An IPv4 or IPv6 address as ipaddr.js parses it. */
export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * What kind of address an IP is, as far as sending webhooks is concerned.
 *
 * - `public`: a global unicast address; the only kind allowed by default.
 * - `private`, `loopback`, `carrierGradeNat`, `uniqueLocal`, `siteLocal`, `localNat64`: the application's
 *   own networks; allowed by `allowPrivateNetworks`.
 * - `linkLocal`, `metadata`, `unspecified`, `broadcast`, `multicast`, `reserved`, `documentation`: never a
 *   webhook receiver (or, for link-local and cloud metadata, the classic SSRF prize); allowed only by an
 *   explicit `allowedCidrs` entry.
 */
export type AddressRange =
  | 'public'
  | 'private'
  | 'loopback'
  | 'carrierGradeNat'
  | 'uniqueLocal'
  | 'siteLocal'
  | 'localNat64'
  | 'linkLocal'
  | 'metadata'
  | 'unspecified'
  | 'broadcast'
  | 'multicast'
  | 'reserved'
  | 'documentation';

/** How an IPv4 address was carried inside an IPv6 one. */
export type Ipv4Embedding =
  'ipv4Mapped' | 'ipv4Translated' | 'ipv4Compatible' | 'nat64' | 'localNat64' | '6to4' | 'teredo';

/** The verdict on one address. */
export interface AddressClassification {
  /** The kind of address; for an IPv6 address carrying an IPv4 one, the kind of that IPv4 address. */
  range: AddressRange;
  /** Set when {@link range} was judged on an IPv4 address embedded in the IPv6 one. */
  embedded?: { ipv4: string; via: Ipv4Embedding };
}

/** Which option, if any, lets a range through. */
export type AddressTier = 'public' | 'privateNetwork' | 'restricted';

const TIERS: Record<AddressRange, AddressTier> = {
  public: 'public',
  private: 'privateNetwork',
  loopback: 'privateNetwork',
  carrierGradeNat: 'privateNetwork',
  uniqueLocal: 'privateNetwork',
  siteLocal: 'privateNetwork',
  localNat64: 'privateNetwork',
  linkLocal: 'restricted',
  metadata: 'restricted',
  unspecified: 'restricted',
  broadcast: 'restricted',
  multicast: 'restricted',
  reserved: 'restricted',
  documentation: 'restricted',
};

const TIER_ORDER: Record<AddressTier, number> = { public: 0, privateNetwork: 1, restricted: 2 };

/** The tier of a range: `public`, `privateNetwork` (allowPrivateNetworks) or `restricted` (allowedCidrs only). */
export function addressTier(range: AddressRange): AddressTier {
  return TIERS[range];
}

// Ranges this module adds to ipaddr.js's range() tables:
// - cloud metadata endpoints, so that a label more precise than "link-local" reaches the message and, for
//   those inside ranges that allowPrivateNetworks would open (CGNAT, ULA) or inside public space, so that
//   they stay closed: 169.254.169.254 (AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle), 169.254.170.2
//   (AWS ECS task credentials), 169.254.170.23 (AWS EKS Pod Identity), 100.100.100.200 (Alibaba Cloud, in
//   CGNAT), 192.0.0.192 (Oracle Cloud Classic), 168.63.129.16 (Azure WireServer, a public address),
//   fd00:ec2::/32 (AWS Nitro IMDS fd00:ec2::254, DNS and NTP, in ULA), fd20:ce::254 (GCP, in ULA);
// - documentation ranges split out of ipaddr.js's IPv4 `reserved` (RFC 5737) and IPv6 `reserved`
//   (RFC 3849 2001:db8::/32, RFC 9637 3fff::/20);
// - IPv4-compatible IPv6 ::/96 (RFC 4291, deprecated), judged on the embedded IPv4;
// - IPv6 outside 2000::/3 that range() calls `unicast`: not allocated for global unicast, so `reserved`;
// - the IPv4 embedded in IPv4-mapped, IPv4-translated (RFC 6145), NAT64 (RFC 6052, 64:ff9b::/96; and
//   every RFC 6052 position of the local-use 64:ff9b:1::/48 of RFC 8215), 6to4 and Teredo addresses.
const METADATA_V4 = cidrs(ipaddr.IPv4, [
  '169.254.169.254/32',
  '169.254.170.2/32',
  '169.254.170.23/32',
  '100.100.100.200/32',
  '192.0.0.192/32',
  '168.63.129.16/32',
]);
const METADATA_V6 = cidrs(ipaddr.IPv6, ['fd00:ec2::/32', 'fd20:ce::254/128']);
const DOCUMENTATION_V4 = cidrs(ipaddr.IPv4, ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']);
const DOCUMENTATION_V6 = cidrs(ipaddr.IPv6, ['2001:db8::/32', '3fff::/20']);
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
/** The RFC 6052 prefix lengths a local-use NAT64 prefix inside 64:ff9b:1::/48 may have. */
const LOCAL_NAT64_PREFIXES = [48, 56, 64, 96];

/**
 * Parses an IP address strictly: IPv4 only in dotted four-part decimal, IPv6 in any standard notation
 * (with an optional zone). Returns `null` for anything else, so that the lenient inet_aton spellings
 * (`0x7f.1`) never reach a socket, which would hand them to DNS.
 */
export function parseIpAddress(text: string): IpAddress | null {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!isIPv6(text)) return null;
  // ipaddr.js reads "::a.b.c.d" (IPv4-compatible, as inet_ntop prints it) as "::ffff:a.b.c.d", a different
  // address; the WHATWG serialisation of the address part is all hex, which it reads faithfully.
  const zone = text.indexOf('%');
  const canonical = new URL(`http://[${zone < 0 ? text : text.slice(0, zone)}]/`).hostname.slice(1, -1);
  return ipaddr.IPv6.parse(zone < 0 ? canonical : canonical + text.slice(zone));
}

/** Classifies an address; see {@link AddressRange}. Unknown ipaddr.js ranges count as `reserved` (fail closed). */
export function classifyAddress(address: IpAddress): AddressClassification {
  return address.kind() === 'ipv4'
    ? { range: classifyIpv4(address as ipaddr.IPv4) }
    : classifyIpv6(address as ipaddr.IPv6);
}

function classifyIpv4(address: ipaddr.IPv4): AddressRange {
  if (matchesAny(address, METADATA_V4)) return 'metadata';
  if (matchesAny(address, DOCUMENTATION_V4)) return 'documentation';
  const range: string = address.range();
  switch (range) {
    // Unicast addresses are public, and so are AS112 (RFC 7534) and AMT (RFC 7450) relays: public anycast
    // services, not internal hosts.
    case 'unicast':
    case 'as112':
    case 'amt':
      return 'public';
    case 'unspecified':
    case 'broadcast':
    case 'multicast':
    case 'linkLocal':
    case 'loopback':
    case 'carrierGradeNat':
    case 'private':
    case 'reserved':
      return range;
    default:
      return 'reserved';
  }
}

function classifyIpv6(address: ipaddr.IPv6): AddressClassification {
  if (matchesAny(address, METADATA_V6)) return { range: 'metadata' };
  if (matchesAny(address, DOCUMENTATION_V6)) return { range: 'documentation' };
  const bytes = address.toByteArray();
  const range: string = address.range();
  switch (range) {
    case 'ipv4Mapped':
      return embedded(bytes.slice(12), 'ipv4Mapped');
    case 'rfc6145':
      return embedded(bytes.slice(12), 'ipv4Translated');
    case 'rfc6052':
      if (address.match(NAT64_WELL_KNOWN)) return embedded(bytes.slice(12), 'nat64');
      // A local-use prefix may be any length from /48 to /96, which moves the IPv4 address: judge every
      // position, on top of the prefix being a local network in its own right. Positions reading as
      // 0.0.0.0/8 are the zero padding of another position, not a destination, so they are skipped.
      return worst([
        ...LOCAL_NAT64_PREFIXES.map((length) => rfc6052Ipv4(bytes, length))
          .filter((octets) => octets[0] !== 0)
          .map((octets) => embedded(octets, 'localNat64')),
        { range: 'localNat64' },
      ]);
    case '6to4':
      return embedded(bytes.slice(2, 6), '6to4');
    case 'teredo':
      // Client (the host actually reached) at bits 96–127, every bit inverted; server at bits 32–63.
      return worst([
        embedded(
          bytes.slice(12).map((byte) => byte ^ 0xff),
          'teredo',
        ),
        embedded(bytes.slice(4, 8), 'teredo'),
      ]);
    case 'unspecified':
    case 'loopback':
    case 'linkLocal':
    case 'multicast':
    case 'uniqueLocal':
      return { range };
    case 'deprecatedSiteLocal':
      return { range: 'siteLocal' };
    case 'amt':
    case 'as112v6':
      return { range: 'public' };
    case 'unicast':
      if (bytes.slice(0, 12).every((byte) => byte === 0)) return embedded(bytes.slice(12), 'ipv4Compatible');
      return { range: address.match(GLOBAL_UNICAST_V6) ? 'public' : 'reserved' };
    default:
      // discard, benchmarking, ORCHID, drone tags, segment routing, IETF reserved, and whatever a newer
      // ipaddr.js learns to name: none of them is a webhook receiver.
      return { range: 'reserved' };
  }
}

function embedded(octets: number[], via: Ipv4Embedding): AddressClassification {
  const ipv4 = new ipaddr.IPv4(octets);
  return { range: classifyIpv4(ipv4), embedded: { ipv4: ipv4.toString(), via } };
}

/** The IPv4 address RFC 6052 §2.2 embeds after a prefix of `length` bits (bits 64–71 are skipped). */
function rfc6052Ipv4(bytes: number[], length: number): number[] {
  const octets: number[] = [];
  for (let index = length / 8; octets.length < 4; index++) {
    if (index !== 8) octets.push(bytes[index]);
  }
  return octets;
}

/** The most restrictive of several classifications (the first one among equals, so order by interest). */
function worst(candidates: AddressClassification[]): AddressClassification {
  return candidates.reduce((a, b) => (TIER_ORDER[TIERS[b.range]] > TIER_ORDER[TIERS[a.range]] ? b : a));
}

function cidrs<T extends ipaddr.IPv4 | ipaddr.IPv6>(
  kind: { parseCIDR(text: string): [T, number] },
  list: string[],
): Array<[T, number]> {
  return list.map((text) => kind.parseCIDR(text));
}

function matchesAny(address: IpAddress, ranges: Array<[IpAddress, number]>): boolean {
  return ranges.some((range) => range[0].kind() === address.kind() && address.match(range));
}
