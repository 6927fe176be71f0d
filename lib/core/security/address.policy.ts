import type * as ipaddr from 'ipaddr.js';
import { WebhooksConfigurationError } from '../errors/webhooks.errors';
import {
  addressTier,
  type AddressClassification,
  classifyAddress,
  type IpAddress,
  parseIpAddress,
} from './address.classifier';
import { invalidAllowedCidrMessage, invalidAllowedCidrsMessage } from './destination.messages';

/** A parsed CIDR range: the network address and the prefix length. */
export type CidrRange = [IpAddress, number];

/** The verdict of the {@link AddressPolicy} on one address. */
export interface AddressVerdict {
  /** The address in canonical form (what a socket may be given). */
  address: string;
  family: 4 | 6;
  classification: AddressClassification;
  /** Whether a webhook may be sent to it. */
  allowed: boolean;
  /** Whether an `allowedCidrs` entry is what allowed it. */
  explicitlyAllowed: boolean;
}

/**
 * Decides which addresses webhooks may reach: public ones always; the application's own networks with
 * `allowPrivateNetworks`; anything inside an `allowedCidrs` entry, which is the only way to open
 * link-local, cloud metadata and the other never-a-receiver ranges.
 */
export class AddressPolicy {
  constructor(
    private readonly allowPrivateNetworks: boolean,
    private readonly allowedCidrs: readonly CidrRange[],
  ) {}

  /** Judges one parsed address. */
  judge(address: IpAddress): AddressVerdict {
    const classification = classifyAddress(address);
    const explicitlyAllowed = this.isExplicitlyAllowed(address);
    const tier = addressTier(classification.range);
    return {
      address: address.toString(),
      family: address.kind() === 'ipv4' ? 4 : 6,
      classification,
      allowed: explicitlyAllowed || tier === 'public' || (tier === 'privateNetwork' && this.allowPrivateNetworks),
      explicitlyAllowed,
    };
  }

  private isExplicitlyAllowed(address: IpAddress): boolean {
    if (this.allowedCidrs.length === 0) return false;
    // An IPv4-mapped address is the IPv4 host itself on a dual-stack socket, so either spelling of the
    // range lets it through.
    const forms: IpAddress[] = [address];
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
      forms.push((address as ipaddr.IPv6).toIPv4Address());
    } else if (address.kind() === 'ipv4') {
      forms.push((address as ipaddr.IPv4).toIPv4MappedAddress());
    }
    return this.allowedCidrs.some(([network, length]) =>
      forms.some((form) => form.kind() === network.kind() && form.match(network, length)),
    );
  }
}

/**
 * Validates the `allowedCidrs` option: a list of CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or single
 * addresses (`169.254.169.254`, taken as /32 or /128). IPv4 must be dotted four-part decimal.
 * @throws WebhooksConfigurationError naming `<option>[i]`.
 */
export function parseAllowedCidrs(value: unknown, option = 'targets.allowedCidrs'): CidrRange[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new WebhooksConfigurationError(invalidAllowedCidrsMessage(option, value), option);
  return value.map((entry, index) => {
    const range = typeof entry === 'string' ? parseCidr(entry.trim()) : null;
    if (!range) {
      const name = `${option}[${index}]`;
      throw new WebhooksConfigurationError(invalidAllowedCidrMessage(name, entry), name);
    }
    return range;
  });
}

function parseCidr(text: string): CidrRange | null {
  if (text.includes('%')) return null;
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.kind() === 'ipv4' ? 32 : 128;
  if (slash < 0) return [address, max];
  const length = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(length) || Number(length) > max) return null;
  return [address, Number(length)];
}
