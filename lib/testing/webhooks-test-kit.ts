import { WebhooksConfigurationError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { DeliveryEngine } from '../deliver/delivery.engine';
import { DeliveryTry, type WebhookResponseInspector } from '../deliver/delivery.try';
import { WEBHOOK_ATTEMPT_STORE, type WebhookAttemptStore } from '../stores/attempt-store.interface';
import { WebhookTransport } from '../options/webhook-transport.interface';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import { MemoryWebhookTransport, type WaitForRequestsOptions, type WebhookTestResponder } from './memory.transport';
import type { RecordedWebhookRequest } from './recorded-request';
import {
  SimulatedProcessingError,
  WebhookDeliveriesDeferredError,
  WebhookDeliveriesTimeoutError,
} from './testing.errors';
import { memoryTransportRequiredMessage } from './testing.messages';
import type { ResolvedWebhooksTestingOptions, WebhooksTestingOptions } from './testing-options.interface';
import { resolveTestingOptions } from './testing-options';
import type { PendingWebhookDeliveries } from './pending-deliveries.interface';
import { FailureSwitch, type WebhookUrlMatcher } from './url-matcher';

/** Options of {@link WebhooksTestKit.waitForDeliveries}. */
export interface WaitForDeliveriesOptions {
  /**
   * Reject after this many milliseconds, saying what is still pending.
   * @default the kit's `waitTimeout` (10000)
   */
  timeout?: number;
}

/** Anything Nest resolves providers from: a TestingModule, an application (context), a ModuleRef. */
export interface WebhooksTestKitHost {
  get(typeOrToken: unknown, options?: { strict?: boolean }): unknown;
}

/** What the kit reads of a module, resolved from its host. */
interface KitParts {
  engine: DeliveryEngine;
  tries: DeliveryTry;
  store: WebhookAttemptStore;
  transport: WebhookTransport;
  options: ResolvedWebhooksOptions;
  host: WebhooksTestKitHost;
}

/**
 * Drives and observes webhook delivery in tests, through the module's own engine (no HTTP server needed):
 * scripts the receivers through the in-memory transport (`respondWith`, `failRequests`,
 * `failDestinationChecks`, `requests`), makes response handling fail (`failProcessing`), holds deliveries
 * back (`deferDeliveries` / `releaseDeliveries`), and waits until nothing is pending (`waitForDeliveries`).
 *
 * Inject it from `WebhooksTestingModule`, or get it with {@link WebhooksTestKit.from} from any module
 * that imports `WebhooksModule` (the network helpers then need the in-memory transport; the others work
 * with any transport).
 */
export class WebhooksTestKit {
  private readonly engine: DeliveryEngine;
  private readonly tries: DeliveryTry;
  private readonly store: WebhookAttemptStore;
  private readonly sender: WebhookTransport;
  private readonly options: ResolvedWebhooksOptions;
  private readonly host: WebhooksTestKitHost;
  private readonly settings: ResolvedWebhooksTestingOptions;
  private readonly processing = new FailureSwitch('url');
  private inspector?: { own: WebhookResponseInspector; previous: WebhookResponseInspector | undefined };
  private deferredNow = false;

  /** Use {@link WebhooksTestKit.from}, or inject the kit from `WebhooksTestingModule`. */
  constructor(parts: KitParts, settings: ResolvedWebhooksTestingOptions) {
    ({
      engine: this.engine,
      tries: this.tries,
      store: this.store,
      transport: this.sender,
      options: this.options,
      host: this.host,
    } = parts);
    this.settings = settings;
    if (this.sender instanceof MemoryWebhookTransport) this.sender.useModuleClock(this.options.clock);
    if (settings.deferred) this.deferDeliveries();
  }

  /**
   * The kit of the webhooks module inside `host` (a TestingModule, an application or a ModuleRef). Call it
   * before `init()` to have `deferred: true` hold back the very first deliveries.
   * @throws WebhooksConfigurationError when an option is malformed.
   */
  static from(
    host: WebhooksTestKitHost,
    options: Omit<WebhooksTestingOptions, 'defaultResponse'> = {},
  ): WebhooksTestKit {
    return WebhooksTestKit.over(host, undefined, resolveTestingOptions(options, 'options'));
  }

  /** The kit over the module inside `host`, sending through `transport` (else the module's own). */
  static over(
    host: WebhooksTestKitHost,
    transport: WebhookTransport | undefined,
    settings: ResolvedWebhooksTestingOptions,
  ): WebhooksTestKit {
    const get = <T>(token: unknown): T => host.get(token, { strict: false }) as T;
    return new WebhooksTestKit(
      {
        engine: get(DeliveryEngine),
        tries: get(DeliveryTry),
        store: get(WEBHOOK_ATTEMPT_STORE),
        transport: transport ?? get(WebhookTransport),
        options: get(WEBHOOKS_MODULE_OPTIONS),
        host,
      },
      settings,
    );
  }

  /**
   * The in-memory transport the module sends through.
   * @throws WebhooksConfigurationError saying how to install it when the module sends through a real one.
   */
  get transport(): MemoryWebhookTransport {
    return this.memory('transport');
  }

  /** Every request sent, in order (see {@link MemoryWebhookTransport.requests}). */
  get requests(): readonly RecordedWebhookRequest[] {
    return this.memory('requests').requests;
  }

  /** The requests whose URL matches. */
  requestsTo(url: WebhookUrlMatcher): RecordedWebhookRequest[] {
    return this.memory('requestsTo').requestsTo(url);
  }

  /** Resolves once `count` requests (to `options.to`) were sent; rejects after the timeout. */
  waitForRequests(count: number, options?: WaitForRequestsOptions): Promise<RecordedWebhookRequest[]> {
    return this.memory('waitForRequests').waitForRequests(count, options);
  }

  /**
   * How requests are answered: with one argument every request no rule matches, with two the requests
   * whose URL matches (the rule added last wins). See {@link MemoryWebhookTransport.respondWith}.
   */
  respondWith(responder: WebhookTestResponder): this;
  respondWith(url: WebhookUrlMatcher, responder: WebhookTestResponder): this;
  respondWith(...args: [WebhookTestResponder] | [WebhookUrlMatcher, WebhookTestResponder]): this {
    (this.memory('respondWith').respondWith as (...a: unknown[]) => unknown)(...args);
    return this;
  }

  /**
   * Tries fail as if the server could not be reached, to test how the application copes: the attempt reads
   * "Contacting the remote server experienced an unexpected error." `true` (the default) for every URL, a
   * matcher for those too, `false` for none any more.
   */
  failRequests(on: boolean | WebhookUrlMatcher = true): this {
    this.memory('failRequests').failRequests(on);
    return this;
  }

  /**
   * Host names fail to resolve, as a mistyped domain would: the attempt reads "Verification of
   * the destination URL failed. Please check the domain." `true` (the default) for every host, a host
   * matcher for those too, `false` for none any more. IP literals and `localhost` are never looked up.
   */
  failDestinationChecks(on: boolean | WebhookUrlMatcher = true): this {
    this.memory('failDestinationChecks').failDestinationChecks(on);
    return this;
  }

  /**
   * Handling the response fails after the receiver answered (the request was sent, the result is not
   * what was expected): the attempt reads "Unexpected error handling the response from the server." `true` (the default) for every
   * URL, a matcher for those too, `false` for none any more. Works with any transport.
   */
  failProcessing(on: boolean | WebhookUrlMatcher = true): this {
    this.processing.set(on);
    if (this.processing.active && !this.inspector) {
      const previous = this.tries.responseInspector;
      const own: WebhookResponseInspector = (response, job) => {
        if (this.processing.matches(job.subscription.to)) throw new SimulatedProcessingError(job.subscription.to);
        previous?.(response, job);
      };
      this.inspector = { own, previous };
      this.tries.responseInspector = own;
    } else if (!this.processing.active && this.inspector) {
      // Put back what was there, unless someone replaced our inspector meanwhile.
      if (this.tries.responseInspector === this.inspector.own) this.tries.responseInspector = this.inspector.previous;
      this.inspector = undefined;
    }
    return this;
  }

  /**
   * Holds deliveries back, to look at pending attempts before anything is sent: attempts of events raised
   * from now on,
   * and those waiting here, stay pending until {@link releaseDeliveries}. Tries already in flight finish.
   */
  deferDeliveries(): this {
    this.deferredNow = true;
    this.engine.pause();
    return this;
  }

  /** Lets the deferred attempts go; wait for them with {@link waitForDeliveries}. */
  releaseDeliveries(): this {
    this.deferredNow = false;
    this.engine.resume();
    return this;
  }

  /** Whether deliveries are deferred. */
  get deferred(): boolean {
    return this.deferredNow;
  }

  /** What is still to be delivered. */
  async pendingDeliveries(): Promise<PendingWebhookDeliveries> {
    const summary = await this.store.pendingSummary(this.options.clock.now());
    return {
      total: summary.pending,
      stored: this.store.durable ? summary.pending : 0,
      inMemory: this.store.durable ? 0 : summary.pending,
      due: summary.due,
      inEngine: this.engine.load,
      nextAttemptAt: summary.nextAttemptAt,
    };
  }

  /**
   * Resolves when nothing is pending: no attempt waiting in the database or in memory, none queued or in
   * flight, every result written. Due attempts nobody holds are claimed at once rather than at the next
   * poll. Call it after the transaction that raised the events has committed.
   * @throws WebhookDeliveriesDeferredError at once when deliveries are deferred and some are pending.
   * @throws WebhookDeliveriesTimeoutError after the deadline, saying what is still pending.
   */
  async waitForDeliveries(options: WaitForDeliveriesOptions = {}): Promise<void> {
    const timeout = options.timeout ?? this.settings.waitTimeout;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 0) {
      throw new WebhookValidationError('timeout', 'must be a whole number of milliseconds, 0 or more');
    }
    const deadline = Date.now() + timeout;
    for (;;) {
      if (this.deferredNow) {
        const pending = await this.pendingDeliveries();
        if (pending.total > 0) throw new WebhookDeliveriesDeferredError(pending);
        return;
      }
      try {
        await this.engine.whenIdle(Math.max(deadline - Date.now(), 1));
      } catch (error) {
        throw new WebhookDeliveriesTimeoutError(timeout, await this.pendingDeliveries(), (error as Error).message);
      }
      const pending = await this.pendingDeliveries();
      if (pending.total === 0) return;
      if (pending.due > 0 && (await this.engine.pollNow()) > 0) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw new WebhookDeliveriesTimeoutError(timeout, pending);
      // Attempts in the database are held by a lease (being handed to the engine after a commit, or held
      // by another instance) or scheduled later: look again shortly.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 20)));
    }
  }

  /**
   * Back to the start: forgets recorded requests, scripted responses and failure modes, and defers or
   * releases deliveries as the kit's `deferred` option says.
   */
  reset(): this {
    if (this.sender instanceof MemoryWebhookTransport) this.sender.reset();
    this.failProcessing(false);
    if (this.settings.deferred) this.deferDeliveries();
    else if (this.deferredNow) this.releaseDeliveries();
    return this;
  }

  private memory(helper: string): MemoryWebhookTransport {
    if (this.sender instanceof MemoryWebhookTransport) return this.sender;
    throw new WebhooksConfigurationError(
      memoryTransportRequiredMessage(helper, this.sender.constructor.name),
      'delivery.transport',
    );
  }
}
