import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { WebhooksHealthIndicator } from '../../lib';
import { prometheus } from './sample-metrics';

/**
 * What an operator scrapes and probes: GET /metrics (Prometheus text from OpenTelemetry's exporter) and
 * GET /health (terminus: 503 when the delivery engine is not running, the database does not answer or the
 * backlog passes `operations.backlog`). Open to anyone here; an application puts them where only its
 * monitoring reaches.
 */
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly webhooks: WebhooksHealthIndicator,
  ) {}

  @Get('metrics')
  metrics(@Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    prometheus.getMetricsRequestHandler(request, response);
  }

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.webhooks.isHealthy('webhooks')]);
  }
}
