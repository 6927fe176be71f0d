import type { WebhookResolver } from '../../lib/core/security/destination.interface';

/** One scripted answer: the addresses, an error to reject with, or `'hang'` (never settles). */
export type StubAnswer = string[] | Error | 'hang';

/**
 * A scripted DNS resolver for the destination guard: records every lookup and answers from a per-host
 * script (each lookup takes the next answer; the last one repeats). Unknown hosts fail like getaddrinfo
 * does (`ENOTFOUND`).
 */
export class StubResolver {
  /** Every host name looked up, in order. */
  readonly calls: string[] = [];
  private readonly script = new Map<string, StubAnswer[]>();

  /** Scripts the answers for `hostname`. */
  on(hostname: string, ...answers: StubAnswer[]): this {
    this.script.set(hostname, answers);
    return this;
  }

  /** The resolver to give the guard. */
  readonly resolve: WebhookResolver = (hostname) => {
    this.calls.push(hostname);
    const answers = this.script.get(hostname);
    if (!answers || answers.length === 0) {
      return Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }),
      );
    }
    const answer = answers.length > 1 ? answers.shift()! : answers[0];
    if (answer === 'hang') return new Promise(() => {});
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}
