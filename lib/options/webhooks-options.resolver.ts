import type { EntityManager } from 'typeorm';
import { WebhooksConfigurationError, WebhookValidationError } from '../core/errors/webhooks.errors';
import { normalizeEventPatterns } from '../core/events/event-pattern.util';
import { resolveRetryOptions, type ResolvedRetryOptions } from '../core/retry/retry.policy';
import { DESTINATION_GUARD_DEFAULTS, resolveTargetOptions } from '../core/security/target.options';
import { WEBHOOKS_OWN_DATA_SOURCE_NAME } from '../core/webhooks.constants';
import { resolveAuthorizationOptions, type ResolvedAuthorizationOptions } from './authorization.options';
import { validateDialectOptions } from './dialect-definition.validation';
import type { WebhookEventTypeDefinition } from './event-type.interface';
import { resolveEventTypes } from './event-types.options';
import { type ResolvedOperationsOptions, resolveOperationsOptions } from './operations.options';
import { bool, fail, integer, object, oneOf, string } from './option-values.validation';
import { type ResolvedWebhookSecretsOptions, resolveSecretsOptions } from './signing.options';
import { type NormalizedStaticSubscription, normalizeStaticSubscriptions } from './static-subscription.options';
import { WebhookTransport } from './webhook-transport.interface';
import type { WebhookBreakerRules } from '../core/limits/circuit-breaker';
import type {
  WebhookBreakerOptions,
  WebhookClock,
  WebhookDeliveryOptions,
  WebhooksModuleOptions,
  WebhookTargetOptions,
} from './webhooks-module-options.interface';

/** The options with every default applied: what the module's services read. */
export interface ResolvedWebhooksOptions {
  isGlobal: boolean;
  storage: 'typeorm' | 'memory';
  dataSource: string;
  subscriptions: NormalizedStaticSubscription[];
  attemptLimit: number;
  /** Retention by age: `maxAge` null when off. */
  history: { maxAge: number | null; interval: number; batchSize: number };
  targets: Required<
    Pick<WebhookTargetOptions, 'allowHttp' | 'allowPrivateNetworks' | 'allowedCidrs' | 'lookupTimeout'>
  > &
    Pick<WebhookTargetOptions, 'resolver'>;
  registry: { syncInterval: number; changeRetention: number };
  delivery: Required<WebhookDeliveryOptions>;
  transactionManager: (() => EntityManager | undefined) | undefined;
  eventEmitter: string[];
  clock: WebhookClock;
  authorization: ResolvedAuthorizationOptions;
  maxPayloadBytes: number;
  eventTypes: WebhookEventTypeDefinition[];
  strictEventTypes: boolean;
  /** Whether payloads of event types with a schema are checked when raised (unless the type says otherwise). */
  payloadValidation: 'off' | 'strict';
  /** Signing secrets: the cipher for stored secrets, the rotation overlap, the kind generated. */
  secrets: ResolvedWebhookSecretsOptions;
  /** The module's retry policy and throttling rules. */
  retry: ResolvedRetryOptions;
  /** Metrics, traces, backlog thresholds, operational events. */
  operations: ResolvedOperationsOptions;
  /** The circuit breakers' rules; `null`: no breaker. */
  breaker: WebhookBreakerRules | null;
}

/** The documented defaults. */
export const WEBHOOKS_DEFAULTS = {
  isGlobal: true,
  storage: 'typeorm',
  dataSource: 'default',
  attemptLimit: 50,
  history: { maxAge: null, interval: 60_000, batchSize: 500 },
  allowHttp: false,
  syncInterval: 0,
  changeRetention: 3_600_000,
  maxPayloadBytes: 262_144,
  strictEventTypes: false,
  payloadValidation: 'off',
  delivery: {
    enabled: true,
    concurrency: 64,
    pollInterval: 1000,
    batchSize: 100,
    leaseDuration: 60_000,
    timeout: 15_000,
    connectTimeout: 5_000,
    maxResponseBodyBytes: 8192,
    shutdownTimeout: 10_000,
    transport: 'undici',
    orderedFailure: 'skip',
  },
} as const;

const systemClock: WebhookClock = { now: () => Date.now() };

const WEBHOOKS_DEFAULTS_DELIVERY = WEBHOOKS_DEFAULTS.delivery;

const KNOWN = {
  '': [
    'isGlobal',
    'storage',
    'dataSource',
    'database',
    'subscriptions',
    'attemptLimit',
    'history',
    'targets',
    'registry',
    'delivery',
    'transactionManager',
    'eventEmitter',
    'clock',
    'dialects',
    'payloadShapers',
    'authorization',
    'maxPayloadBytes',
    'admin',
    'eventTypes',
    'strictEventTypes',
    'payloadValidation',
    'secrets',
    'retry',
    'operations',
    'breaker',
  ],
  delivery: Object.keys(WEBHOOKS_DEFAULTS_DELIVERY),
  targets: ['allowHttp', 'allowPrivateNetworks', 'allowedCidrs', 'resolver', 'lookupTimeout'],
  registry: ['syncInterval', 'changeRetention'],
  history: ['maxAge', 'interval', 'batchSize'],
} satisfies Record<string, readonly string[]>;

