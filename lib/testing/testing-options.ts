import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { invalidTestingOptionMessage, unknownTestingOptionMessage } from './testing.messages';
import {
  type ResolvedWebhooksTestingOptions,
  WEBHOOKS_TESTING_DEFAULTS,
  type WebhooksTestingOptions,
} from './testing-options.interface';

const KNOWN = Object.keys(WEBHOOKS_TESTING_DEFAULTS);

/** Validates the kit's options and applies the defaults. */
export function resolveTestingOptions(
  options: WebhooksTestingOptions | undefined,
  prefix = 'testing',
): ResolvedWebhooksTestingOptions {
  const raw = options ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(prefix, 'an object', raw);
  for (const key of Object.keys(raw)) {
    if (!KNOWN.includes(key)) {
      throw new WebhooksConfigurationError(unknownTestingOptionMessage(`${prefix}.${key}`, KNOWN), `${prefix}.${key}`);
    }
  }
  const deferred = raw.deferred ?? WEBHOOKS_TESTING_DEFAULTS.deferred;
  if (typeof deferred !== 'boolean') fail(`${prefix}.deferred`, 'true or false', deferred);
  const waitTimeout = raw.waitTimeout ?? WEBHOOKS_TESTING_DEFAULTS.waitTimeout;
  assertTimeout(waitTimeout, `${prefix}.waitTimeout`);
  return { defaultResponse: raw.defaultResponse ?? WEBHOOKS_TESTING_DEFAULTS.defaultResponse, deferred, waitTimeout };
}

/** @throws WebhooksConfigurationError naming `option` when `value` is not a usable deadline. */
function assertTimeout(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000) {
    fail(option, 'a whole number of milliseconds from 0 to 3600000', value);
  }
}

function fail(option: string, expected: string, actual: unknown): never {
  throw new WebhooksConfigurationError(invalidTestingOptionMessage(option, expected, actual), option);
}
