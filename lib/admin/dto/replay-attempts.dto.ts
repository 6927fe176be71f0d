import { ApiOptionalField } from '../openapi/api-field.decorator';
import { OptionalIsoDate, OptionalOneOf, OptionalText } from './admin-validation.decorators';
import { ATTEMPT_STATUSES } from './list-attempts.query';

/** `POST /attempts/replay`: which resolved attempts to send again. */
export class ReplayWebhookAttemptsDto {
  @ApiOptionalField({
    description: 'The subscription whose attempts to replay; required unless the caller administers every scope.',
    maxLength: 64,
  })
  @OptionalText(64)
  subscriptionId?: string;

  @ApiOptionalField({ description: 'Only attempts in this state.', enum: ATTEMPT_STATUSES, example: 'failed' })
  @OptionalOneOf(ATTEMPT_STATUSES)
  status?: (typeof ATTEMPT_STATUSES)[number];

  @ApiOptionalField({
    description: 'Only attempts created at or after this time (ISO 8601).',
    example: '2025-01-31T12:00:00Z',
  })
  @OptionalIsoDate()
  since?: string;
}