/** Validates the options given to `forRoot`/`forRootAsync` and applies the defaults. */
export function resolveWebhooksOptions(options: WebhooksModuleOptions | undefined): ResolvedWebhooksOptions {
  const raw = options ?? {};
  object('', raw, KNOWN['']);
  const targets = object('targets', raw.targets ?? {}, KNOWN.targets);
  const registry = object('registry', raw.registry ?? {}, KNOWN.registry);
  const delivery = object('delivery', raw.delivery ?? {}, KNOWN.delivery);
  const history = object('history', raw.history ?? {}, KNOWN.history);
  const h = WEBHOOKS_DEFAULTS.history;
  const d = WEBHOOKS_DEFAULTS.delivery;
  if (raw.transactionManager !== undefined && typeof raw.transactionManager !== 'function') {
    fail(
      'transactionManager',
      'a function returning the EntityManager of the transaction in progress',
      raw.transactionManager,
    );
  }
  if (raw.eventEmitter !== undefined && !Array.isArray(raw.eventEmitter)) {
    fail('eventEmitter', 'a list of event patterns such as ["order.*"]', raw.eventEmitter);
  }
  const transport = delivery.transport ?? d.transport;
  if (transport !== 'undici' && transport !== 'axios' && !isTransportInstance(transport)) {
    fail('delivery.transport', '"undici", "axios" or a WebhookTransport instance (with send() and close())', transport);
  }
  const allowHttp = bool('targets.allowHttp', targets.allowHttp, WEBHOOKS_DEFAULTS.allowHttp);
  // The guard validates its own options (CIDRs, resolver, timeout) and names them when they are wrong.
  resolveTargetOptions(targets);
  validateDialectOptions(raw.dialects);

  if (raw.clock !== undefined && (typeof raw.clock !== 'object' || typeof raw.clock?.now !== 'function')) {
    fail('clock', 'an object with a now() method returning epoch milliseconds', raw.clock);
  }
  if (
    raw.database !== undefined &&
    (typeof raw.database !== 'object' || raw.database === null || !('type' in raw.database))
  ) {
    fail('database', 'TypeORM DataSourceOptions with a "type"', raw.database);
  }
  const storage = raw.storage ?? WEBHOOKS_DEFAULTS.storage;
  if (storage !== 'typeorm' && storage !== 'memory') fail('storage', '"typeorm" or "memory"', raw.storage);
  if (storage === 'memory' && raw.database !== undefined)
    fail('database', 'left out with storage "memory" (nothing is stored in a database)', raw.database);
  if (raw.subscriptions !== undefined && !Array.isArray(raw.subscriptions)) {
    fail('subscriptions', 'a list of static subscriptions', raw.subscriptions);
  }

  return {
    isGlobal: bool('isGlobal', raw.isGlobal, WEBHOOKS_DEFAULTS.isGlobal),
    storage,
    dataSource: raw.database
      ? WEBHOOKS_OWN_DATA_SOURCE_NAME
      : string('dataSource', raw.dataSource, WEBHOOKS_DEFAULTS.dataSource),
    subscriptions: normalizeStaticSubscriptions(raw.subscriptions ?? [], allowHttp),
    attemptLimit: integer('attemptLimit', raw.attemptLimit, WEBHOOKS_DEFAULTS.attemptLimit, 1, 100_000),
    history: {
      maxAge:
        history.maxAge === undefined || history.maxAge === null
          ? h.maxAge
          : integer('history.maxAge', history.maxAge, 0, 1_000, 3_650 * 86_400_000),
      interval: integer('history.interval', history.interval, h.interval, 10, 86_400_000),
      batchSize: integer('history.batchSize', history.batchSize, h.batchSize, 1, 10_000),
    },
    targets: {
      allowHttp,
      allowPrivateNetworks: targets.allowPrivateNetworks ?? DESTINATION_GUARD_DEFAULTS.allowPrivateNetworks,
      allowedCidrs: targets.allowedCidrs ?? [],
      lookupTimeout: targets.lookupTimeout ?? DESTINATION_GUARD_DEFAULTS.lookupTimeout,
      resolver: targets.resolver,
    },
    registry: {
      syncInterval: integer(
        'registry.syncInterval',
        registry.syncInterval,
        WEBHOOKS_DEFAULTS.syncInterval,
        0,
        86_400_000,
      ),
      changeRetention: integer(
        'registry.changeRetention',
        registry.changeRetention,
        WEBHOOKS_DEFAULTS.changeRetention,
        60_000,
        30 * 86_400_000,
      ),
    },
    delivery: {
      enabled: bool('delivery.enabled', delivery.enabled, d.enabled),
      concurrency: integer('delivery.concurrency', delivery.concurrency, d.concurrency, 1, 10_000),
      pollInterval: integer('delivery.pollInterval', delivery.pollInterval, d.pollInterval, 10, 3_600_000),
      batchSize: integer('delivery.batchSize', delivery.batchSize, d.batchSize, 1, 10_000),
      leaseDuration: integer('delivery.leaseDuration', delivery.leaseDuration, d.leaseDuration, 1_000, 86_400_000),
      timeout: integer('delivery.timeout', delivery.timeout, d.timeout, 100, 600_000),
      connectTimeout: integer('delivery.connectTimeout', delivery.connectTimeout, d.connectTimeout, 100, 600_000),
      maxResponseBodyBytes: integer(
        'delivery.maxResponseBodyBytes',
        delivery.maxResponseBodyBytes,
        d.maxResponseBodyBytes,
        0,
        10_485_760,
      ),
      shutdownTimeout: integer('delivery.shutdownTimeout', delivery.shutdownTimeout, d.shutdownTimeout, 0, 600_000),
      transport,
      orderedFailure: oneOf('delivery.orderedFailure', delivery.orderedFailure, d.orderedFailure, ['skip', 'block']),
    },
    transactionManager: raw.transactionManager,
    eventEmitter: (raw.eventEmitter ?? []).map((pattern, index) => {
      try {
        return normalizeEventPatterns(pattern, `eventEmitter[${index}]`)[0];
      } catch (error) {
        if (error instanceof WebhookValidationError) fail(error.field, 'an event pattern such as "order.*"', pattern);
        throw error;
      }
    }),
    clock: raw.clock ?? systemClock,
    authorization: resolveAuthorizationOptions(raw.authorization),
    maxPayloadBytes: integer(
      'maxPayloadBytes',
      raw.maxPayloadBytes,
      WEBHOOKS_DEFAULTS.maxPayloadBytes,
      1_024,
      67_108_864,
    ),
    eventTypes: resolveEventTypes(raw.eventTypes),
    strictEventTypes: bool('strictEventTypes', raw.strictEventTypes, WEBHOOKS_DEFAULTS.strictEventTypes),
    payloadValidation: payloadValidation(raw.payloadValidation),
    secrets: resolveSecretsOptions(raw.secrets),
    retry: resolveRetryOptions(raw.retry, (option, reason) => {
      throw new WebhooksConfigurationError(`WebhooksModule: option "${option}" ${reason}.`, option);
    }),
    operations: resolveOperationsOptions(raw.operations),
    breaker: resolveBreaker(raw.breaker, integer('delivery.timeout', delivery.timeout, d.timeout, 100, 600_000)),
  };
}

