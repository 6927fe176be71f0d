import type { WebhookRateLimit } from '../../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../../core/retry/retry.policy';
import { ADMIN_LIMITS } from '../admin.constants';
import { ApiField, ApiOptionalField } from '../openapi/api-field.decorator';
import {
  EventPatterns,
  OptionalJsonObject,
  OptionalText,
  Text,
  OptionalRetryPolicy,
  OptionalRateLimit,
  OptionalMaxInFlight,
} from './admin-validation.decorators';

/** `POST /subscriptions`: a new subscription. */
export class CreateWebhookSubscriptionDto {
  @ApiField({
    description:
      'The target URL deliveries are sent to (https://; public addresses only unless the module allows more).',
    example: 'https://hooks.example.com/contacts',
    maxLength: ADMIN_LIMITS.to,
  })
  @Text(ADMIN_LIMITS.to)
  to!: string;

  @ApiField({
    description: 'Event patterns: "noun.verb", "noun.*", "*.verb" or "*". See GET event-types.',
    type: [String],
    example: ['contact.create', 'contact.*'],
    minItems: 1,
    maxItems: ADMIN_LIMITS.events,
  })
  @EventPatterns(ADMIN_LIMITS.events, ADMIN_LIMITS.eventPattern)
  events!: string[];

  @ApiOptionalField({
    description:
      "The scope the subscription lives in: the caller's scope or one beneath it. Default: the caller's scope.",
    example: '/acme',
    maxLength: ADMIN_LIMITS.scope,
  })
  @OptionalText(ADMIN_LIMITS.scope)
  scope?: string;

  @ApiOptionalField({
    description: 'The owning principal (administrators only; null for none). Default: the caller.',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.owner,
  })
  @OptionalText(ADMIN_LIMITS.owner)
  owner?: string | null;

  @ApiOptionalField({
    description: 'The permission the owner must hold on each payload (administrators only).',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.permission,
  })
  @OptionalText(ADMIN_LIMITS.permission)
  permission?: string | null;

  @ApiOptionalField({
    description: 'The dialect that shapes the requests.',
    example: 'standard',
    default: 'default',
    maxLength: ADMIN_LIMITS.dialect,
  })
  @OptionalText(ADMIN_LIMITS.dialect)
  dialect?: string;

  @ApiOptionalField({
    description: 'Free text for people.',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.description,
  })
  @OptionalText(ADMIN_LIMITS.description)
  description?: string | null;

  @ApiOptionalField({
    description: 'Application data kept with the subscription, not sent (a JSON object of at most 16 KiB).',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @OptionalJsonObject()
  metadata?: Record<string, unknown> | null;

  @OptionalRetryPolicy()
  retry?: WebhookRetryPolicy | null;

  @OptionalRateLimit()
  rateLimit?: WebhookRateLimit | null;

  @OptionalMaxInFlight()
  maxInFlight?: number | null;
}
