import { type Provider, type Type, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { WebhooksAdminExceptionFilter } from '../admin/admin-exception.filter';
import { WebhooksAdminValidationPipe } from '../admin/admin-validation.pipe';
import type { ResolvedWebhooksAdminOptions } from '../admin/admin.options';
import { WebhookAttemptsAdminController } from '../admin/controllers/attempts.admin-controller';
import { WebhookEventTypesAdminController } from '../admin/controllers/event-types.admin-controller';
import { WebhookSubscriptionsAdminController } from '../admin/controllers/subscriptions.admin-controller';
import { ApiHidden } from '../admin/openapi/api-field.decorator';
import { deriveController } from '../admin/webhooks-admin.factory';
import { PortalApiRoutes } from './controllers/portal-api.routes';
import { PortalPageRoutes, PortalPublicRoutes } from './controllers/portal-page.routes';
import { WEBHOOKS_PORTAL_OPTIONS } from './portal.constants';
import { WebhooksPortalGuard } from './portal.guard';
import type { ResolvedWebhooksPortalOptions } from './portal.options';
import { PortalAssets } from './portal-assets.service';
import { WebhooksPortalPageFilter } from './portal-page.filter';
import { PortalSessions } from './portal-sessions.service';
import { PortalStats } from './portal-stats.service';

/** The admin route classes the portal's API reuses: the same handlers, access rules, validation and answers. */
const REUSED_ADMIN_ROUTES: ReadonlyArray<Type<unknown>> = [
  WebhookSubscriptionsAdminController,
  WebhookAttemptsAdminController,
  WebhookEventTypesAdminController,
];

/** What `forRoot({ admin: { portal } })` adds to the webhooks module. */
export interface WebhooksPortalModuleParts {
  controllers: Type<unknown>[];
  providers: Provider[];
}

/**
 * The portal's controllers and providers, under `<admin.path>/<portal.path>`:
 *
 * - the page (guarded) and what is public (a link's exchange, the built assets), refusals as HTML pages;
 * - under `/api`, the admin API's subscription, attempt and event-type routes derived once more, behind the
 *   portal guard instead of the admin guards (it runs those itself unless a link session is present), with
 *   the admin pipe and filter, and the portal's own routes (session, delivery statistics). Kept out of the
 *   OpenAPI document: the admin API is the documented one.
 */
export function webhooksPortalModuleParts(
  admin: ResolvedWebhooksAdminOptions,
  portal: ResolvedWebhooksPortalOptions,
): WebhooksPortalModuleParts {
  const path = `${admin.path}/${portal.path}`;
  const api = [PortalApiRoutes, ...REUSED_ADMIN_ROUTES].map((routes) =>
    deriveController(
      routes,
      `${path}/api`,
      [
        UseGuards(WebhooksPortalGuard),
        UsePipes(WebhooksAdminValidationPipe),
        UseFilters(WebhooksAdminExceptionFilter),
        ApiHidden(),
      ],
      routes === PortalApiRoutes ? 'WebhooksPortalApiController' : `WebhooksPortal${routes.name}`,
    ),
  );
  return {
    controllers: [
      deriveController(
        PortalPageRoutes,
        path,
        [UseGuards(WebhooksPortalGuard), UseFilters(WebhooksPortalPageFilter), ApiHidden()],
        'WebhooksPortalPageController',
      ),
      deriveController(
        PortalPublicRoutes,
        path,
        [UseFilters(WebhooksPortalPageFilter), ApiHidden()],
        'WebhooksPortalPublicController',
      ),
      ...api,
    ],
    providers: [
      { provide: WEBHOOKS_PORTAL_OPTIONS, useValue: portal },
      PortalAssets,
      PortalSessions,
      PortalStats,
      WebhooksPortalGuard,
      WebhooksPortalPageFilter,
    ],
  };
}
