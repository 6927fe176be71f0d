import type { Type } from '@nestjs/common';
import { WebhooksConfigurationError } from '../core/errors/webhooks.errors';
import { unknownOptionMessage } from '../core/errors/webhooks.messages';
import { fail } from './option-values.validation';
import { assertScope } from '../core/scopes/scope-path.util';
import { authorizerNotUsableMessage } from '../core/messages/authorization.messages';
import type { WebhookAuthorizer } from './webhook-authorizer.interface';

/** Who a `principalRemovedEvent` is about: the principal's id, and the scope it belonged to when known. */
export interface RemovedWebhookPrincipal {
  /** The principal id (what subscriptions hold as `owner`). */
  id: string;
  /**
   * The scope the principal belonged to: only subscriptions in this scope and its ancestors (and in the
   * ambient scope's lineage) are deleted — where that principal could have created them — and a
   * same-named principal of a sibling tenant keeps its own. Without it, the owner's subscriptions are
   * deleted in every scope.
   */
  scope?: string;
}

/** Owner and permission checks of deliveries (see docs/security.md), and clean-up when owners go. */
export interface WebhookAuthorizationOptions {
  /**
   * Decides whether a subscription's owner (and the initiator of the action) may see an event. An instance,
   * or a class: the module uses the application's provider of that class when there is one, and otherwise
   * instantiates it with its dependencies. A provider of the `WEBHOOK_AUTHORIZER` token is used when this
   * is not given. Without any authorizer owners are not checked (see docs/security.md).
   * @default undefined
   */
  authorizer?: WebhookAuthorizer | Type<WebhookAuthorizer>;
  /**
   * The permission checked for subscriptions that name none.
   * @default 'view'
   */
  defaultPermission?: string;
  /**
   * Precondition failures (owner not found, permission or dialect unknown) after which a subscription is
   * deactivated with "Delivery suspended due to too many precondition failures.". Activating it resets
   * the count.
   * @default 50
   */
  preconditionFailureLimit?: number;
  /**
   * Event(s) of `@nestjs/event-emitter` (the application's `EventEmitter2`, or the `WEBHOOKS_EVENT_EMITTER`
   * token's) announcing that a principal was removed: its subscriptions are then deleted with
   * `WebhookSubscriptions.deleteForOwner`. E.g. `'user.deleted'`.
   * @default undefined
   */
  principalRemovedEvent?: string | string[];
  /**
   * Reads the removed principal from the event's payload.
   * @default the payload when it is a string, else its `id` (and `scope`) properties
   */
  removedPrincipal?: (payload: unknown) => string | RemovedWebhookPrincipal | null | undefined;
}

/** The authorization options with defaults applied. */
export interface ResolvedAuthorizationOptions {
  authorizer: WebhookAuthorizer | Type<WebhookAuthorizer> | undefined;
  defaultPermission: string;
  preconditionFailureLimit: number;
  principalRemovedEvents: string[];
  removedPrincipal: (payload: unknown) => RemovedWebhookPrincipal | null;
}

/** The documented defaults of {@link WebhookAuthorizationOptions}. */
const WEBHOOK_AUTHORIZATION_DEFAULTS = {
  defaultPermission: 'view',
  preconditionFailureLimit: 50,
} as const;

const KNOWN = [
  'authorizer',
  'defaultPermission',
  'preconditionFailureLimit',
  'principalRemovedEvent',
  'removedPrincipal',
];

/** Validates `forRoot({ authorization })` and applies the defaults; errors name the option. */
export function resolveAuthorizationOptions(raw: unknown): ResolvedAuthorizationOptions {
  const options = (raw ?? {}) as WebhookAuthorizationOptions;
  if (typeof options !== 'object' || Array.isArray(options)) fail('authorization', 'an object', raw);
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new WebhooksConfigurationError(unknownOptionMessage(`authorization.${key}`, KNOWN), `authorization.${key}`);
    }
  }
  const { authorizer, defaultPermission, preconditionFailureLimit, principalRemovedEvent, removedPrincipal } = options;
  if (authorizer !== undefined && typeof authorizer !== 'function') {
    if (typeof authorizer !== 'object' || authorizer === null) {
      throw new WebhooksConfigurationError(
        authorizerNotUsableMessage('a WebhookAuthorizer instance or class', authorizer),
        'authorization.authorizer',
      );
    }
    const missing = (['findPrincipal', 'isAllowed'] as const).filter((m) => typeof authorizer[m] !== 'function');
    if (missing.length > 0) {
      throw new WebhooksConfigurationError(
        authorizerNotUsableMessage(`an object with ${missing.join(' and ')} methods (a WebhookAuthorizer)`, authorizer),
        'authorization.authorizer',
      );
    }
  }
  if (
    defaultPermission !== undefined &&
    (typeof defaultPermission !== 'string' || defaultPermission.trim() === '' || defaultPermission.length > 255)
  ) {
    fail('authorization.defaultPermission', 'a non-empty string of at most 255 characters', defaultPermission);
  }
  const limit = preconditionFailureLimit ?? WEBHOOK_AUTHORIZATION_DEFAULTS.preconditionFailureLimit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100_000) {
    fail('authorization.preconditionFailureLimit', 'a whole number from 1 to 100000', limit);
  }
  const events =
    principalRemovedEvent === undefined
      ? []
      : Array.isArray(principalRemovedEvent)
        ? principalRemovedEvent
        : [principalRemovedEvent];
  events.forEach((event, index) => {
    const option = Array.isArray(principalRemovedEvent)
      ? `authorization.principalRemovedEvent[${index}]`
      : 'authorization.principalRemovedEvent';
    if (typeof event !== 'string' || event.trim() === '' || event.length > 255)
      fail(option, 'an event name such as "user.deleted"', event);
  });
  if (removedPrincipal !== undefined && typeof removedPrincipal !== 'function') {
    fail('authorization.removedPrincipal', 'a function (payload) => principal id or { id, scope }', removedPrincipal);
  }
  return {
    authorizer,
    defaultPermission: defaultPermission ?? WEBHOOK_AUTHORIZATION_DEFAULTS.defaultPermission,
    preconditionFailureLimit: limit,
    principalRemovedEvents: events,
    removedPrincipal: (payload) => readRemovedPrincipal(removedPrincipal ? removedPrincipal(payload) : payload),
  };
}

/** A removed principal from what the extractor (or the event itself) gave: a non-empty id, and a valid scope if any. */
function readRemovedPrincipal(value: unknown): RemovedWebhookPrincipal | null {
  if (typeof value === 'string') return value.trim() === '' ? null : { id: value };
  if (typeof value !== 'object' || value === null) return null;
  const { id, scope } = value as { id?: unknown; scope?: unknown };
  const principalId = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
  if (typeof principalId !== 'string' || principalId.trim() === '') return null;
  if (scope === undefined || scope === null) return { id: principalId };
  return { id: principalId, scope: assertScope(scope, 'scope') };
}
