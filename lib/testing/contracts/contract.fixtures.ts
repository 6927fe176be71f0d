import { WebhookSecretList } from '../../core/signing/webhook-secret.list';
import type { StoredWebhookSecret } from '../../core/signing/subscription-secrets.util';
import { newId, newMessageId } from '../../core/util/ids.util';
import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { WebhookSubscription, type WebhookSubscriptionFields } from '../../entities/webhook-subscription.entity';
import type { WebhookAttemptStore } from '../../stores/attempt-store.interface';
import type { WebhookStoreContractCase, WebhookStoreHarness, WebhookStores } from './store-contract.interface';

/** A case body: it gets a fresh harness, and the harness is closed after it. */
export type ContractCase = [name: string, body: (harness: WebhookStoreHarness) => Promise<void>];

/** The cases as {@link WebhookStoreContractCase}s, each on a harness of its own. */
export function toCases(
  cases: readonly ContractCase[],
  createHarness: () => Promise<WebhookStoreHarness>,
): WebhookStoreContractCase[] {
  return cases.map(([name, body]) => ({
    name,
    async run() {
      const harness = await createHarness();
      try {
        await body(harness);
      } finally {
        await harness.close();
      }
    },
  }));
}

/** The time the cases start at (epoch ms); they pass every time explicitly, nothing waits. */
export const T0 = 1_767_225_600_000;

/** How long the leases of the cases last. */
export const LEASE = 60_000;

/** How many calls a racing case makes at once. */
export const RACERS = 8;

/** `n` fresh ids in ascending order (creation order). */
export const orderedIds = (n: number): string[] => Array.from({ length: n }, () => newId()).sort();

/** The ids of a list, in its order. */
export const idsOf = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);

/** The ids of a list, sorted: for results whose order the contract leaves open. */
export const sortedIdsOf = (items: readonly { id: string }[]): string[] => idsOf(items).sort();

/** The values that occur more than once. */
export const repeated = (list: readonly string[]): string[] => [
  ...new Set(list.filter((id, i) => list.indexOf(id) !== i)),
];

/** The calls of a racing case spread over the harness's instances, {@link RACERS} of them. */
export function racers(harness: WebhookStoreHarness): WebhookStores[] {
  const all: WebhookStores[] = [harness, ...(harness.peers ?? [])];
  return Array.from({ length: RACERS }, (_, i) => all[i % all.length]);
}

/**
 * Has every racer read once, all at once: a pooled store opens its connections then, so that the racing
 * calls do not each start a connection apart and never overlap.
 */
export async function warmUp(harness: WebhookStoreHarness): Promise<void> {
  await Promise.all(racers(harness).map((stores) => stores.subscriptions.version()));
}

/** A stored secret entry. */
export const secretEntry = (value: string, createdAt = T0, expiresAt: number | null = null): StoredWebhookSecret => ({
  value,
  kind: 'hmac',
  createdAt,
  expiresAt,
});

/** A subscription with every field set (JSON, text with non-ASCII characters, a secret), then `overrides`. */
export function subscriptionFixture(overrides: Partial<WebhookSubscriptionFields> = {}): WebhookSubscription {
  const fields: WebhookSubscriptionFields = {
    id: newId(),
    scope: '/acme/sales',
    owner: 'user-1',
    events: ['contact.create', 'deal.*'],
    to: 'https://hooks.example.com/in?token=a%20b&x=ü',
    dialect: 'standard',
    permission: 'contacts.read',
    active: true,
    statusMessage: 'Active',
    description: 'Sales CRM — Zürich "main"',
    metadata: { team: 'sales', tags: ['a', 'b'], nested: { level: 2, ok: true, none: null }, quote: 'Łódź \u2028 "q"' },
    consecutiveFailures: 0,
    preconditionFailures: 0,
    secrets: WebhookSecretList.of([secretEntry('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')]),
    retry: null,
    pausedUntil: null,
    staticKey: null,
    rateLimit: null,
    maxInFlight: null,
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
  };
  return Object.assign(new WebhookSubscription(), fields, overrides);
}

/** Every stored field of a subscription as plain data (times as epoch ms, secrets as their entries). */
export function subscriptionView(s: WebhookSubscription) {
  return {
    id: s.id,
    scope: s.scope,
    owner: s.owner,
    events: s.events,
    to: s.to,
    dialect: s.dialect,
    permission: s.permission,
    active: s.active,
    statusMessage: s.statusMessage,
    description: s.description,
    metadata: s.metadata,
    consecutiveFailures: s.consecutiveFailures,
    preconditionFailures: s.preconditionFailures,
    secrets: s.secrets == null ? null : WebhookSecretList.entriesOf(s.secrets).map((entry) => ({ ...entry })),
    retry: s.retry,
    pausedUntil: s.pausedUntil?.getTime() ?? null,
    staticKey: s.staticKey,
    rateLimit: s.rateLimit,
    maxInFlight: s.maxInFlight,
    createdAt: s.createdAt.getTime(),
    updatedAt: s.updatedAt.getTime(),
  };
}

/** The values of a subscription's secret entries, newest first. */
export const secretValues = (s: WebhookSubscription | null): string[] =>
  WebhookSecretList.entriesOf(s?.secrets).map((entry) => entry.value);

