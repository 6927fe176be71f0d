import { WebhooksConfigurationError } from '../errors/webhooks.errors';
import { invalidOptionMessage } from '../errors/webhooks.messages';
import { AddressPolicy, parseAllowedCidrs } from './address.policy';
import type { WebhookResolver } from './destination.interface';
import { systemWebhookResolver } from './host-lookup.util';

/** Where webhooks may be sent. Every option is off by default: HTTPS to public addresses only. */
export interface DestinationGuardOptions {
  /**
   * Accept `http:` targets (development and tests only).
   * @default false
   */
  allowHttp?: boolean;
  /**
   * Accept the application's own networks: loopback, RFC 1918 private, carrier-grade NAT (100.64/10),
   * IPv6 unique-local and site-local, local-use NAT64. Never link-local or cloud metadata addresses:
   * those need an {@link allowedCidrs} entry.
   * @default false
   */
  allowPrivateNetworks?: boolean;
  /**
   * Ranges accepted whatever they are (`"10.1.0.0/16"`, `"fd00:1::/64"`, a single `"169.254.169.254"`).
   * The only way to allow link-local, metadata, multicast or reserved addresses. IPv4 in dotted decimal.
   * @default []
   */
  allowedCidrs?: string[];
  /**
   * Resolves host names to addresses.
   * @default dns.promises.lookup(hostname, { all: true, verbatim: true })
   */
  resolver?: WebhookResolver;
  /**
   * How long (ms) a lookup may take before the destination counts as unresolvable.
   * @default 5000
   */
  lookupTimeout?: number;
}

/** The documented defaults of {@link DestinationGuardOptions}. */
export const DESTINATION_GUARD_DEFAULTS = {
  allowHttp: false,
  allowPrivateNetworks: false,
  lookupTimeout: 5_000,
} as const;

/** The target options, checked, as the destination guard uses them. */
export interface ResolvedTargetOptions {
  allowHttp: boolean;
  policy: AddressPolicy;
  resolver: WebhookResolver;
  lookupTimeout: number;
}

/** @throws WebhooksConfigurationError naming the option (`targets.allowedCidrs[2]`) when one is wrong. */
export function resolveTargetOptions(options: DestinationGuardOptions = {}): ResolvedTargetOptions {
  const allowHttp = flag('targets.allowHttp', options.allowHttp, DESTINATION_GUARD_DEFAULTS.allowHttp);
  const policy = new AddressPolicy(
    flag('targets.allowPrivateNetworks', options.allowPrivateNetworks, DESTINATION_GUARD_DEFAULTS.allowPrivateNetworks),
    parseAllowedCidrs(options.allowedCidrs, 'targets.allowedCidrs'),
  );
  if (options.resolver !== undefined && typeof options.resolver !== 'function') {
    throw new WebhooksConfigurationError(
      invalidOptionMessage(
        'targets.resolver',
        'a function (hostname) => Promise<{ address, family }[]>',
        options.resolver,
      ),
      'targets.resolver',
    );
  }
  const lookupTimeout = options.lookupTimeout ?? DESTINATION_GUARD_DEFAULTS.lookupTimeout;
  if (!Number.isInteger(lookupTimeout) || lookupTimeout < 1 || lookupTimeout > 60_000) {
    throw new WebhooksConfigurationError(
      invalidOptionMessage('targets.lookupTimeout', 'an integer number of milliseconds from 1 to 60000', lookupTimeout),
      'targets.lookupTimeout',
    );
  }
  return { allowHttp, policy, resolver: options.resolver ?? systemWebhookResolver, lookupTimeout };
}

function flag(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new WebhooksConfigurationError(invalidOptionMessage(option, 'true or false', value), option);
  }
  return value;
}
