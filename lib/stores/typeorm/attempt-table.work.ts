import { WebhookDeliveryAttempt } from '../../entities/webhook-delivery-attempt.entity';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import { Sql } from './sql.builder';
import type { WebhooksDatabase } from './webhooks.database';

/** The columns of an attempt row, in the order the statements bind them. */
export const ATTEMPT_COLUMNS = [
  'id',
  'subscription_id',
  'message_id',
  'event',
  'scope',
  'status',
  'message',
  'request',
  'response',
  'internal_info',
  'tries',
  'attempt_count',
  'next_attempt_at',
  'next_trigger',
  'lease_owner',
  'lease_until',
  'created_at',
  'resolved_at',
  'trace_context',
  'ordering_key',
] as const;

/**
 * What the units of work on the outbox table share: the escaped table names and a cache of statements by
 * shape. The statements are hand-written SQL, each shape built once and reused: they run for every event
 * and every try.
 */
export abstract class AttemptTableWork {
  protected readonly sql: Sql;
  private readonly statements = new Map<string, string>();
  private tables?: { attempts: string; subscriptions: string };

  constructor(protected readonly db: WebhooksDatabase) {
    this.sql = new Sql(db.dataSource, db.kind);
  }

  // Resolved on first use: at construction the data source may lack the entities, which the initializer
  // reports with a message saying how to fix it.
  protected get attempts(): string {
    return (this.tables ??= this.resolveTables()).attempts;
  }

  protected get subscriptions(): string {
    return (this.tables ??= this.resolveTables()).subscriptions;
  }

  private resolveTables() {
    return { attempts: this.sql.table(WebhookDeliveryAttempt), subscriptions: this.sql.table(WebhookSubscription) };
  }

  /** The statement of shape `key`, built by `build` the first time. */
  protected cached(key: string, build: () => string): string {
    let sql = this.statements.get(key);
    if (!sql) this.statements.set(key, (sql = build()));
    return sql;
  }
}
