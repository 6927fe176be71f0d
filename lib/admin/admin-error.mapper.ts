import { HttpException, HttpStatus } from '@nestjs/common';
import {
  WebhookAttemptNotFoundError,
  WebhookOperationNotAllowedError,
  WebhookSubscriptionNotFoundError,
  WebhookValidationError,
} from '../core/errors/webhooks.errors';
import { invalidFieldMessage } from '../core/errors/webhooks.messages';
import { internalErrorMessage } from './admin.messages';
import type { AdminErrorResponse, AdminFieldErrorResponse } from './dto/admin-error.response';

/** What the admin API answers for an error, and whether it is a server fault worth logging. */
export interface AdminErrorReply {
  status: number;
  body: AdminErrorResponse;
  serverFault: boolean;
}

/** The 400 body naming the rejected fields (the first one in `field`/`reason`). */
export function badRequestBody(errors: AdminFieldErrorResponse[]): AdminErrorResponse {
  const [first] = errors;
  return {
    statusCode: HttpStatus.BAD_REQUEST,
    error: 'Bad Request',
    message: invalidFieldMessage(first.field, first.reason),
    field: first.field,
    reason: first.reason,
    errors,
  };
}

/**
 * Maps what an admin route threw to its answer: the module's typed errors to 400/404/409, HTTP exceptions
 * (guards, pipes, body parsing) as they are, anything else to a generic 500 whose details stay in the log.
 */
export function adminErrorReply(error: unknown): AdminErrorReply {
  if (error instanceof WebhookValidationError) {
    return { status: 400, body: badRequestBody([{ field: error.field, reason: error.reason }]), serverFault: false };
  }
  if (error instanceof WebhookSubscriptionNotFoundError || error instanceof WebhookAttemptNotFoundError) {
    return { status: 404, body: { statusCode: 404, error: 'Not Found', message: error.message }, serverFault: false };
  }
  if (error instanceof WebhookOperationNotAllowedError) {
    return { status: 409, body: { statusCode: 409, error: 'Conflict', message: error.message }, serverFault: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const body =
      typeof response === 'object' && response !== null
        ? ({ statusCode: status, ...response } as AdminErrorResponse)
        : { statusCode: status, error: error.name, message: String(response) };
    if (Array.isArray(body.message)) body.message = body.message.join('; ');
    return { status, body, serverFault: status >= 500 };
  }
  return {
    status: 500,
    body: { statusCode: 500, error: 'Internal Server Error', message: internalErrorMessage() },
    serverFault: true,
  };
}
