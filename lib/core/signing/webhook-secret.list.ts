import { inspect } from 'node:util';
import type { StoredWebhookSecret } from './subscription-secrets.util';

/**
 * A subscription's stored secrets, as the entity carries them: opaque on purpose. The entries (plain
 * `whsec_` secrets when no encryption key is configured) cannot be read from outside the module, and the
 * value serializes to nothing: `JSON.stringify`, `class-transformer` and `console.log` of a subscription
 * never show them, whichever path (service result, event payload, admin API) the subscription takes.
 * Spreading or `Object.assign` carries the same list along, so copies of a subscription still sign.
 */
export class WebhookSecretList {
  readonly #entries: readonly StoredWebhookSecret[];
  readonly #damaged: boolean;

  private constructor(entries: readonly StoredWebhookSecret[], damaged = false) {
    this.#entries = Object.freeze(entries.map((entry) => Object.freeze({ ...entry })));
    this.#damaged = damaged;
  }

  /** A list holding copies of `entries` (newest first). */
  static of(entries: readonly StoredWebhookSecret[]): WebhookSecretList {
    return new WebhookSecretList(entries);
  }

  /**
   * A stored value that is not a list of secrets (edited by hand, damaged): it signs nothing, and the
   * signer fails the tries rather than send them unsigned.
   */
  static damaged(): WebhookSecretList {
    return new WebhookSecretList([], true);
  }

  /** Whether the stored value could not be read as a list of secrets. */
  get damaged(): boolean {
    return this.#damaged;
  }

  /**
   * The stored entries of a list (module-internal: signing and rotation read them). `[]` for none.
   * @internal
   */
  static entriesOf(list: WebhookSecretList | null | undefined): readonly StoredWebhookSecret[] {
    return list instanceof WebhookSecretList ? list.#entries : [];
  }

  /** How many entries are stored (live or waiting to expire). */
  get size(): number {
    return this.#entries.length;
  }

  /** Serializes to nothing: a subscription turned into JSON has no `secrets` key. */
  toJSON(): undefined {
    return undefined;
  }

  [inspect.custom](): string {
    return `WebhookSecretList(${this.#entries.length} redacted)`;
  }
}
