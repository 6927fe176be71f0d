import { describe } from '../errors/webhooks.messages';

export const unknownPermissionMessage = (permission: string): string =>
  `The permission "${permission}" is not defined. Define it in the application's WebhookAuthorizer, or change the ` +
  `subscription's permission (or authorization.defaultPermission) to one it knows.`;

export const ownerNotFoundReason = (owner: string, scope: string): string =>
  `its owner "${owner}" was not found for scope "${scope}" (the authorizer's findPrincipal returned nothing); ` +
  'delete the subscription (deleteForOwner) when its owner is removed';

export const unknownPermissionReason = (permission: string): string =>
  `its permission "${permission}" is not defined; change the subscription's permission or define it in the authorizer`;

export const unknownDialectReason = (dialect: string): string =>
  `its dialect "${dialect}" is not registered; register the dialect again or change the subscription's dialect`;

export const preconditionFailedLog = (id: string, reason: string, failures: string): string =>
  `Webhook subscription ${id} was skipped: ${reason} (${failures}).`;

export const preconditionLimitLog = (id: string, failures: number): string =>
  `Webhook subscription ${id} was deactivated after ${failures} precondition failures; fix it and activate it again.`;

export const preconditionCountFailedLog = (count: number, reason: string): string =>
  `Could not count ${count} webhook precondition failures: ${reason}`;

export const authorizerFailedLog = (id: string, event: string, reason: string): string =>
  `The webhook authorizer failed while checking subscription ${id} for event "${event}"; the event is not sent to it: ${reason}`;

export const initiatorNotFoundLog = (initiator: string, event: string): string =>
  `The initiator "${initiator}" of event "${event}" was not found by the webhook authorizer; the event is sent only to ` +
  'subscriptions without an owner.';

export const initiatorUnreadableLog = (event: string, reason: string): string =>
  `The webhook authorizer's initiator() failed for event "${event}", so the initiator is unknown and the event is sent ` +
  `only to subscriptions without an owner: ${reason}`;

export const ownersNotCheckedLog = (id: string): string =>
  `Webhook subscription ${id} has an owner, but no WebhookAuthorizer is configured, so owners and permissions are not ` +
  'checked: every subscription receives every event of its scopes. Provide forRoot({ authorization: { authorizer } }) ' +
  'to check them (this is logged once).';

export const invalidInitiatorMessage = (): string => 'must be a principal id (a non-empty string), or null for none';

export const authorizerNotUsableMessage = (what: string, actual: unknown): string =>
  `WebhooksModule: option "authorization.authorizer" must be ${what} (got ${describe(actual)}).`;

export const authorizerMissingMethodsMessage = (name: string, missing: string[]): string =>
  `WebhooksModule: the webhook authorizer ${name} has no ${missing.join(' or ')} method; implement WebhookAuthorizer.`;

export const authorizerUnresolvableMessage = (name: string, reason: string): string =>
  `WebhooksModule: could not create the webhook authorizer ${name}: ${reason}. Register it as a provider of a module ` +
  'the application imports (it is then looked up), or make its dependencies available to WebhooksModule.';

export const removedPrincipalUnreadableLog = (event: string, payload: unknown): string =>
  `The event "${event}" (authorization.principalRemovedEvent) carried ${describe(payload)}, from which no principal id ` +
  'could be read; nothing was deleted. Emit the id, an object with an "id", or set authorization.removedPrincipal.';

export const removedPrincipalFailedLog = (owner: string, reason: string): string =>
  `Could not delete the webhook subscriptions of the removed principal "${owner}": ${reason}`;
