import 'reflect-metadata';
import type { NormalizedShaperOptions } from '../../options/payload-shaper.validation';
import {
  WEBHOOK_PAYLOAD_METADATA,
  WEBHOOK_PAYLOAD_SHAPER_METADATA,
  WEBHOOK_RESOURCE_METADATA,
} from '../../core/payload.constants';
import { type ClassLike, isClassLike } from '../../core/util/class-like.util';

/** What `@WebhookResource('employee')` records on an entity class. */
export interface WebhookResourceMetadata {
  /** The resource type name (the noun of its events). */
  name: string;
}

/** The resource type name declared on a class (or inherited from its nearest declaring ancestor). */
function getWebhookResourceName(target: ClassLike): string | undefined {
  const metadata = Reflect.getMetadata(WEBHOOK_RESOURCE_METADATA, target) as WebhookResourceMetadata | undefined;
  return typeof metadata?.name === 'string' ? metadata.name : undefined;
}

/** The resource type name declared on this very class, not inherited. */
export function getOwnWebhookResourceName(target: ClassLike): string | undefined {
  const metadata = Reflect.getOwnMetadata(WEBHOOK_RESOURCE_METADATA, target) as WebhookResourceMetadata | undefined;
  return typeof metadata?.name === 'string' ? metadata.name : undefined;
}

/** The resource type name of an object, from its class's `@WebhookResource` metadata. */
export function webhookResourceOf(object: unknown): string | undefined {
  if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return undefined;
  const constructor = (object as { constructor?: unknown }).constructor;
  return isClassLike(constructor) ? getWebhookResourceName(constructor) : undefined;
}

/**
 * Whether an object already is a payload: its class (or an ancestor) is decorated `@WebhookPayload()`.
 * Such an object is sent as it is unless a shaper registered for an event matches it.
 */
export function isWebhookPayload(object: unknown): boolean {
  if (object === null || typeof object !== 'object') return false;
  const constructor = (object as { constructor?: unknown }).constructor;
  return typeof constructor === 'function' && Reflect.getMetadata(WEBHOOK_PAYLOAD_METADATA, constructor) === true;
}

/** The `@WebhookPayloadShaper` options recorded on a method, in the order the decorators are written. */
export function getPayloadShaperMetadata(method: object): readonly NormalizedShaperOptions[] {
  return (
    (Reflect.getOwnMetadata(WEBHOOK_PAYLOAD_SHAPER_METADATA, method) as NormalizedShaperOptions[] | undefined) ?? []
  );
}
