import { ADMIN_LIMITS } from '../admin.constants';
import { ApiField } from '../openapi/api-field.decorator';
import { OptionalText, Text } from './admin-validation.decorators';

/** `POST /hooks`: a REST Hooks (Zapier) subscription. */
export class RestHookSubscribeDto {
  @ApiField({
    description: 'Where to send the event.',
    example: 'https://hooks.zapier.com/hooks/standard/1/abc/',
    maxLength: ADMIN_LIMITS.to,
  })
  @Text(ADMIN_LIMITS.to)
  target_url!: string;

  @ApiField({
    description: 'The event (or pattern) to subscribe to.',
    example: 'contact.create',
    maxLength: ADMIN_LIMITS.eventPattern,
  })
  @Text(ADMIN_LIMITS.eventPattern)
  event!: string;

  @ApiField({
    description:
      'The subscription as the client knows it (legacy REST Hooks clients such as Zapier send it beside target_url); kept in the metadata.',
    example: 'https://hooks.zapier.com/hooks/standard/1/abc/subscription',
    required: false,
    maxLength: ADMIN_LIMITS.to,
  })
  @OptionalText(ADMIN_LIMITS.to)
  subscription_url?: string | null;
}
