import * as ipaddr from 'ipaddr.js';
import { WebhookValidationError } from '../core/errors/webhooks.errors';
import { assertTargetUrl } from '../core/security/target-url.util';
import { type IpAddress, parseIpAddress } from '../core/security/address.classifier';
import type { AddressPolicy } from '../core/security/address.policy';
import { type DestinationGuardOptions, resolveTargetOptions } from '../core/security/target.options';
import type { ResolvedDestination, WebhookResolver } from '../core/security/destination.interface';
import {
  type BlockedAddress,
  blockedReason,
  destinationBlockedMessage,
  type ResolutionProblem,
  unresolvableReason,
} from '../core/security/destination.messages';
import { boundedLookup } from '../core/security/host-lookup.util';
import { WebhookDestinationError } from '../core/errors/webhook-destination.error';
import { DESTINATION_VERIFICATION_FAILED } from '../core/messages/status.messages';

export { DESTINATION_GUARD_DEFAULTS, type DestinationGuardOptions } from '../core/security/target.options';

/** The address `localhost` and `*.localhost` stand for (RFC 6761 §6.3: never asked of DNS). */
const LOCALHOST_ADDRESS = ipaddr.IPv4.parse('127.0.0.1');

/** Targets whose verdict is remembered (IP literals and `localhost` names only: no DNS is involved). */
const FIXED_VERDICTS_MAX = 1_000;

type Examination =
  | { outcome: 'allowed'; destination: ResolvedDestination }
  | { outcome: 'invalid'; error: WebhookValidationError }
  | { outcome: 'unresolvable'; hostname: string; problem: ResolutionProblem; cause?: unknown }
  | { outcome: 'blocked'; blocked: BlockedAddress };

/**
 * Keeps webhooks away from internal networks (SSRF protection). It checks a target URL's form, resolves its
 * host once, requires EVERY address to be allowed, and hands back the address the connection must be
 * pinned to, so that a second lookup (DNS rebinding) cannot redirect the request.
 *
 * Call {@link resolve} before each HTTP try and connect only to the returned `address` (keeping `hostname`
 * for TLS and `Host`); call {@link assertAllowed} when a subscription's target is created or changed.
 */
export class WebhookDestinationGuard {
  private readonly allowHttp: boolean;
  private readonly policy: AddressPolicy;
  private readonly resolver: WebhookResolver;
  private readonly lookupTimeout: number;
  /**
   * The examination of targets whose host is an IP literal or a `localhost` name: it depends only on the
   * URL and the policy, both fixed, so a busy target is not parsed and classified again at every try.
   * Targets with DNS names are examined at every try (their addresses may change).
   */
  private readonly fixedVerdicts = new Map<string, Examination>();

  /** @throws WebhooksConfigurationError naming the option (`targets.allowedCidrs[2]`) when one is wrong. */
  constructor(options: DestinationGuardOptions = {}) {
    ({
      allowHttp: this.allowHttp,
      policy: this.policy,
      resolver: this.resolver,
      lookupTimeout: this.lookupTimeout,
    } = resolveTargetOptions(options));
  }

  /**
   * Before each delivery try: checks the URL's form and every address its host resolves to (one lookup,
   * bounded by `lookupTimeout` and `signal`) and returns the address to connect to.
   * @throws WebhookDestinationError `invalid`, `unresolvable` or `blocked`; its message is the attempt message.
   * @throws the signal's reason when `signal` aborts first.
   */
  async resolve(target: string, signal?: AbortSignal): Promise<ResolvedDestination> {
    const examination = await this.examine(target, 'the target URL', signal);
    switch (examination.outcome) {
      case 'allowed':
        return examination.destination;
      case 'invalid':
        throw new WebhookDestinationError('invalid', DESTINATION_VERIFICATION_FAILED, {
          detail: examination.error.message,
          cause: examination.error,
        });
      case 'unresolvable':
        throw new WebhookDestinationError('unresolvable', DESTINATION_VERIFICATION_FAILED, {
          hostname: examination.hostname,
          detail: `The destination ${unresolvableReason(examination.hostname, examination.problem)}.`,
          cause: examination.cause,
        });
      case 'blocked': {
        const { blocked } = examination;
        throw new WebhookDestinationError('blocked', destinationBlockedMessage(blocked), {
          hostname: blocked.hostname,
          address: blocked.address,
          classification: blocked.classification,
        });
      }
    }
  }

