import { ApiField } from '../openapi/api-field.decorator';

/** A target host's circuit breaker as the admin API shows it. */
export class WebhookBreakerResponse {
  @ApiField({ description: 'The target host (`host:port` when a port is given).', example: 'hooks.example.com' })
  host!: string;

  @ApiField({ description: 'closed: tries go; open: no tries until openUntil; half-open: one probe under way.' })
  state!: 'closed' | 'open' | 'half-open';

  @ApiField({ description: 'Failed tries in a row.' })
  consecutiveFailures!: number;

  @ApiField({ description: 'Tries and failed tries in the current failure-ratio window.' })
  windowTries!: number;

  @ApiField()
  windowFailures!: number;

  @ApiField({
    description: 'While open: until when no try is made.',
    type: String,
    format: 'date-time',
    nullable: true,
  })
  openUntil!: string | null;

  @ApiField({ description: 'When its state last changed.', type: String, format: 'date-time' })
  changedAt!: string;
}

/** `GET /breakers`. */
export class WebhookBreakerListResponse {
  @ApiField({ type: [WebhookBreakerResponse], description: 'Every breaker known, by host (none without `breaker`).' })
  items!: WebhookBreakerResponse[];
}
