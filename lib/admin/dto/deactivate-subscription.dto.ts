import { ADMIN_LIMITS } from '../admin.constants';
import { ApiOptionalField } from '../openapi/api-field.decorator';
import { OptionalText } from './admin-validation.decorators';

/** `POST /subscriptions/:id/deactivate`: optionally, why. */
export class DeactivateWebhookSubscriptionDto {
  @ApiOptionalField({
    description: 'The status message to show.',
    default: 'Deactivated.',
    maxLength: ADMIN_LIMITS.statusMessage,
  })
  @OptionalText(ADMIN_LIMITS.statusMessage)
  statusMessage?: string;
}
