import type { WebhooksModuleAsyncOptions, WebhooksModuleOptions } from '../options/webhooks-module-options.interface';
import type { WebhookTestResponder } from './memory.transport';

/** How the testing kit behaves. */
export interface WebhooksTestingOptions {
  /**
   * How requests that no `respondWith` rule matches are answered.
   * @default 200 (empty text/plain body)
   */
  defaultResponse?: WebhookTestResponder;
  /**
   * Start with deliveries deferred: attempts stay pending until `releaseDeliveries()`.
   * @default false
   */
  deferred?: boolean;
  /**
   * How long (ms) `waitForDeliveries()` waits before rejecting, unless given a `timeout`.
   * @default 10000
   */
  waitTimeout?: number;
}

/** Options of `WebhooksTestingModule.forRoot`: the module's own, plus the kit's. */
export interface WebhooksTestingModuleOptions extends WebhooksModuleOptions {
  /**
   * The testing kit's options.
   * @default {}
   */
  testing?: WebhooksTestingOptions;
}

/** Options of `WebhooksTestingModule.forRootAsync`: the module's own, plus the kit's (known up front). */
export interface WebhooksTestingModuleAsyncOptions extends WebhooksModuleAsyncOptions {
  /**
   * The testing kit's options.
   * @default {}
   */
  testing?: WebhooksTestingOptions;
}

/** The kit's options with their defaults applied. */
export interface ResolvedWebhooksTestingOptions {
  defaultResponse: WebhookTestResponder;
  deferred: boolean;
  waitTimeout: number;
}

/** The documented defaults of {@link WebhooksTestingOptions}. */
export const WEBHOOKS_TESTING_DEFAULTS = {
  defaultResponse: 200,
  deferred: false,
  waitTimeout: 10_000,
} as const;
