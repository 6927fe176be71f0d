/** How delivery describes what happened: HTTP statuses, errors. The fixed status messages are in status.messages.ts. */

/** The try of an attempt whose subscription names a dialect that is no longer registered. */
export const unknownDialectAtSendMessage = (name: string): string =>
  `The subscription's dialect "${name}" is not registered any more; register it again or change the subscription's dialect.`;

/** `200 OK`, `404 Not Found`: an attempt's message for an HTTP response, status and reason phrase. */
export const httpStatusMessage = (statusCode: number, reason: string): string => `${statusCode} ${reason}`.trim();

/** Describes an error for the attempt's exception history (name, message and stack). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const own = error.stack ?? `${error.name}: ${error.message}`;
    return cause instanceof Error ? `${own}\nCaused by: ${cause.stack ?? cause.message}` : own;
  }
  return String(error);
}

/**
 * A target as logs show it: scheme, host, port and path — never the query string or credentials, which may
 * carry tokens of the receiver's.
 */
export function loggableTarget(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    return `${origin}${pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** The log line of a try that failed. */
export const failedTryLog = (
  event: string,
  target: string,
  tryNumber: number,
  message: string,
  next: Date | null,
): string =>
  `Webhook ${event} to ${target} failed on try ${tryNumber}: ${message} ` +
  (next ? `Next try at ${next.toISOString()}.` : 'No try left: the attempt failed.');

/** The log line that stands for the failed tries not logged one by one. */
export const moreFailedTriesLog = (count: number, seconds: number): string =>
  `... and ${count} more failed webhook tries in the last ${seconds} s (at most a few are logged one by one).`;

/** The startup warning about a subscription declared without a secret. */
export const unsignedDeclaredSubscriptionLog = (index: number, target: string): string =>
  `forRoot({ subscriptions })[${index}] (to ${target}) has no secret: its requests are not signed, so its ` +
  `receiver cannot tell them from forgeries. Give it one — secret: process.env.SOME_WEBHOOK_SECRET, made once ` +
  `with generateWebhookSecret() and shared with the receiver — unless the receiver authenticates requests otherwise.`;

/** The startup warning of an application that does not shut down gracefully. */
export const shutdownHooksOffLog = (leaseDuration: number): string =>
  `Graceful shutdown looks off: nothing listens to SIGTERM. Call app.enableShutdownHooks() in main.ts, so that on ` +
  `SIGTERM the engine lets the tries in flight finish and hands the attempts it holds back at once; without it ` +
  `they wait for their lease to run out (delivery.leaseDuration, ${leaseDuration} ms) before any instance sends them.`;
