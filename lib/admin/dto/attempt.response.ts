import { ApiField, ApiOptionalField } from '../openapi/api-field.decorator';
import { ATTEMPT_STATUSES } from './list-attempts.query';

/** A delivery attempt as the admin API shows it: the request (secrets redacted), the response and every try. */
export class WebhookDeliveryAttemptResponse {
  @ApiField()
  id!: string;

  @ApiField()
  subscriptionId!: string;

  @ApiField({ description: 'The message id (webhook-id), shared by the attempts of one event.' })
  messageId!: string;

  @ApiField({ example: 'contact.create' })
  event!: string;

  @ApiField({ example: '/acme' })
  scope!: string;

  @ApiField({ enum: ATTEMPT_STATUSES })
  status!: string;

  @ApiField({
    description: '"200 OK", or why the attempt failed; null before the first try.',
    type: String,
    nullable: true,
  })
  message!: string | null;

  @ApiField({
    description: 'url, method, headers (secrets redacted) and body as sent.',
    type: 'object',
    additionalProperties: true,
  })
  request!: Record<string, unknown>;

  @ApiField({
    description: 'statusCode, reason, headers, body, truncated, elapsedMs of the latest try.',
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  response!: Record<string, unknown> | null;

  @ApiField({
    description: 'Every HTTP try: number, trigger, at, statusCode, message, elapsedMs, error?, nextAttemptAt?.',
    type: 'array',
    items: { type: 'object' },
  })
  tries!: Array<Record<string, unknown>>;

  @ApiField()
  attemptCount!: number;

  @ApiField({ type: String, format: 'date-time', nullable: true })
  nextAttemptAt!: string | null;

  @ApiField({ format: 'date-time' })
  createdAt!: string;

  @ApiField({ type: String, format: 'date-time', nullable: true })
  resolvedAt!: string | null;

  @ApiOptionalField({
    description: 'Administrators only: origin (pid, host, time, note) and exception history.',
    type: 'object',
    additionalProperties: true,
  })
  internalInfo?: Record<string, unknown>;
}

/** A page of attempts, newest first. */
export class WebhookDeliveryAttemptPageResponse {
  @ApiField({ type: [WebhookDeliveryAttemptResponse] })
  items!: WebhookDeliveryAttemptResponse[];

  @ApiField({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** `POST /attempts/replay`: how many attempts were scheduled again. */
export class ReplayResponse {
  @ApiField()
  count!: number;
}
