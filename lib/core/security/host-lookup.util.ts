import { promises as dns } from 'node:dns';
import type { WebhookResolver } from './destination.interface';

/** The default resolver: the operating system's resolver (hosts file included), every address, in its order. */
export const systemWebhookResolver: WebhookResolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** The outcome of a bounded lookup (an abort is thrown instead, as the signal's reason). */
export type LookupOutcome =
  { status: 'resolved'; answers: unknown } | { status: 'failed'; error: unknown } | { status: 'timeout' };

/**
 * Runs one lookup, giving up after `timeoutMs` or when `signal` aborts (rejecting with its reason).
 * The operating system's lookup cannot be cancelled; giving up only stops waiting for it.
 */
export function boundedLookup(
  resolver: WebhookResolver,
  hostname: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<LookupOutcome> {
  return new Promise<LookupOutcome>((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as Node's abortable APIs do
    if (signal?.aborted) return reject(signal.reason);
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      finish();
    };
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above
    const onAbort = (): void => settle(() => reject(signal!.reason));
    const timer = setTimeout(() => settle(() => resolve({ status: 'timeout' })), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(() => resolver(hostname))
      .then(
        (answers) => settle(() => resolve({ status: 'resolved', answers })),
        (error: unknown) => settle(() => resolve({ status: 'failed', error })),
      );
  });
}
