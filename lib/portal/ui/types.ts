/** The JSON the portal's API answers (the admin API's shapes; see docs/admin-api.md). */

export interface Principal {
  id: string;
  isAdmin: boolean;
  scope: string | null;
}

export interface Session {
  principal: Principal;
  mode: 'link' | 'application';
  csrfToken: string;
  expiresAt: string | null;
  title: string;
  pollInterval: number;
}

export interface Subscription {
  id: string;
  scope: string;
  owner: string | null;
  events: string[];
  to: string;
  dialect: string;
  permission: string | null;
  active: boolean;
  statusMessage: string;
  description: string | null;
  metadata: Record<string, unknown> | null;
  consecutiveFailures: number;
  preconditionFailures: number;
  static: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedSubscription extends Subscription {
  secret?: string;
  publicKey?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type AttemptStatus = 'pending' | 'successful' | 'failed';

export interface AttemptTry {
  number: number;
  trigger: string;
  at: string;
  statusCode: number;
  message: string;
  elapsedMs: number;
  error?: string;
  nextAttemptAt?: string;
}

export interface Attempt {
  id: string;
  subscriptionId: string;
  messageId: string;
  event: string;
  scope: string;
  status: AttemptStatus;
  message: string;
  request: { url: string; method: string; headers?: Record<string, string>; body: string };
  response: {
    statusCode: number;
    reason: string;
    headers: Record<string, string>;
    body: string;
    truncated: boolean;
    elapsedMs: number;
  } | null;
  tries: AttemptTry[];
  attemptCount: number;
  nextAttemptAt: string | null;
  createdAt: string;
  resolvedAt: string | null;
  internalInfo?: unknown;
}

export interface EventType {
  name: string;
  description: string | null;
  schema: Record<string, unknown> | null;
  sources: string[];
}

export interface DeliveryStats {
  subscriptionId: string;
  sampled: number;
  successful: number;
  failed: number;
  pending: number;
  successRate: number | null;
  last: { id: string; status: AttemptStatus; event: string; statusCode: number | null; createdAt: string } | null;
}
