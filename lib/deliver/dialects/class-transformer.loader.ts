import type { WebhookTransformOptions } from '../../options/webhook-dialect.interface';

/** The one function of class-transformer the serializer needs. */
export type InstanceToPlain = (object: object, options?: WebhookTransformOptions) => unknown;

let loaded: InstanceToPlain | null | undefined;

/**
 * class-transformer's `instanceToPlain`, or `null` when the application does not have class-transformer
 * (an optional peer dependency): then class instances are serialized like plain objects, as
 * `JSON.stringify` would.
 */
export function loadInstanceToPlain(): InstanceToPlain | null {
  if (loaded === undefined) {
    try {
      // Loaded on first use so that applications without class-transformer can still import the module.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- class-transformer is an optional peer
      loaded = (require('class-transformer') as { instanceToPlain: InstanceToPlain }).instanceToPlain;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
