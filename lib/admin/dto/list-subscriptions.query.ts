import { ADMIN_LIMITS } from '../admin.constants';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import { OptionalText, QueryBoolean, QueryWholeNumber } from './admin-validation.decorators';

/** The query of `GET /subscriptions`. */
export class ListWebhookSubscriptionsQuery {
  @ApiOptionalField({
    description: 'Only subscriptions in exactly this scope.',
    example: '/acme',
    maxLength: ADMIN_LIMITS.scope,
  })
  @OptionalText(ADMIN_LIMITS.scope)
  scope?: string;

  @ApiOptionalField({
    description: 'Only subscriptions in this scope or beneath it.',
    example: '/acme',
    maxLength: ADMIN_LIMITS.scope,
  })
  @OptionalText(ADMIN_LIMITS.scope)
  within?: string;

  @ApiOptionalField({
    description: "Only this owner's subscriptions (non-administrators see only their own anyway).",
    maxLength: ADMIN_LIMITS.owner,
  })
  @OptionalText(ADMIN_LIMITS.owner)
  owner?: string;

  @ApiOptionalField({
    description: 'An event name: the subscriptions it would reach; a pattern: the subscriptions holding exactly it.',
    example: 'contact.create',
    maxLength: ADMIN_LIMITS.eventPattern,
  })
  @OptionalText(ADMIN_LIMITS.eventPattern)
  event?: string;

  @ApiOptionalField({ description: 'Only active (true) or inactive (false) subscriptions.', type: Boolean })
  @QueryBoolean()
  active?: boolean;

  @ApiOptionalField({
    description: 'Only the subscriptions declared in the configuration (true), or only the others (false).',
    type: Boolean,
  })
  @QueryBoolean()
  static?: boolean;

  @ApiOptionalField({
    description: 'Page size.',
    type: Number,
    minimum: 1,
    maximum: ADMIN_LIMITS.pageSize,
    default: 50,
  })
  @QueryWholeNumber(1, ADMIN_LIMITS.pageSize)
  limit?: number;

  @ApiOptionalField({ description: 'The nextCursor of the previous page.', maxLength: ADMIN_LIMITS.cursor })
  @OptionalText(ADMIN_LIMITS.cursor)
  cursor?: string;
}