/** A pending attempt of `subscription`, due at T0 and held by nobody, then `overrides`. */
export function attemptFixture(
  subscription: { id: string; to: string },
  overrides: Partial<WebhookDeliveryAttempt> = {},
): WebhookDeliveryAttempt {
  return Object.assign(
    new WebhookDeliveryAttempt(),
    {
      id: newId(),
      subscriptionId: subscription.id,
      messageId: newMessageId(),
      event: 'contact.create',
      scope: '/acme/sales',
      status: 'pending',
      message: null,
      // Exact bytes: spacing, key order, non-ASCII and escapes must come back as written.
      request: {
        url: subscription.to,
        method: 'POST',
        body: '{"type":"contact.create", "data":{"z":1,"a":"Łódź \\u2028 \\"q\\""}}',
      },
      response: null,
      internalInfo: {
        originated: { pid: 4242, hostname: 'app-1', createdTime: new Date(T0).toISOString(), note: 'POST /contacts' },
        exceptionHistory: [],
      },
      tries: [],
      attemptCount: 0,
      nextAttemptAt: new Date(T0),
      nextTrigger: null,
      leaseOwner: null,
      leaseUntil: null,
      createdAt: new Date(T0),
      resolvedAt: null,
      traceContext: null,
      orderingKey: null,
    } satisfies Omit<WebhookDeliveryAttempt, 'subscription'>,
    overrides,
  );
}

/** A pending attempt written already held by `token` until T0 + {@link LEASE}, as a dispatch writes them. */
export const heldFixture = (
  subscription: { id: string; to: string },
  token: string,
  overrides: Partial<WebhookDeliveryAttempt> = {},
) =>
  attemptFixture(subscription, {
    leaseOwner: token,
    leaseUntil: T0 + LEASE,
    nextAttemptAt: new Date(T0 + LEASE),
    ...overrides,
  });

/** Every stored field of an attempt as plain data (times as epoch ms). */
export function attemptView(a: WebhookDeliveryAttempt) {
  return {
    id: a.id,
    subscriptionId: a.subscriptionId,
    messageId: a.messageId,
    event: a.event,
    scope: a.scope,
    status: a.status,
    message: a.message,
    request: a.request,
    response: a.response,
    internalInfo: a.internalInfo,
    tries: a.tries,
    attemptCount: a.attemptCount,
    nextAttemptAt: a.nextAttemptAt?.getTime() ?? null,
    nextTrigger: a.nextTrigger,
    leaseOwner: a.leaseOwner,
    leaseUntil: a.leaseUntil === null ? null : Number(a.leaseUntil),
    createdAt: a.createdAt.getTime(),
    resolvedAt: a.resolvedAt?.getTime() ?? null,
    traceContext: a.traceContext ?? null,
    orderingKey: a.orderingKey ?? null,
  };
}

/** A copy of an attempt with `changes`, as the engine derives them. */
export const withChanges = (
  attempt: WebhookDeliveryAttempt,
  changes: Partial<WebhookDeliveryAttempt>,
): WebhookDeliveryAttempt => Object.assign(new WebhookDeliveryAttempt(), attempt, changes);

/** The attempt after a try that resolved it (the engine lets go of the lease with the result). */
export function resolvedFixture(
  attempt: WebhookDeliveryAttempt,
  status: 'successful' | 'failed',
  at = T0 + 1,
): WebhookDeliveryAttempt {
  const statusCode = status === 'successful' ? 200 : 500;
  const message = status === 'successful' ? '200 OK' : '500 Internal Server Error';
  return withChanges(attempt, {
    status,
    message,
    response: {
      statusCode,
      reason: message.slice(4),
      headers: { 'content-type': 'text/plain' },
      body: 'ü "ok"',
      truncated: false,
      elapsedMs: 12.5,
    },
    tries: [
      ...attempt.tries,
      {
        number: attempt.attemptCount + 1,
        trigger: 'scheduled',
        at: new Date(at).toISOString(),
        statusCode,
        message,
        elapsedMs: 12.5,
      },
    ],
    attemptCount: attempt.attemptCount + 1,
    nextAttemptAt: null,
    nextTrigger: null,
    leaseOwner: null,
    leaseUntil: null,
    resolvedAt: new Date(at),
  });
}

/** The attempt after a failed try with a retry scheduled at `next`: still pending, held by nobody. */
export const retryingFixture = (attempt: WebhookDeliveryAttempt, next: number): WebhookDeliveryAttempt =>
  withChanges(resolvedFixture(attempt, 'failed'), {
    status: 'pending',
    nextAttemptAt: new Date(next),
    resolvedAt: null,
  });

/** Inserts subscriptions built from `overrides` (one each) and returns them. */
export async function subscribed(
  harness: WebhookStoreHarness,
  ...overrides: Array<Partial<WebhookSubscriptionFields>>
): Promise<WebhookSubscription[]> {
  const subscriptions = overrides.map((fields) => subscriptionFixture(fields));
  await harness.subscriptions.insert(subscriptions);
  return subscriptions;
}

/** Writes attempts outside any transaction; resolves with the rows written. */
export const write = (store: WebhookAttemptStore, rows: readonly WebhookDeliveryAttempt[], ignoreDuplicates = false) =>
  store.insert(rows, { ignoreDuplicates, onCommit: () => undefined });

/** Resolves attempts held by `token` one by one, in the order given. */
export async function resolveAll(
  store: WebhookAttemptStore,
  attempts: readonly WebhookDeliveryAttempt[],
  status: 'successful' | 'failed',
  token: string,
) {
  for (const attempt of attempts) {
    const { written } = await store.recordResults(
      [{ attempt: resolvedFixture(attempt, status), leaseToken: token }],
      1_000,
    );
    if (!written.has(attempt.id))
      throw new Error(`The result of attempt ${attempt.id} was not written under its lease ${token}.`);
  }
}
