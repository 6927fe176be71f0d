/**
 * Injection token of the application's {@link WebhookAuthorizer}, an alternative to
 * `forRoot({ authorization: { authorizer } })`:
 *
 * ```ts
 * @Module({ providers: [{ provide: WEBHOOK_AUTHORIZER, useClass: AppWebhookAuthorizer }] })
 * ```
 *
 * The module looks it up in the whole application, so it may be provided by any module.
 */
export const WEBHOOK_AUTHORIZER = 'WEBHOOK_AUTHORIZER';
