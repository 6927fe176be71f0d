import { payloadSchemaMessage } from '../schemas/schema.messages';
import { WebhookPayloadError } from './webhook-payload.error';
import { answersWith } from './webhooks.errors';

/** One place where a payload does not match its event's schema. */
export interface WebhookPayloadSchemaProblem {
  /** Where in the payload: `payload`, `payload.address.zip`, `payload.items[2]`. */
  path: string;
  /** What is wrong there, phrased to follow the path: `must be string`, `must have required property 'id'`. */
  message: string;
}

/**
 * In strict payload validation (`payloadValidation: 'strict'`, or `validate: 'strict'` on an event type),
 * the payload of an event does not match the event's JSON schema. Thrown by `dispatch` (and by the methods
 * decorated with `@WebhookEvent`) before anything is stored — inside the caller's transaction, which it
 * rolls back when not caught. `path` names the first problem (`payload.address.zip`); HTTP frameworks answer
 * it as a 400, like the module's other input errors.
 */
export class WebhookPayloadSchemaError extends WebhookPayloadError {
  /** 400, for HTTP frameworks. */
  declare readonly status: 400;
  declare readonly statusCode: 400;
  declare readonly expose: true;
  /** Where the first problem is (`payload.address.zip`). */
  declare readonly path: string;

  constructor(
    event: string,
    /** Every problem found, the first one named by the message. */
    readonly problems: readonly WebhookPayloadSchemaProblem[],
  ) {
    super(payloadSchemaMessage(event, problems), event, problems[0].path);
  }
}

answersWith(400, WebhookPayloadSchemaError);
