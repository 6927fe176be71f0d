/**
 * The fields a subscription shows, sorted: in the admin API's answers and in what a subscription returned from
 * an application's controller serializes to (one vocabulary for both).
 */
export const SUBSCRIPTION_KEYS = [
  'active',
  'consecutiveFailures',
  'createdAt',
  'description',
  'dialect',
  'events',
  'id',
  'maxInFlight',
  'metadata',
  'owner',
  'pausedUntil',
  'permission',
  'preconditionFailures',
  'rateLimit',
  'retry',
  'scope',
  'static',
  'statusMessage',
  'to',
  'updatedAt',
];
