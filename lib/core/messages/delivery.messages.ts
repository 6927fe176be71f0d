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
