import { WebhooksInit1764300000000 } from './1764300000000-webhooks-init.migration';
import { WebhooksTraceContext1765000000000 } from './1765000000000-webhooks-trace-context.migration';
import { WebhooksDeliveryControl1765100000000 } from './1765100000000-webhooks-delivery-control.migration';
import { WebhooksHistoryAge1765200000000 } from './1765200000000-webhooks-history-age.migration';

/**
 * The module's migrations, for SQLite, PostgreSQL and MySQL/MariaDB: add them to the data source's
 * `migrations` so that production apps need not use `synchronize`.
 */
export const WEBHOOK_MIGRATIONS = [
  WebhooksInit1764300000000,
  WebhooksTraceContext1765000000000,
  WebhooksDeliveryControl1765100000000,
  WebhooksHistoryAge1765200000000,
] as const;
