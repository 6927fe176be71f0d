import { WebhooksInit1764300000000 } from './1764300000000-webhooks-init.migration';
import { WebhooksDeliveryControl1765100000000 } from './1765100000000-webhooks-delivery-control.migration';

/**
 * The module's migrations, for SQLite, PostgreSQL and MySQL/MariaDB: add them to the data source's
 * `migrations` so that production apps need not use `synchronize`.
 */
export const WEBHOOK_MIGRATIONS = [WebhooksInit1764300000000, WebhooksDeliveryControl1765100000000] as const;
