import { WebhookPayloadError } from './webhook-payload.error';
import { payloadTooLargeMessage } from '../security/limits.messages';

/**
 * The body an event's payload renders to is larger than `maxPayloadBytes`. Thrown where the event is
 * raised (like every payload error), before anything is stored, so that the mistake shows where it is made
 * and no oversized body fills the outbox and the history.
 */
export class WebhookPayloadTooLargeError extends WebhookPayloadError {
  constructor(
    event: string,
    /** The dialect whose body was too large. */
    readonly dialect: string,
    /** The body's size in bytes (UTF-8). */
    readonly size: number,
    /** The `maxPayloadBytes` limit. */
    readonly limit: number,
  ) {
    super(payloadTooLargeMessage(event, dialect, size, limit), event);
  }
}
