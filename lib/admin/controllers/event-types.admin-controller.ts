import { Get, Injectable } from '@nestjs/common';
import { WebhookEventCatalog } from '../../match/catalog/webhook-event.catalog';
import { WebhookEventTypeListResponse, WebhooksOpenApiResponse } from '../dto/event-type.response';
import { ApiRoute } from '../openapi/api-route.decorator';

/**
 * The event-type catalog route of the admin API: what callers may subscribe to. Not a controller by itself:
 * `forRoot({ admin })` derives one with the configured path, guards, pipe and filter.
 */
// @Injectable only so that the compiler records the constructor's parameter types for the derived controllers.
@Injectable()
export class WebhookEventTypesAdminController {
  constructor(protected readonly catalog: WebhookEventCatalog) {}

  @Get('event-types')
  @ApiRoute({ summary: 'List the event types this application raises', type: WebhookEventTypeListResponse })
  list(): WebhookEventTypeListResponse {
    return {
      items: this.catalog.list().map(({ name, description, schema, example, validated, sources }) => ({
        name,
        description,
        schema,
        example,
        validated,
        sources: [...sources],
      })),
      strict: this.catalog.strict,
    };
  }

  @Get('event-types/openapi.json')
  @ApiRoute({
    summary: 'An OpenAPI 3.1 document of the webhooks this application sends (its webhooks section)',
    type: WebhooksOpenApiResponse,
  })
  openApi(): WebhooksOpenApiResponse {
    return this.catalog.openApiDocument();
  }
}
