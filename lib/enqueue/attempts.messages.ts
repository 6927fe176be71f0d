/** The messages of retrying and replaying attempts by hand. */

/** An attempt cannot be retried while a try of it is under way. */
export const attemptInFlightMessage = (id: string): string =>
  `Webhook delivery attempt "${id}" is being delivered right now; retry it once this try has ended (its tries are listed in "tries").`;

/** Reason: the replay status filter. */
export const replayStatusReason = (): string => 'must be "failed" or "successful" (pending attempts are sent anyway)';

/** Reason: a date filter. */
export const dateReason = (): string => 'must be a valid Date';

/** Reason: a subscription id filter. */
export const subscriptionIdReason = (): string => 'must be a subscription id (a string of at most 64 characters)';
