import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { WebhookAttemptResponse, WebhookAttemptTry } from '../core/attempts/delivery-attempt.interface';
import { WebhookDestinationError } from '../core/errors/webhook-destination.error';
import { TEST_EVENT } from '../core/events/test-event.payload';
import { describeError, httpStatusMessage } from '../core/messages/delivery.messages';
import {
  DESTINATION_VERIFICATION_FAILED,
  REMOTE_ERROR,
  RESPONSE_HANDLING_ERROR,
} from '../core/messages/status.messages';
import { responseHeader } from '../core/retry/retry-after.util';
import { RETRY_CANCELLED_MESSAGE } from '../core/messages/status.messages';
import { judgeTry } from '../core/retry/retry.planner';
import { effectiveRetryPolicy } from '../core/retry/retry.policy';
import { redactResponseHeaders } from '../core/security/header-redaction.util';
import { WEBHOOKS_MODULE_OPTIONS } from '../core/webhooks.constants';
import type { WebhookDeliveryAttempt } from '../entities/webhook-delivery-attempt.entity';
import { WebhookTransport, type WebhookTransportResponse } from '../options/webhook-transport.interface';
import type { ResolvedWebhooksOptions } from '../options/webhooks-options.resolver';
import type { TryResult } from '../record/attempt.recorder';
import type { DeliveryJob } from './delivery-job.interface';
import { WebhookDestinationGuard } from './destination.guard';
import { type BuiltRequest, RequestBuilder } from './request.builder';
import { WebhookTelemetry } from '../pipeline/webhook-telemetry';
import { type BeforeSend, type DeliveryTryObserver, TryTracing } from './try.tracing';

/** How one try ended, before it is turned into the attempt's new state. */
interface TryOutcome {
  success: boolean;
  message: string;
  statusCode: number;
  response: WebhookAttemptResponse | null;
  error?: unknown;
  /** Whether trying again could help (false for a blocked or invalid destination). */
  retryable: boolean;
  /** The response's `Retry-After` header. */
  retryAfter?: string;
  /** The destination guard refused the target. */
  blocked?: boolean;
}

/** Inspects each response before it is judged; throwing fails the try as "Unexpected error handling the response". */
export type WebhookResponseInspector = (response: WebhookTransportResponse, job: DeliveryJob) => void;

/**
 * One try of one attempt: the request built (dialect headers, signatures), the destination checked and
 * pinned, the request sent, the response judged by the retry rules — and the attempt's next state, with
 * what the try asks to follow (a pause, a deactivation).
 */
@Injectable()
export class DeliveryTry {
  /** See {@link WebhookResponseInspector} (the testing kit simulates processing failures with it). */
  responseInspector?: WebhookResponseInspector;
  /** Watches every try (a span per try when tracing is on); `undefined` otherwise. */
  private readonly observer: DeliveryTryObserver | undefined;

  constructor(
    private readonly requests: RequestBuilder,
    private readonly guard: WebhookDestinationGuard,
    private readonly transport: WebhookTransport,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    telemetry: WebhookTelemetry,
  ) {
    this.observer = TryTracing.of(telemetry);
  }

  /** Makes the try; never throws. */
  run(job: DeliveryJob): Promise<TryResult> {
    return this.observer === undefined
      ? this.make(job)
      : this.observer.observe(job, (beforeSend) => this.make(job, beforeSend));
  }

  private async make(job: DeliveryJob, beforeSend?: BeforeSend): Promise<TryResult> {
    const startedAt = this.options.clock.now();
    const began = performance.now();
    let built: BuiltRequest | undefined;
    let outcome: TryOutcome;
    try {
      built = this.requests.build(job, startedAt);
      beforeSend?.(built.request);
      outcome = await this.send(job, built.request);
    } catch (error) {
      // The dialect is gone or its computed headers cannot be sent: trying again will not help.
      outcome = {
        success: false,
        message: (error as Error).message,
        statusCode: 0,
        response: null,
        error,
        retryable: false,
      };
    }
    const elapsedMs = Math.round((performance.now() - began) * 100) / 100;
    if (outcome.response)
      outcome.response.headers = redactResponseHeaders(outcome.response.headers, built?.sensitiveHeaders);
    const { url, method, body } = job.attempt.request;
    const stored = built?.stored ?? { url: job.subscription.to ?? url, method, body };
    return this.resultOf(job, outcome, stored, startedAt, elapsedMs);
  }

  /** A scheduled retry of an inactive subscription: resolved as failed without a request. */
  cancelled(job: DeliveryJob): TryResult {
    const attempt = withChanges(job.attempt, {
      status: 'failed',
      message: RETRY_CANCELLED_MESSAGE,
      nextAttemptAt: null,
      nextTrigger: null,
      leaseOwner: null,
      leaseUntil: null,
      resolvedAt: new Date(this.options.clock.now()),
    });
    return { attempt, subscription: job.subscription, leaseToken: job.leaseToken };
  }

