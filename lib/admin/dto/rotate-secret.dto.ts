import { ADMIN_LIMITS } from '../admin.constants';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import { OptionalText, OptionalWholeNumber } from './admin-validation.decorators';

/** `POST /subscriptions/:id/rotate-secret`. */
export class RotateWebhookSecretDto {
  @ApiOptionalField({
    description: 'The new secret (whsec_…); default: a generated one.',
    maxLength: ADMIN_LIMITS.secret,
  })
  @OptionalText(ADMIN_LIMITS.secret)
  secret?: string;

  @ApiOptionalField({
    description: 'How long (ms) the replaced secret keeps signing, so that receivers can switch.',
    type: Number,
    minimum: 0,
    maximum: ADMIN_LIMITS.overlapMs,
    default: 86_400_000,
  })
  @OptionalWholeNumber(0, ADMIN_LIMITS.overlapMs)
  overlapMs?: number;
}
