import type { WebhookOutcomes } from './outcomes.interface';

type Listener<T> = (outcome: T) => void;

/**
 * Carries outcomes from the stage that has them to the reactions that follow from them, so that a stage
 * never calls a later one: the recorder reports results, the reactions (deactivation, pauses, events)
 * listen. Listeners run synchronously, in the order they were added; one that throws does not keep the
 * others from running (the error goes to `onListenerError`).
 */
export class WebhookOutcomeBus {
  private readonly listeners = new Map<keyof WebhookOutcomes, Array<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, outcome: keyof WebhookOutcomes) => void) {}

  /** Listens to one kind of outcome; returns the function that stops listening. */
  on<K extends keyof WebhookOutcomes>(kind: K, listener: Listener<WebhookOutcomes[K]>): () => void {
    const list = this.listeners.get(kind) ?? [];
    list.push(listener);
    this.listeners.set(kind, list);
    return () => {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    };
  }

  /** Reports an outcome to every listener. */
  emit<K extends keyof WebhookOutcomes>(kind: K, outcome: WebhookOutcomes[K]): void {
    for (const listener of this.listeners.get(kind) ?? []) {
      try {
        (listener as Listener<WebhookOutcomes[K]>)(outcome);
      } catch (error) {
        this.onListenerError(error, kind);
      }
    }
  }
}