  /** An attempt put back, untried, to wait for its subscription's pause to end (it uses up no try). */
  deferred(job: DeliveryJob, until: number): TryResult {
    const attempt = withChanges(job.attempt, { nextAttemptAt: new Date(until), leaseOwner: null, leaseUntil: null });
    return { attempt, subscription: job.subscription, leaseToken: job.leaseToken, deferred: true };
  }

  private async send(job: DeliveryJob, request: BuiltRequest['request']): Promise<TryOutcome> {
    const { delivery } = this.options;
    let destination;
    try {
      destination = await this.guard.resolve(request.url);
    } catch (error) {
      const kind = error instanceof WebhookDestinationError ? error.kind : 'invalid';
      return {
        success: false,
        message: kind === 'blocked' ? (error as Error).message : DESTINATION_VERIFICATION_FAILED,
        statusCode: 0,
        response: null,
        error,
        // A blocked or malformed destination stays so; a name that did not resolve may resolve later.
        retryable: kind === 'unresolvable',
        blocked: kind === 'blocked',
      };
    }
    const began = performance.now();
    let response: WebhookTransportResponse;
    try {
      response = await this.transport.send(request, {
        destination,
        timeout: delivery.timeout,
        connectTimeout: delivery.connectTimeout,
        maxResponseBodyBytes: delivery.maxResponseBodyBytes,
      });
    } catch (error) {
      return { success: false, message: REMOTE_ERROR, statusCode: 0, response: null, error, retryable: true };
    }
    const recorded: WebhookAttemptResponse = {
      statusCode: response.statusCode,
      reason: response.reason,
      headers: response.headers,
      body: response.body,
      truncated: response.truncated,
      elapsedMs: Math.round((performance.now() - began) * 100) / 100,
    };
    try {
      this.responseInspector?.(response, job);
    } catch (error) {
      return {
        success: false,
        message: RESPONSE_HANDLING_ERROR,
        statusCode: response.statusCode,
        response: recorded,
        error,
        retryable: true,
      };
    }
    const success = response.statusCode >= 200 && response.statusCode < 300;
    return {
      success,
      message: httpStatusMessage(response.statusCode, response.reason),
      statusCode: response.statusCode,
      response: recorded,
      retryable: !success,
      retryAfter: success ? undefined : responseHeader(response.headers, 'retry-after'),
    };
  }

  private resultOf(
    job: DeliveryJob,
    outcome: TryOutcome,
    stored: BuiltRequest['stored'],
    startedAt: number,
    elapsedMs: number,
  ): TryResult {
    const { attempt, subscription } = job;
    const now = this.options.clock.now();
    const verdict = judgeTry(
      {
        success: outcome.success,
        retryable: outcome.retryable,
        statusCode: outcome.statusCode,
        retryAfter: outcome.retryAfter,
        triesDone: attempt.attemptCount + 1,
        retries: attempt.event !== TEST_EVENT,
      },
      effectiveRetryPolicy(this.options.retry, subscription.retry),
      this.options.retry,
      now,
    );
    const tryRecord: WebhookAttemptTry = {
      number: attempt.attemptCount + 1,
      trigger: job.trigger,
      at: new Date(startedAt).toISOString(),
      statusCode: outcome.statusCode,
      message: outcome.message,
      elapsedMs,
      ...(outcome.error !== undefined ? { error: describeError(outcome.error).split('\n')[0] } : {}),
      ...(verdict.nextAttemptAt !== null ? { nextAttemptAt: new Date(verdict.nextAttemptAt).toISOString() } : {}),
    };
    const next = withChanges(attempt, {
      status: verdict.status,
      message: outcome.message,
      request: stored,
      response: outcome.response,
      internalInfo: {
        ...attempt.internalInfo,
        exceptionHistory:
          outcome.error !== undefined
            ? [...attempt.internalInfo.exceptionHistory, describeError(outcome.error)]
            : attempt.internalInfo.exceptionHistory,
      },
      tries: [...attempt.tries, tryRecord],
      attemptCount: attempt.attemptCount + 1,
      nextAttemptAt: verdict.nextAttemptAt === null ? null : new Date(verdict.nextAttemptAt),
      nextTrigger: null,
      leaseOwner: null,
      leaseUntil: null,
      resolvedAt: verdict.status === 'pending' ? null : new Date(now),
    });
    return {
      attempt: next,
      subscription,
      leaseToken: job.leaseToken,
      ...(verdict.deactivate !== undefined ? { deactivate: verdict.deactivate } : {}),
      ...(verdict.pauseUntil !== null ? { pause: verdict.pauseUntil } : {}),
      ...(outcome.blocked ? { blocked: true } : {}),
    };
  }
}

/** A copy of an attempt (same prototype) with `changes`: snapshots held elsewhere stay as they were. */
function withChanges(
  attempt: WebhookDeliveryAttempt,
  changes: Partial<WebhookDeliveryAttempt>,
): WebhookDeliveryAttempt {
  return Object.assign(
    Object.create(Object.getPrototypeOf(attempt) as object) as WebhookDeliveryAttempt,
    attempt,
    changes,
  );
}
