/**
 * What an authorizer is told about the event being checked. It is the same for every subscription an
 * event reaches, which is why answers are cached for the length of one dispatch.
 */
export interface WebhookAuthorizationContext {
  /** The event name (`contact.create`). */
  event: string;
  /**
   * The scope the event was raised in: principals are looked up here, where the event's data lives (a
   * tenant's users, say). An authorizer may walk up the scope's ancestors to find principals defined
   * higher up (an application-wide administrator).
   */
  scope: string;
  /** The resource type of the payload (`@WebhookResource` or `dispatch(…, { resource })`), when known. */
  resource?: string;
}

/**
 * Decides whether a subscription's owner (and the initiator of the action) may see an event's payload, so
 * that a subscription never receives data its owner could not read through the application itself. The
 * principals and permissions are the application's own; the module only asks. Provide one with `forRoot({ authorization: { authorizer } })` (an instance, or a class the
 * module resolves from the application's providers or instantiates) or as a provider of the
 * {@link WEBHOOK_AUTHORIZER} token.
 *
 * For every subscription with an owner that an event reaches, the module:
 * 1. takes the permission: the subscription's, else `authorization.defaultPermission`;
 * 2. asks {@link knowsPermission} (when implemented); `false` is a precondition failure;
 * 3. resolves the owner with {@link findPrincipal}; `null`/`undefined` is a precondition failure;
 * 4. asks {@link isAllowed} for the owner, then for the initiator (when there is one); both must be allowed.
 *    Throwing {@link WebhookUnknownPermissionError} is a precondition failure.
 *
 * A precondition failure means the subscription is misconfigured: it is counted, and after
 * `authorization.preconditionFailureLimit` of them the subscription is deactivated with "Delivery
 * suspended due to too many precondition failures.". A plain `false` from `isAllowed` is normal: the event
 * is simply not sent to that subscription. Any other error thrown is logged and the event is not sent to
 * that subscription (not counted: it may be a passing outage of the application's user store).
 *
 * Answers are cached per dispatch (principal by id, decision by principal id and permission), so that a
 * fan-out to many subscriptions of the same owner asks once; `isAllowed` must therefore not depend on
 * which subscription is being checked. Methods may return promises.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AppWebhookAuthorizer implements WebhookAuthorizer<User> {
 *   constructor(private readonly users: UsersService, private readonly cls: ClsService) {}
 *
 *   findPrincipal(id: string, { scope }: WebhookAuthorizationContext) {
 *     return this.users.findInTenantOrAbove(id, scope); // null when unknown
 *   }
 *
 *   knowsPermission(permission: string) {
 *     return ['view', 'view-billing'].includes(permission);
 *   }
 *
 *   isAllowed(user: User, permission: string, payload: unknown) {
 *     if (user.roles.includes('admin')) return true;
 *     const resource = payload as { ownerId?: string; tenant?: string };
 *     return permission === 'view' && (resource.ownerId === user.id || resource.tenant === user.tenant);
 *   }
 *
 *   initiator() {
 *     return this.cls.get('userId'); // the logged-in user, when the event is raised in a request
 *   }
 * }
 *
 * WebhooksModule.forRoot({ authorization: { authorizer: AppWebhookAuthorizer } });
 * ```
 */
export interface WebhookAuthorizer<P = unknown> {
  /**
   * The principal named `id` (a subscription's owner, or the initiator), looked up for an event raised in
   * `context.scope`; `null` or `undefined` when there is none.
   */
  findPrincipal(id: string, context: WebhookAuthorizationContext): P | null | undefined | Promise<P | null | undefined>;

  /**
   * Whether `principal` may see `payload` (the event's payload as raised, before any shaping) under
   * `permission`. Throw {@link WebhookUnknownPermissionError} when the permission does not exist.
   */
  isAllowed(
    principal: P,
    permission: string,
    payload: unknown,
    context: WebhookAuthorizationContext,
  ): boolean | Promise<boolean>;

  /**
   * Whether `permission` exists. Optional: without it, only {@link WebhookUnknownPermissionError} thrown by
   * {@link isAllowed} reports an unknown permission.
   */
  knowsPermission?(permission: string, context: WebhookAuthorizationContext): boolean | Promise<boolean>;

  /**
   * The id of the principal performing the current action (the logged-in user), used when
   * `dispatch(…, { initiator })` does not say. Called synchronously in the dispatching code's async context,
   * so it can read a request-scoped store (AsyncLocalStorage, nestjs-cls). `undefined`/`null`: nobody (a
   * system action), and only the owner is checked.
   */
  initiator?(): string | null | undefined;
}
