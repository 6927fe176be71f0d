import { WebhookPayloadTooLargeError } from '../errors/webhook-payload-too-large.error';

/** Throws {@link WebhookPayloadTooLargeError} when `body` is longer than `limit` bytes in UTF-8. */
export function assertPayloadSize(body: string, limit: number, event: string, dialect: string): void {
  // A string of n UTF-16 units takes at most 3n UTF-8 bytes: short bodies need no counting.
  if (body.length * 3 <= limit) return;
  const size = Buffer.byteLength(body, 'utf8');
  if (size > limit) throw new WebhookPayloadTooLargeError(event, dialect, size, limit);
}
