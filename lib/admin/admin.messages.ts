/** The messages of the admin API: configuration mistakes say how to fix them; 400 reasons follow the field name. */

export const adminPeersMissingMessage = (missing: readonly string[]): string =>
  `WebhooksModule: option "admin" needs ${missing.join(' and ')} (optional peer dependencies of nestjs-webhooks, ` +
  `used to validate the admin API's input). Install ${missing.length > 1 ? 'them' : 'it'}: npm install ${missing.join(' ')}`;

export const adminGuardsRequiredMessage = (): string =>
  `WebhooksModule: option "admin.guards" must list at least one guard (a class or an instance implementing ` +
  `CanActivate) that authenticates the caller, e.g. admin: { guards: [AuthGuard('jwt')], ... }. The admin API is ` +
  `never served without one, so that it cannot be left open by accident.`;

export const adminGuardInvalidMessage = (index: number): string =>
  `WebhooksModule: option "admin.guards[${index}]" must be a guard class or an object with a canActivate() method.`;

export const adminPrincipalRequiredMessage = (): string =>
  `WebhooksModule: option "admin.principal" must be a function (request) => ({ id, isAdmin, scope? }) | null that ` +
  `says who is calling, e.g. (req) => req.user && { id: req.user.id, isAdmin: req.user.roles.includes('admin') }. ` +
  `Subscriptions are owned by principals, and non-admins see only their own.`;

export const adminPathInvalidMessage = (path: unknown): string =>
  `WebhooksModule: option "admin.path" must be a route prefix such as "webhooks" or "api/webhooks" ` +
  `(letters, digits and . _ ~ - in segments separated by "/"; no route parameters), got ${JSON.stringify(path)}.`;

export const adminOptionsAsyncMessage = (): string =>
  `WebhooksModule: option "admin" shapes the module's routes and must be known before any provider runs. ` +
  `Pass it to forRootAsync({ admin, useFactory }) next to useFactory, not in the options the factory returns.`;

export const invalidPrincipalMessage = (problem: string): string =>
  `WebhooksModule: admin.principal(request) returned ${problem}. Return { id: string, isAdmin: boolean, ` +
  `scope?: "/scope/path" }, or null for an unauthenticated request.`;

export const unauthenticatedMessage = (): string => 'No principal: sign in to use the webhooks admin API.';

export const adminOnlyReason = (): string => 'can only be set by an administrator';

export const outsideScopeReason = (scope: string): string =>
  `must be "${scope}" or a scope beneath it (the scope you act in)`;

export const replayNeedsSubscriptionReason = (): string =>
  'is required unless you are an administrator of every scope (replay one subscription at a time)';

export const notKnownFieldReason = (): string => 'is not a known field';

export const bodyNotObjectReason = (): string => 'must be a JSON object';

export const nestedTooDeeplyReason = (max: number): string =>
  `must not nest objects or arrays more than ${max} levels deep`;

export const internalErrorMessage = (): string => 'Internal server error';

export const textReason = (max: number): string => `must be a string of at most ${max} characters`;

export const nullableTextReason = (max: number): string => `must be a string of at most ${max} characters, or null`;

export const eventListReason = (max: number, itemMax: number): string =>
  `must be a list of 1 to ${max} event patterns (strings of at most ${itemMax} characters), e.g. ["contact.create"]`;

export const jsonObjectReason = (): string => 'must be a JSON object, or null';

export const booleanReason = (): string => 'must be true or false';

export const wholeNumberReason = (min: number, max: number): string => `must be a whole number from ${min} to ${max}`;

export const isoDateReason = (): string => 'must be an ISO 8601 date-time, e.g. "2025-01-31T12:00:00Z"';

export const oneOfReason = (values: readonly string[]): string => `must be one of ${values.join(', ')}`;