  /**
   * When a subscription's target is created or changed: the same checks as {@link resolve}. With
   * `allowUnresolvable`, a host that does not resolve (yet) passes; it is verified again before every try.
   * @throws WebhookValidationError naming `field`, with a reason that says what is wrong and how to fix it.
   */
  async assertAllowed(target: string, field = 'to', options: { allowUnresolvable?: boolean } = {}): Promise<void> {
    const examination = await this.examine(target, field);
    switch (examination.outcome) {
      case 'allowed':
        return;
      case 'invalid':
        throw examination.error;
      case 'unresolvable':
        if (options.allowUnresolvable) return;
        throw new WebhookValidationError(field, unresolvableReason(examination.hostname, examination.problem));
      case 'blocked':
        throw new WebhookValidationError(field, blockedReason(examination.blocked));
    }
  }

  private async examine(target: unknown, field: string, signal?: AbortSignal): Promise<Examination> {
    signal?.throwIfAborted();
    const known = typeof target === 'string' ? this.fixedVerdicts.get(target) : undefined;
    if (known) return known;
    let url: URL;
    try {
      url = new URL(assertTargetUrl(target, { allowHttp: this.allowHttp }, field));
    } catch (error) {
      if (error instanceof WebhookValidationError) return { outcome: 'invalid', error };
      throw error;
    }
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;

    // The WHATWG parser already turned every IPv4 spelling (2130706433, 0x7f.1, 017700000001, ...) into
    // dotted decimal, so a literal is recognised here and checked without DNS.
    const literal = parseIpAddress(hostname);
    let addresses: IpAddress[];
    if (literal) {
      addresses = [literal];
    } else if (isLocalhostName(hostname)) {
      addresses = [LOCALHOST_ADDRESS];
    } else {
      const answer = await this.lookup(hostname, signal);
      if (!Array.isArray(answer)) return { outcome: 'unresolvable', hostname, ...answer };
      addresses = answer;
    }

    const verdicts = addresses.map((address) => this.policy.judge(address));
    const refused = verdicts.find((verdict) => !verdict.allowed);
    const examination: Examination = refused
      ? {
          outcome: 'blocked',
          blocked: {
            hostname,
            address: refused.address,
            family: refused.family,
            classification: refused.classification,
            literal: literal !== null,
          },
        }
      : {
          outcome: 'allowed',
          destination: { url, hostname, port, address: verdicts[0].address, family: verdicts[0].family },
        };
    if (addresses.length === 1 && (literal || addresses[0] === LOCALHOST_ADDRESS))
      this.remember(target as string, examination);
    return examination;
  }

  private remember(target: string, examination: Examination): void {
    if (this.fixedVerdicts.size >= FIXED_VERDICTS_MAX) this.fixedVerdicts.clear();
    this.fixedVerdicts.set(target, examination);
  }

  private async lookup(
    hostname: string,
    signal: AbortSignal | undefined,
  ): Promise<IpAddress[] | { problem: ResolutionProblem; cause?: unknown }> {
    const outcome = await boundedLookup(this.resolver, hostname, this.lookupTimeout, signal);
    if (outcome.status === 'timeout') return { problem: { type: 'timeout', timeoutMs: this.lookupTimeout } };
    if (outcome.status === 'failed') {
      const code = (outcome.error as { code?: unknown } | null)?.code;
      return { problem: { type: 'failed', code: typeof code === 'string' ? code : undefined }, cause: outcome.error };
    }
    const { answers } = outcome;
    if (!Array.isArray(answers)) return { problem: { type: 'malformed', answer: answers } };
    if (answers.length === 0) return { problem: { type: 'empty' } };
    const addresses: IpAddress[] = [];
    for (const answer of answers) {
      const text = (answer as { address?: unknown } | null)?.address;
      const address = typeof text === 'string' ? parseIpAddress(text) : null;
      if (!address) return { problem: { type: 'malformed', answer: text ?? answer } };
      addresses.push(address);
    }
    return addresses;
  }
}

/** `localhost`, `*.localhost`, with or without the root dot: loopback by definition (RFC 6761). */
function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
