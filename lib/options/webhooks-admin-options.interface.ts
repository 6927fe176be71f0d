import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import type { WebhooksAdminPrincipal } from './webhooks-admin-principal.interface';
import type { WebhooksPortalOptions } from './webhooks-portal-options.interface';

/**
 * Resolves the principal of an admin request from the framework's request object (Express `Request` or
 * Fastify `FastifyRequest`), typically from what the guards put there (`request.user`). `null` (or
 * `undefined`) answers 401; an `HttpException` thrown here answers as usual.
 */
export type WebhooksAdminPrincipalResolver = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the framework's request (Express or Fastify), which the resolver declares as it likes, as with Nest's getRequest<T = any>()
  request: any,
) => WebhooksAdminPrincipal | null | undefined | Promise<WebhooksAdminPrincipal | null | undefined>;

/**
 * `WebhooksModule.forRoot({ admin })`: turns on the admin HTTP API (subscriptions, REST Hooks, attempts,
 * event types) under `path`. It needs `class-validator` and `class-transformer`. Give it to
 * `forRootAsync({ admin })` directly, not from the factory: it shapes the routes.
 */
export interface WebhooksAdminOptions {
  /**
   * The route prefix of the admin controllers (below any global prefix), e.g. `'webhooks'` or
   * `'api/webhooks'`: letters, digits and `. _ ~ -`, segments separated by `/`.
   * @default 'webhooks'
   */
  path?: string;
  /**
   * The guards protecting every admin route (classes or instances, as for `@UseGuards`), run before the
   * principal is resolved. At least one is required, so that the API is never open by accident. Guard
   * classes are instantiated in the webhooks module: their dependencies must be global or come from
   * `imports`.
   */
  guards: Array<Type<CanActivate> | CanActivate>;
  /** Resolves the principal of a request (required). */
  principal: WebhooksAdminPrincipalResolver;
  /**
   * Modules whose exported providers the guard classes inject.
   * @default []
   */
  imports?: ModuleMetadata['imports'];
  /**
   * The OpenAPI tag of the admin routes, when the application uses `@nestjs/swagger`.
   * @default 'webhooks'
   */
  apiTag?: string;
  /**
   * The security schemes of the application's OpenAPI document that every admin route requires, by the
   * names the document defines them under (`DocumentBuilder.addBearerAuth()` defines `'bearer'`,
   * `addApiKey(options, 'api-key')` defines `'api-key'`, `addCookieAuth()` defines `'cookie'`), so that
   * Swagger UI shows the routes as guarded and sends the credentials. Several names: each one suffices.
   * @default [] (the routes show no security requirement)
   */
  apiSecurity?: string[];
  /**
   * The web portal: a page under `<path>/portal` where the principals of {@link principal} (and, through
   * portal links, the owners the application names) manage their subscriptions and see every delivery.
   * `true` for the defaults. See docs/portal.md.
   * @default false
   */
  portal?: boolean | WebhooksPortalOptions;
}
