import { AsyncLocalStorage } from 'node:async_hooks';
import { assertScope } from './scope-path.util';

const storage = new AsyncLocalStorage<string>();

/**
 * The ambient scope: the scope of the current request or job (the tenant being served, say). An event
 * raised while it is set reaches the subscriptions of its lineage too, besides those of the event's own
 * scope. Kept in an AsyncLocalStorage: set it around a piece of work with {@link WebhookScope.run}, or for
 * the rest of a request with {@link WebhookScope.enter} in a middleware or an interceptor. The module
 * never sets it by itself.
 */
export const WebhookScope = {
  /** Runs `fn` with `scope` as the ambient scope (nested calls replace it for their duration). */
  run<T>(scope: string, fn: () => T): T {
    return storage.run(assertScope(scope), fn);
  },

  /** The ambient scope, if one is set. */
  current(): string | undefined {
    return storage.getStore();
  },

  /** Sets the ambient scope for the rest of the current asynchronous context (for middleware). */
  enter(scope: string): void {
    storage.enterWith(assertScope(scope));
  },
};
