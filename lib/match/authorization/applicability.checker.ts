import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { WebhookValidationError } from '../../core/errors/webhooks.errors';
import { WEBHOOKS_MODULE_OPTIONS } from '../../core/webhooks.constants';
import type { ResolvedWebhooksOptions } from '../../options/webhooks-options.resolver';
import {
  authorizerFailedLog,
  initiatorNotFoundLog,
  initiatorUnreadableLog,
  invalidInitiatorMessage,
  ownerNotFoundReason,
  ownersNotCheckedLog,
  unknownPermissionReason,
} from '../../core/messages/authorization.messages';
import { resolveWebhookAuthorizer } from './authorizer.resolver';
import { WebhookOutcomeBus } from '../../pipeline/outcome.bus';
import type { WebhookAuthorizationContext, WebhookAuthorizer } from '../../options/webhook-authorizer.interface';
import { WebhookUnknownPermissionError } from '../../core/errors/webhook-unknown-permission.error';

/** What the dispatcher knows about the event whose subscriptions are checked. */
export interface ApplicabilityInput {
  event: string;
  scope: string;
  /** The payload as raised (never the shaped one: permissions are about the application's object). */
  payload: unknown;
  /** `dispatch(…, { initiator })`: an id, `null` for nobody, `undefined` to ask the authorizer. */
  initiator: string | null | undefined;
  resource?: string;
}

/** Validates `dispatch(…, { initiator })`. */
export function assertInitiator(initiator: unknown): string | null | undefined {
  if (initiator === undefined || initiator === null) return initiator;
  if (typeof initiator !== 'string' || initiator.trim() === '' || initiator.length > 255) {
    throw new WebhookValidationError('initiator', invalidInitiatorMessage());
  }
  return initiator;
}

type Verdict = { kind: 'allowed' } | { kind: 'denied' } | { kind: 'precondition'; reason: string };

const ALLOWED: Verdict = { kind: 'allowed' };
const DENIED: Verdict = { kind: 'denied' };

/**
 * Decides which of the subscriptions an event reached are applicable, before any attempt is written: one
 * without an owner always is; one with an owner is when the application's {@link WebhookAuthorizer} allows
 * the owner — and the initiator of the action, when there is one — to see the payload under the
 * subscription's permission. A missing owner or permission is a precondition failure, counted by
 * a reaction (the precondition failure counter) from the outcome this reports.
 *
 * Without an authorizer nothing is checked and nothing is spent: owners are then labels (for
 * `deleteForOwner` and the admin API), and a warning says so once.
 */
@Injectable()
export class ApplicabilityChecker implements OnModuleInit {
  private readonly logger = new Logger('WebhookAuthorization');
  private authorizer: WebhookAuthorizer | undefined;
  private warnedUnchecked = false;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly outcomes: WebhookOutcomeBus,
    @Inject(WEBHOOKS_MODULE_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    // Every provider of the application exists by now, so one given by class or token can be found.
    this.authorizer = await resolveWebhookAuthorizer(this.options.authorization.authorizer, this.moduleRef);
  }

  /** Whether owners and permissions are checked (an authorizer is configured). */
  get enabled(): boolean {
    return this.authorizer !== undefined;
  }

  /**
   * The applicable subscriptions among `subscriptions`, in the same order. Records precondition failures;
   * never throws for a subscription (a failing authorizer only keeps the event from it).
   */
  async filter(
    subscriptions: readonly WebhookSubscription[],
    input: ApplicabilityInput,
  ): Promise<readonly WebhookSubscription[]> {
    const authorizer = this.authorizer;
    if (!authorizer) {
      if (!this.warnedUnchecked) this.warnIfOwned(subscriptions);
      return subscriptions;
    }
    let session: AuthorizationSession | undefined;
    const applicable: WebhookSubscription[] = [];
    for (const subscription of subscriptions) {
      if (subscription.owner === null) {
        applicable.push(subscription);
        continue;
      }
      session ??= new AuthorizationSession(
        authorizer,
        input,
        this.options.authorization.defaultPermission,
        this.logger,
      );
      const verdict = await session.check(subscription);
      if (verdict.kind === 'allowed') applicable.push(subscription);
      else if (verdict.kind === 'precondition')
        this.outcomes.emit('preconditionFailed', { subscriptionId: subscription.id, reason: verdict.reason });
    }
    return applicable;
  }

