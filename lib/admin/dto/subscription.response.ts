import type { WebhookRateLimit } from '../../core/limits/delivery-limits';
import type { WebhookRetryPolicy } from '../../core/retry/retry.policy';
import { ApiField, ApiOptionalField } from '../openapi/api-field.decorator';

/** A subscription as the admin API shows it (never its secrets). */
export class WebhookSubscriptionResponse {
  @ApiField({
    description:
      'The id (a time-ordered UUID; "static:…" for one declared in forRoot({ subscriptions }) without persistent).',
  })
  id!: string;

  @ApiField({ example: '/acme' })
  scope!: string;

  @ApiField({ description: 'The owning principal, or null.', type: String, nullable: true })
  owner!: string | null;

  @ApiField({ type: [String], example: ['contact.create'] })
  events!: string[];

  @ApiField({ description: 'The target URL.', example: 'https://hooks.example.com/contacts' })
  to!: string;

  @ApiField({ example: 'default' })
  dialect!: string;

  @ApiField({ type: String, nullable: true })
  permission!: string | null;

  @ApiField()
  active!: boolean;

  @ApiField({ description: '"Active", or why the subscription was deactivated.', example: 'Active' })
  statusMessage!: string;

  @ApiField({ type: String, nullable: true })
  description!: string | null;

  @ApiField({ type: 'object', additionalProperties: true, nullable: true })
  metadata!: Record<string, unknown> | null;

  @ApiField({ description: 'Resolved attempts that failed since the last success or activation.' })
  consecutiveFailures!: number;

  @ApiField({ description: 'Precondition failures since the last activation.' })
  preconditionFailures!: number;

  @ApiField({
    description: "This subscription's retry policy, laid over the module's; null: the module's.",
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { attempts: 5, schedule: [5000, 300000] },
  })
  retry!: WebhookRetryPolicy | null;

  @ApiField({
    description: 'Requests per second the target receives at most (perSecond, burst); null: no limit.',
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: { perSecond: 10, burst: 20 },
  })
  rateLimit!: WebhookRateLimit | null;

  @ApiField({ description: 'Tries in flight at once at most; null: no limit.', type: 'integer', nullable: true })
  maxInFlight!: number | null;

  @ApiField({
    description: 'Until when deliveries wait because the target asked to slow down (429, 503 …); null: not paused.',
    type: String,
    format: 'date-time',
    nullable: true,
  })
  pausedUntil!: string | null;

  @ApiField({ description: 'Whether it was declared in forRoot({ subscriptions }) (read-only through this API).' })
  static!: boolean;

  @ApiField({ format: 'date-time' })
  createdAt!: string;

  @ApiField({ format: 'date-time' })
  updatedAt!: string;
}

/** A subscription just created: the only time its secret is shown. */
export class CreatedWebhookSubscriptionResponse extends WebhookSubscriptionResponse {
  @ApiOptionalField({ description: 'The signing secret (whsec_…), shown once: store it now.' })
  secret?: string;

  @ApiOptionalField({ description: 'For ed25519 signing: the public key (whpk_…) receivers verify with.' })
  publicKey?: string;
}

/** A page of subscriptions. */
export class WebhookSubscriptionPageResponse {
  @ApiField({ type: [WebhookSubscriptionResponse] })
  items!: WebhookSubscriptionResponse[];

  @ApiField({ description: 'Pass as cursor for the next page; null on the last page.', type: String, nullable: true })
  nextCursor!: string | null;
}

/** `POST /hooks`: the REST Hooks answer. */
export class RestHookResponse {
  @ApiField({ description: 'The subscription id; DELETE hooks/{id} unsubscribes.' })
  id!: string;
}

/** `POST /subscriptions/:id/rotate-secret`: the new secret, shown once. */
export class RotatedSecretResponse {
  @ApiField({ description: 'The new signing secret, shown once.' })
  secret!: string;

  @ApiOptionalField({ description: 'For ed25519 signing: the new public key.' })
  publicKey?: string;
}

/** One attempt a dispatch scheduled. */
export class ScheduledAttemptResponse {
  @ApiField()
  id!: string;

  @ApiField()
  subscriptionId!: string;
}

/** `POST /subscriptions/:id/test`: what the test event scheduled. */
export class TestEventResponse {
  @ApiField({ description: 'The message id (webhook-id header).' })
  messageId!: string;

  @ApiField({ type: [ScheduledAttemptResponse] })
  attempts!: ScheduledAttemptResponse[];
}
