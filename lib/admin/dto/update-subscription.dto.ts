import type { WebhookRateLimit } from '../../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../../core/retry/retry.policy';
import { ADMIN_LIMITS } from '../admin.constants';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import {
  EventPatterns,
  OptionalJsonObject,
  OptionalText,
  OptionalRetryPolicy,
  OptionalRateLimit,
  OptionalMaxInFlight,
} from './admin-validation.decorators';

/** `PATCH /subscriptions/:id`: the fields to change (scope, state and id cannot be changed). */
export class UpdateWebhookSubscriptionDto {
  @ApiOptionalField({
    description: 'The target URL.',
    example: 'https://hooks.example.com/v2/contacts',
    maxLength: ADMIN_LIMITS.to,
  })
  @OptionalText(ADMIN_LIMITS.to)
  to?: string;

  @ApiOptionalField({
    description: 'The event patterns (replacing the current ones).',
    type: [String],
    minItems: 1,
    maxItems: ADMIN_LIMITS.events,
  })
  @EventPatterns(ADMIN_LIMITS.events, ADMIN_LIMITS.eventPattern, true)
  events?: string[];

  @ApiOptionalField({ description: 'The dialect.', maxLength: ADMIN_LIMITS.dialect })
  @OptionalText(ADMIN_LIMITS.dialect)
  dialect?: string;

  @ApiOptionalField({
    description: 'Free text for people (null clears it).',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.description,
  })
  @OptionalText(ADMIN_LIMITS.description)
  description?: string | null;

  @ApiOptionalField({
    description: 'Application data (null clears it).',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @OptionalJsonObject()
  metadata?: Record<string, unknown> | null;

  @ApiOptionalField({
    description: 'The owning principal (administrators only).',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.owner,
  })
  @OptionalText(ADMIN_LIMITS.owner)
  owner?: string | null;

  @ApiOptionalField({
    description: 'The permission (administrators only).',
    type: String,
    nullable: true,
    maxLength: ADMIN_LIMITS.permission,
  })
  @OptionalText(ADMIN_LIMITS.permission)
  permission?: string | null;

  @OptionalRetryPolicy()
  retry?: WebhookRetryPolicy | null;

  @OptionalRateLimit()
  rateLimit?: WebhookRateLimit | null;

  @OptionalMaxInFlight()
  maxInFlight?: number | null;
}
