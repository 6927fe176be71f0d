import {
  Controller,
  type DynamicModule,
  type Provider,
  type Type,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { WebhooksAdminAccess } from './admin-access.service';
import { WebhooksAdminExceptionFilter } from './admin-exception.filter';
import { WebhooksAdminPrincipalGuard } from './admin-principal.guard';
import { WebhooksAdminValidationPipe } from './admin-validation.pipe';
import { WEBHOOKS_ADMIN_OPTIONS } from './admin.constants';
import type { ResolvedWebhooksAdminOptions } from './admin.options';
import { WebhookAttemptsAdminController } from './controllers/attempts.admin-controller';
import { WebhookEventTypesAdminController } from './controllers/event-types.admin-controller';
import { WebhookBreakersAdminController } from './controllers/breakers.admin-controller';
import { RestHooksAdminController } from './controllers/rest-hooks.admin-controller';
import { WebhookSubscriptionsAdminController } from './controllers/subscriptions.admin-controller';
import { ApiSecuritySchemes, ApiTag } from './openapi/api-field.decorator';

/** The route classes of the admin API; each configuration derives its own controllers from them. */
const WEBHOOKS_ADMIN_ROUTES: ReadonlyArray<Type<unknown>> = [
  WebhookSubscriptionsAdminController,
  RestHooksAdminController,
  WebhookAttemptsAdminController,
  WebhookEventTypesAdminController,
  WebhookBreakersAdminController,
];

/** What `forRoot({ admin })` adds to the webhooks module. */
export interface WebhooksAdminModuleParts {
  imports: NonNullable<DynamicModule['imports']>;
  controllers: Type<unknown>[];
  providers: Provider[];
}

/**
 * A controller derived from a route class: a subclass (so that two applications in one process may use
 * different paths and guards) named `name`, with `@Controller(path)` and the given class decorators.
 */
export function deriveController(
  routes: Type<unknown>,
  path: string,
  decorators: ClassDecorator[],
  name: string = routes.name,
): Type<unknown> {
  const derived = { [name]: class extends (routes as Type<object>) {} }[name];
  Controller(path)(derived);
  for (const decorate of decorators) decorate(derived);
  return derived;
}

/**
 * Derives the admin controllers of one configuration from the route classes, keeping their names (OpenAPI
 * operation ids, logs): the application's guards followed by the principal guard, the admin validation
 * pipe and exception filter.
 */
function createWebhooksAdminControllers(options: ResolvedWebhooksAdminOptions): Type<unknown>[] {
  return WEBHOOKS_ADMIN_ROUTES.map((routes) =>
    deriveController(routes, options.path, [
      UseGuards(...options.guards, WebhooksAdminPrincipalGuard),
      UsePipes(WebhooksAdminValidationPipe),
      UseFilters(WebhooksAdminExceptionFilter),
      ApiTag(options.apiTag),
      ApiSecuritySchemes(options.apiSecurity),
    ]),
  );
}

/** The imports, controllers and providers the admin API adds to the webhooks module. */
export function webhooksAdminModuleParts(options: ResolvedWebhooksAdminOptions): WebhooksAdminModuleParts {
  return {
    imports: options.imports,
    controllers: createWebhooksAdminControllers(options),
    providers: [
      { provide: WEBHOOKS_ADMIN_OPTIONS, useValue: options },
      WebhooksAdminAccess,
      WebhooksAdminPrincipalGuard,
      WebhooksAdminValidationPipe,
      WebhooksAdminExceptionFilter,
    ],
  };
}
