/** The event name of test events (`WebhookDispatcher.sendTest`): the same for every subscription. */
export const TEST_EVENT = 'webhook.test';

/** The payload of a test event. */
export interface WebhookTestEventPayload {
  /** Always `true`: receivers can tell a test from real traffic. */
  test: true;
  /** The subscription the test was sent to. */
  subscriptionId: string;
  /** When the test was requested, ISO 8601. */
  sentAt: string;
  /** A sentence for people looking at the request. */
  message: string;
}

/** The ping a test event carries. */
export function testEventPayload(subscriptionId: string, now: Date): WebhookTestEventPayload {
  return {
    test: true,
    subscriptionId,
    sentAt: now.toISOString(),
    message: 'A test event: this endpoint is subscribed to webhooks and will receive them.',
  };
}
