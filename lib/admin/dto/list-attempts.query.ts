import { ADMIN_LIMITS } from '../admin.constants';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import { OptionalIsoDate, OptionalOneOf, OptionalText, QueryWholeNumber } from './admin-validation.decorators';

/** The states an attempt can be in. */
export const ATTEMPT_STATUSES = ['pending', 'successful', 'failed'] as const;

/** The query of `GET /subscriptions/:id/attempts`. */
export class ListWebhookAttemptsQuery {
  @ApiOptionalField({ description: 'Only attempts in this state.', enum: ATTEMPT_STATUSES })
  @OptionalOneOf(ATTEMPT_STATUSES)
  status?: (typeof ATTEMPT_STATUSES)[number];

  @ApiOptionalField({
    description: 'Only attempts created at or after this time (ISO 8601).',
    example: '2025-01-31T12:00:00Z',
  })
  @OptionalIsoDate()
  since?: string;

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
