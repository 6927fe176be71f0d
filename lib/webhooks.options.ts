import { WebhooksConfigurationError } from './errors/webhooks.errors';
import { invalidOptionMessage, unknownOptionMessage } from './errors/webhooks.messages';
import type { StaticSubscriptionOptions } from './interfaces/static-subscription.interface';
import type { WebhookClock, WebhooksModuleOptions } from './interfaces/webhooks-module-options.interface';
import { WebhookValidationError } from './errors/webhooks.errors';
import { normalizeEventPatterns } from './registry/event-pattern';
import { assertScope } from './scope/scope-path';
import { ROOT_SCOPE, WEBHOOKS_OWN_DATA_SOURCE_NAME } from './webhooks.constants';
import { assertTargetUrl } from './subscriptions/target-url';

/** The options with every default applied: what the module's services read. */
export interface ResolvedWebhooksOptions {
  isGlobal: boolean;
  dataSource: string;
  subscriptions: NormalizedStaticSubscription[];
  attemptLimit: number;
  targets: { allowHttp: boolean };
  registry: { syncInterval: number; changeRetention: number };
  clock: WebhookClock;
}

/** A static subscription after validation. */
export interface NormalizedStaticSubscription {
  to: string;
  events: string[];
  scope: string;
  owner: string | null;
  permission: string | null;
  dialect: string;
  description: string | null;
  persistent: boolean;
}

/** The documented defaults. */
export const WEBHOOKS_DEFAULTS = {
  isGlobal: true,
  dataSource: 'default',
  attemptLimit: 50,
  allowHttp: false,
  syncInterval: 0,
  changeRetention: 3_600_000,
} as const;

const systemClock: WebhookClock = { now: () => Date.now() };

const KNOWN: Record<string, readonly string[]> = {
  '': ['isGlobal', 'dataSource', 'database', 'subscriptions', 'attemptLimit', 'targets', 'registry', 'clock'],
  targets: ['allowHttp'],
  registry: ['syncInterval', 'changeRetention'],
  'subscriptions[]': ['to', 'events', 'scope', 'owner', 'permission', 'dialect', 'description', 'persistent'],
};

/** Validates the options given to `forRoot`/`forRootAsync` and applies the defaults. */
export function resolveWebhooksOptions(options: WebhooksModuleOptions | undefined): ResolvedWebhooksOptions {
  const raw = options ?? {};
  object('', raw);
  const targets = object('targets', raw.targets ?? {});
  const registry = object('registry', raw.registry ?? {});
  const allowHttp = bool('targets.allowHttp', targets.allowHttp, WEBHOOKS_DEFAULTS.allowHttp);

  if (raw.clock !== undefined && (typeof raw.clock !== 'object' || typeof raw.clock?.now !== 'function')) {
    fail('clock', 'an object with a now() method returning epoch milliseconds', raw.clock);
  }
  if (raw.database !== undefined && (typeof raw.database !== 'object' || raw.database === null || !('type' in raw.database))) {
    fail('database', 'TypeORM DataSourceOptions with a "type"', raw.database);
  }
  if (raw.subscriptions !== undefined && !Array.isArray(raw.subscriptions)) {
    fail('subscriptions', 'a list of static subscriptions', raw.subscriptions);
  }

  return {
    isGlobal: bool('isGlobal', raw.isGlobal, WEBHOOKS_DEFAULTS.isGlobal),
    dataSource: raw.database ? WEBHOOKS_OWN_DATA_SOURCE_NAME : string('dataSource', raw.dataSource, WEBHOOKS_DEFAULTS.dataSource),
    subscriptions: (raw.subscriptions ?? []).map((entry, index) => staticSubscription(entry, index, allowHttp)),
    attemptLimit: integer('attemptLimit', raw.attemptLimit, WEBHOOKS_DEFAULTS.attemptLimit, 1, 100_000),
    targets: { allowHttp },
    registry: {
      syncInterval: integer('registry.syncInterval', registry.syncInterval, WEBHOOKS_DEFAULTS.syncInterval, 0, 86_400_000),
      changeRetention: integer(
        'registry.changeRetention',
        registry.changeRetention,
        WEBHOOKS_DEFAULTS.changeRetention,
        60_000,
        30 * 86_400_000,
      ),
    },
    clock: raw.clock ?? systemClock,
  };
}

function staticSubscription(entry: StaticSubscriptionOptions, index: number, allowHttp: boolean): NormalizedStaticSubscription {
  const path = `subscriptions[${index}]`;
  object(path, entry, 'subscriptions[]');
  try {
    return {
      to: assertTargetUrl(entry.to, { allowHttp }, `${path}.to`),
      events: normalizeEventPatterns(entry.events ?? '*', `${path}.events`),
      scope: assertScope(entry.scope ?? ROOT_SCOPE, `${path}.scope`),
      owner: optionalString(`${path}.owner`, entry.owner),
      permission: optionalString(`${path}.permission`, entry.permission),
      dialect: string(`${path}.dialect`, entry.dialect, 'default'),
      description: optionalString(`${path}.description`, entry.description),
      persistent: bool(`${path}.persistent`, entry.persistent, false),
    };
  } catch (error) {
    if (error instanceof WebhookValidationError) {
      throw new WebhooksConfigurationError(`WebhooksModule: option "${error.field}" ${error.reason}.`, error.field);
    }
    throw error;
  }
}

function fail(option: string, expected: string, actual: unknown): never {
  throw new WebhooksConfigurationError(invalidOptionMessage(option, expected, actual), option);
}

function object(option: string, value: unknown, knownKey = option): Record<string, any> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(option || 'options', 'an object', value);
  }
  const known = KNOWN[knownKey];
  if (known) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        const name = option ? `${option}.${key}` : key;
        throw new WebhooksConfigurationError(unknownOptionMessage(name, known), name);
      }
    }
  }
  return value as Record<string, any>;
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'true or false', value);
  return value;
}

function string(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a non-empty string', value);
  return value;
}

function optionalString(option: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'a non-empty string', value);
  return value;
}

function integer(option: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(option, `a whole number from ${min} to ${max}`, value);
  }
  return value;
}
