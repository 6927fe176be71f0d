import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { WebhooksError } from '../errors/webhooks.errors';
import { assertTargetUrl } from '../subscriptions/target-url';

/** A target URL whose host was resolved and checked: the socket connects to `address` only. */
export interface ResolvedDestination {
  url: URL;
  /** Host name without IPv6 brackets: for SNI and the Host header. */
  hostname: string;
  port: number;
  address: string;
  family: 4 | 6;
}

/** The destination could not be used: not a valid target, not resolvable, or blocked. */
export class WebhookDestinationError extends WebhooksError {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'unresolvable' | 'blocked',
    readonly address?: string,
  ) {
    super(message);
  }
}

/** Resolves and checks a target before each try. */
export abstract class DestinationGuard {
  abstract resolve(target: string, signal?: AbortSignal): Promise<ResolvedDestination>;
}

/**
 * The seed's destination validation: the URL must be a valid target (HTTPS unless allowed) and its host must
 * resolve.
 */
export class ResolvingDestinationGuard extends DestinationGuard {
  constructor(private readonly options: { allowHttp: boolean }) {
    super();
  }

  async resolve(target: string): Promise<ResolvedDestination> {
    let url: URL;
    try {
      url = new URL(assertTargetUrl(target, this.options));
    } catch (error) {
      throw new WebhookDestinationError((error as Error).message, 'invalid');
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const literal = isIP(hostname);
    if (literal) return { url, hostname, port, address: hostname, family: literal as 4 | 6 };
    try {
      const { address, family } = await lookup(hostname);
      return { url, hostname, port, address, family: family as 4 | 6 };
    } catch (error) {
      throw new WebhookDestinationError(`${hostname} did not resolve: ${(error as Error).message}`, 'unresolvable');
    }
  }
}