  private warnIfOwned(subscriptions: readonly WebhookSubscription[]): void {
    const owned = subscriptions.find((subscription) => subscription.owner !== null);
    if (!owned) return;
    this.warnedUnchecked = true;
    this.logger.warn(ownersNotCheckedLog(owned.id));
  }
}

/**
 * The checks of one dispatch: every answer of the authorizer is remembered, so that a fan-out to many
 * subscriptions asks about each principal, permission and decision once.
 */
class AuthorizationSession {
  private readonly context: WebhookAuthorizationContext;
  private readonly principals = new Map<string, Promise<unknown>>();
  private readonly decisions = new Map<string, Promise<boolean>>();
  private readonly known = new Map<string, Promise<boolean>>();
  /** The initiator's id; `null` for nobody; `false` when the ambient one could not be read (denies). */
  private readonly initiator: string | null | false;
  private initiatorLogged = false;

  constructor(
    private readonly authorizer: WebhookAuthorizer,
    private readonly input: ApplicabilityInput,
    private readonly defaultPermission: string,
    private readonly logger: Logger,
  ) {
    this.context = {
      event: input.event,
      scope: input.scope,
      ...(input.resource !== undefined ? { resource: input.resource } : {}),
    };
    this.initiator = input.initiator !== undefined ? input.initiator : this.ambientInitiator();
  }

  async check(subscription: WebhookSubscription): Promise<Verdict> {
    const permission = subscription.permission ?? this.defaultPermission;
    try {
      if (this.authorizer.knowsPermission && !(await this.knows(permission))) {
        return { kind: 'precondition', reason: unknownPermissionReason(permission) };
      }
      const owner = await this.principal(subscription.owner!);
      if (owner === null || owner === undefined) {
        return { kind: 'precondition', reason: ownerNotFoundReason(subscription.owner!, this.input.scope) };
      }
      if (!(await this.allowed(subscription.owner!, owner, permission))) return DENIED;
      if (this.initiator === null) return ALLOWED;
      if (this.initiator === false) return DENIED;
      // The one who acted must be allowed too: an action may not send a payload its author could not read.
      const initiator = await this.principal(this.initiator);
      if (initiator === null || initiator === undefined) {
        if (!this.initiatorLogged) this.logger.warn(initiatorNotFoundLog(this.initiator, this.input.event));
        this.initiatorLogged = true;
        return DENIED;
      }
      return (await this.allowed(this.initiator, initiator, permission)) ? ALLOWED : DENIED;
    } catch (error) {
      if (error instanceof WebhookUnknownPermissionError) {
        return { kind: 'precondition', reason: unknownPermissionReason(error.permission) };
      }
      this.logger.error(
        authorizerFailedLog(subscription.id, this.input.event, (error as Error)?.message ?? String(error)),
      );
      return DENIED;
    }
  }

  private principal(id: string): Promise<unknown> {
    let found = this.principals.get(id);
    if (!found) this.principals.set(id, (found = call(() => this.authorizer.findPrincipal(id, this.context))));
    return found;
  }

  private allowed(principalId: string, principal: unknown, permission: string): Promise<boolean> {
    const key = `${principalId}\u0000${permission}`;
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = call(() => this.authorizer.isAllowed(principal, permission, this.input.payload, this.context)).then(
        (answer) => answer === true,
      );
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private knows(permission: string): Promise<boolean> {
    let known = this.known.get(permission);
    if (!known) {
      known = call(() => this.authorizer.knowsPermission!(permission, this.context)).then((answer) => answer === true);
      this.known.set(permission, known);
    }
    return known;
  }

  /**
   * The authorizer's ambient initiator. Numbers are taken as ids; a throw or anything else is a mistake,
   * treated as an initiator nobody can find (owned subscriptions are denied) rather than as nobody.
   */
  private ambientInitiator(): string | null | false {
    let value: unknown;
    try {
      value = this.authorizer.initiator?.();
    } catch (error) {
      this.logger.error(initiatorUnreadableLog(this.input.event, (error as Error)?.message ?? String(error)));
      return false;
    }
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string' && value !== '') return value;
    this.logger.error(initiatorUnreadableLog(this.input.event, `it returned ${typeof value}, not a principal id`));
    return false;
  }
}

/** Runs an authorizer method, turning a synchronous throw into a rejection. */
async function call<T>(fn: () => T | Promise<T>): Promise<T> {
  return await fn();
}
