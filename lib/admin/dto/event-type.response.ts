import { ApiField } from '../openapi/api-field.decorator';

/** One event type of the catalog. */
export class WebhookEventTypeResponse {
  @ApiField({ example: 'contact.create' })
  name!: string;

  @ApiField({ type: String, nullable: true, example: 'A contact was created.' })
  description!: string | null;

  @ApiField({
    description: 'A JSON schema of the payload.',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  schema!: Record<string, unknown> | null;

  @ApiField({
    description: 'Where it was declared: option, event:Class.method, resource:name, subscription.',
    type: [String],
  })
  sources!: string[];
}

/** `GET /event-types`. */
export class WebhookEventTypeListResponse {
  @ApiField({ type: [WebhookEventTypeResponse] })
  items!: WebhookEventTypeResponse[];

  @ApiField({ description: 'Whether subscribing to an event that is not listed is refused.' })
  strict!: boolean;
}
