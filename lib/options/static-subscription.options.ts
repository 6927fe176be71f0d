import { WebhooksConfigurationError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { normalizeEventPatterns } from '../core/events/event-pattern.util';
import type { WebhookRetryPolicy } from '../core/retry/retry.policy';
import { parseRetryPolicy } from '../core/retry/retry.policy';
import { parseMaxInFlight, parseRateLimit, type WebhookRateLimit } from '../core/limits/delivery-limits';
import { assertScope } from '../core/scopes/scope-path.util';
import { assertTargetUrl } from '../core/security/target-url.util';
import { decodeSigningKey, decodeWebhookSecret, SIGNING_KEY_PREFIX } from '../core/signing/webhook-secret.util';
import { ROOT_SCOPE } from '../core/webhooks.constants';
import { bool, object, optionalString, string } from './option-values.validation';
import type { StaticSubscriptionOptions } from './static-subscription.interface';

/** A static subscription after validation. */
export interface NormalizedStaticSubscription {
  to: string;
  events: string[];
  scope: string;
  owner: string | null;
  permission: string | null;
  dialect: string;
  description: string | null;
  persistent: boolean;
  /** The `whsec_` secret or `whsk_` key it signs with, or `null` for unsigned requests. */
  secret: string | null;
  /** Its retry policy override, or `null` for the module's. */
  retry: WebhookRetryPolicy | null;
  /** Its rate limit, or `null`. */
  rateLimit: WebhookRateLimit | null;
  /** Its most tries in flight at once, or `null`. */
  maxInFlight: number | null;
}

const STATIC_SUBSCRIPTION_KEYS = [
  'to',
  'events',
  'scope',
  'owner',
  'permission',
  'dialect',
  'description',
  'persistent',
  'secret',
  'retry',
  'rateLimit',
  'maxInFlight',
];

/**
 * Validates the entries of `forRoot({ subscriptions })` at startup, as a subscription created at runtime is
 * validated, but failing as a configuration error that names the entry (`subscriptions[2].to`).
 */
export function normalizeStaticSubscriptions(
  entries: readonly StaticSubscriptionOptions[],
  allowHttp: boolean,
): NormalizedStaticSubscription[] {
  return entries.map((entry, index) => staticSubscription(entry, index, allowHttp));
}

function staticSubscription(
  entry: StaticSubscriptionOptions,
  index: number,
  allowHttp: boolean,
): NormalizedStaticSubscription {
  const path = `subscriptions[${index}]`;
  object(path, entry, STATIC_SUBSCRIPTION_KEYS);
  try {
    return {
      to: assertTargetUrl(entry.to, { allowHttp }, `${path}.to`),
      events: normalizeEventPatterns(entry.events ?? '*', `${path}.events`),
      scope: assertScope(entry.scope ?? ROOT_SCOPE, `${path}.scope`),
      owner: optionalString(`${path}.owner`, entry.owner),
      permission: optionalString(`${path}.permission`, entry.permission),
      dialect: string(`${path}.dialect`, entry.dialect, 'default'),
      description: optionalString(`${path}.description`, entry.description),
      persistent: bool(`${path}.persistent`, entry.persistent, false),
      secret: staticSecret(entry.secret, `${path}.secret`),
      retry: parseRetryPolicy(entry.retry, `${path}.retry`, invalid),
      rateLimit: parseRateLimit(entry.rateLimit, `${path}.rateLimit`, invalid),
      maxInFlight: parseMaxInFlight(entry.maxInFlight, `${path}.maxInFlight`, invalid),
    };
  } catch (error) {
    if (error instanceof WebhookValidationError) {
      throw new WebhooksConfigurationError(`WebhooksModule: option "${error.field}" ${error.reason}.`, error.field);
    }
    throw error;
  }
}

function staticSecret(secret: unknown, field: string): string | null {
  if (secret === undefined || secret === null) return null;
  // Validated like an imported secret; the value is never repeated in the message.
  if (typeof secret === 'string' && secret.startsWith(SIGNING_KEY_PREFIX)) decodeSigningKey(secret, field);
  else decodeWebhookSecret(secret as string, field);
  return secret as string;
}

/** Throws the input error of a field; turned into a configuration error naming the entry above. */
function invalid(field: string, reason: string): never {
  throw new WebhookValidationError(field, reason);
}