function payloadValidation(value: unknown): 'off' | 'strict' {
  if (value === undefined) return WEBHOOKS_DEFAULTS.payloadValidation;
  if (value !== 'off' && value !== 'strict') fail('payloadValidation', '"strict" or "off"', value);
  return value;
}

/** A transport of the application's own: a WebhookTransport, or an object implementing it (send and close). */
function isTransportInstance(value: unknown): value is WebhookTransport {
  if (value instanceof WebhookTransport) return true;
  const candidate = value as WebhookTransport | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.send === 'function' &&
    typeof candidate.close === 'function'
  );
}

const BREAKER_KEYS = ['consecutiveFailures', 'failureRatio', 'window', 'minimumTries', 'coolDown'];

/** The breaker's rules (`null` without the option); a probe holds the breaker for a try's time and a margin. */
function resolveBreaker(raw: WebhookBreakerOptions | undefined, tryTimeout: number): WebhookBreakerRules | null {
  if (raw === undefined) return null;
  const options = object('breaker', raw, BREAKER_KEYS);
  const ratio = options.failureRatio;
  if (ratio !== undefined && (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1))) {
    fail('breaker.failureRatio', 'a number greater than 0 and at most 1', ratio);
  }
  return {
    consecutiveFailures: integer('breaker.consecutiveFailures', options.consecutiveFailures, 5, 1, 10_000),
    failureRatio: ratio ?? null,
    window: integer('breaker.window', options.window, 60_000, 1_000, 86_400_000),
    minimumTries: integer('breaker.minimumTries', options.minimumTries, 20, 1, 1_000_000),
    coolDown: integer('breaker.coolDown', options.coolDown, 30_000, 100, 86_400_000),
    probeTimeout: tryTimeout + 5_000,
  };
}
