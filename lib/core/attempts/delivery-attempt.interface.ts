/** The status of a delivery attempt: pending until resolved as successful or failed. */
export type WebhookAttemptStatus = 'pending' | 'successful' | 'failed';

/** The HTTP request of an attempt, as it went on the wire (secrets redacted from the headers). */
export interface WebhookAttemptRequest {
  url: string;
  method: string;
  /** Headers as sent on the latest try; absent until the first try. */
  headers?: Record<string, string>;
  /** The body exactly as sent (serialized once, when the event was raised). */
  body: string;
}

/** The HTTP response of an attempt's latest try. */
export interface WebhookAttemptResponse {
  statusCode: number;
  reason: string;
  headers: Record<string, string>;
  /** The body, cut at `delivery.maxResponseBodyBytes` (UTF-8 safe). */
  body: string;
  /** Whether the body was cut. */
  truncated: boolean;
  /** Milliseconds from sending the request to the end of the (capped) response. */
  elapsedMs: number;
}

/** Where and when the attempt was created: which process of which host, for debugging. */
export interface WebhookAttemptOrigin {
  pid: number;
  hostname: string;
  /** ISO 8601 time the attempt was created. */
  createdTime: string;
  /** The note given with the event (`dispatch(…, { note })`), e.g. the request path. */
  note: string | null;
}

/** Debugging information for the application's operators, not meant for the subscriber. */
export interface WebhookAttemptInternalInfo {
  originated: WebhookAttemptOrigin;
  /** Error descriptions (name, message, stack) of the tries that raised. */
  exceptionHistory: string[];
}

/** What started a try. */
export type WebhookTryTrigger = 'scheduled' | 'retry' | 'manual';

/**
 * One HTTP try of an attempt: every try is kept, scheduled, retried and manual alike (a retry policy allows
 * at most 100 tries; manual retries add one each).
 */
export interface WebhookAttemptTry {
  /** 1 for the first try. */
  number: number;
  trigger: WebhookTryTrigger;
  /** ISO 8601 time the try started. */
  at: string;
  /** HTTP status, or 0 when no response was received. */
  statusCode: number;
  /** `200 OK`, or one of the fixed failure messages ({@link WebhookMessages}). */
  message: string;
  elapsedMs: number;
  /** The error of a try that raised. */
  error?: string;
  /** ISO 8601 time of the next try, when one was scheduled. */
  nextAttemptAt?: string;
}
