/**
 * The messages recorded on attempts and subscriptions. The first four are the seed's wording, kept so that
 * people and tools used to it read the same thing.
 */
export const DESTINATION_VERIFICATION_FAILED = 'Verification of the destination URL failed. Please check the domain.';
export const REMOTE_ERROR = 'Contacting the remote server experienced an unexpected error.';
export const RESPONSE_HANDLING_ERROR = 'Unexpected error handling the response from the server.';
export const DELIVERY_FAILURES_MESSAGE = 'Delivery suspended due to too many delivery failures.';
export const PRECONDITION_FAILURES_MESSAGE = 'Delivery suspended due to too many precondition failures.';

/** The try of an attempt whose subscription names a dialect that is no longer registered. */
export const unknownDialectAtSendMessage = (name: string): string =>
  `The subscription's dialect "${name}" is not registered any more; register it again or change the subscription's dialect.`;

/** `200 OK`, `404 Not Found`: the seed's attempt message for an HTTP response. */
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
