import 'reflect-metadata';
import { WEBHOOK_PAYLOAD_METADATA } from '../../core/payload.constants';

/**
 * Declares that instances of the class (and of its subclasses) already are webhook payloads — a DTO made
 * for receivers, say: they are sent as they are, without the shapers registered for their type alone. Shapers registered for an event still take precedence.
 */
export function WebhookPayload(): ClassDecorator {
  return (target) => {
    Reflect.defineMetadata(WEBHOOK_PAYLOAD_METADATA, true, target);
  };
}
