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
    description: 'An example payload: declared, or derived from the schema.',
    nullable: true,
    example: { id: 42, email: 'ada@example.com' },
  })
  example!: unknown;

  @ApiField({ description: 'Whether payloads are checked against the schema when the event is raised.' })
  validated!: boolean;

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

/** `GET /event-types/openapi.json`: an OpenAPI 3.1 document whose `webhooks` describe what is sent. */
export class WebhooksOpenApiResponse {
  @ApiField({ example: '3.1.0' })
  openapi!: string;

  @ApiField({ type: 'object', additionalProperties: true })
  info!: Record<string, unknown>;

  @ApiField({ description: 'One entry per event type: the POST sent.', type: 'object', additionalProperties: true })
  webhooks!: Record<string, unknown>;

  @ApiField({ description: 'The payload schemas.', type: 'object', additionalProperties: true })
  components!: Record<string, unknown>;
}
