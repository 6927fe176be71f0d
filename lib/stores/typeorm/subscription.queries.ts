import { Brackets, type EntityManager, In } from 'typeorm';
import { ROOT_SCOPE } from '../../core/webhooks.constants';
import { isRelatedScope, isWithinScope } from '../../core/scopes/scope-path.util';
import { chunks } from '../../core/util/chunks.util';
import { WebhookSubscriptionEvent } from '../../entities/webhook-subscription-event.entity';
import { WebhookSubscription } from '../../entities/webhook-subscription.entity';
import type {
  WebhookSubscriptionPage,
  WebhookSubscriptionQuery,
  WebhookSubscriptionStates,
} from '../subscription-store.interface';
import { Sql } from './sql.builder';
import { relatedScopeFilter } from './related-scope.filter';
import type { WebhooksDatabase } from './webhooks.database';

/** The subscription reads: single ones, pages of a filtered list, and the active ones for the index. */
export class SubscriptionQueries {
  /** The SQL of reading one subscription by id, rendered once: it runs for most admin requests and test events. */
  private byIdSql?: string;
  private statesSql?: string;

  constructor(private readonly db: WebhooksDatabase) {}

  async find(id: string): Promise<WebhookSubscription | null> {
    this.byIdSql ??= this.db.select(WebhookSubscription, 's').where('s.id = :id', { id }).getQueryAndParameters()[0];
    const { rows } = await this.db.query({ sql: this.byIdSql, params: [id] });
    return this.db.hydrate(WebhookSubscription, 's', rows)[0] ?? null;
  }

  /** Counts by state in one aggregate over the subscriptions table. */
  async countStates(now: number): Promise<WebhookSubscriptionStates> {
    if (!this.statesSql) {
      const q = new Sql(this.db.dataSource, this.db.kind);
      const c = (name: string) => q.col(name);
      const paused = `${c('paused_until')} IS NOT NULL AND ${c('paused_until')} > ${q.param(1)}`;
      // Booleans are 1/0 on SQLite and MySQL, true/false on PostgreSQL: compared as the driver spells them.
      const active = this.db.kind === 'postgres' ? `${c('active')}` : `${c('active')} = 1`;
      this.statesSql =
        `SELECT SUM(CASE WHEN ${active} AND NOT (${paused}) THEN 1 ELSE 0 END) AS ${c('active_count')}, ` +
        `SUM(CASE WHEN ${active} THEN 0 ELSE 1 END) AS ${c('inactive_count')}, ` +
        `SUM(CASE WHEN ${active} AND ${paused.replace(q.param(1), q.param(2))} THEN 1 ELSE 0 END) AS ${c('paused_count')} ` +
        `FROM ${q.table(WebhookSubscription)}`;
    }
    const { rows } = await this.db.query({ sql: this.statesSql, params: [now, now] });
    const row = (rows[0] ?? {}) as Record<string, unknown>;
    return {
      active: Number(row.active_count ?? 0),
      inactive: Number(row.inactive_count ?? 0),
      paused: Number(row.paused_count ?? 0),
    };
  }

  async findMany(ids: readonly string[], manager?: EntityManager): Promise<WebhookSubscription[]> {
    const found: WebhookSubscription[] = [];
    for (const chunk of chunks([...new Set(ids)], 500)) {
      const { rows } = await this.db.query(this.db.select(WebhookSubscription, 's').where({ id: In(chunk) }), manager);
      found.push(...this.db.hydrate(WebhookSubscription, 's', rows));
    }
    return found;
  }

  async list(filter: WebhookSubscriptionQuery): Promise<WebhookSubscriptionPage> {
    const query = this.db
      .select(WebhookSubscription, 's')
      .orderBy('s.id', 'ASC')
      .limit(filter.limit + 1);
    if (filter.scope !== undefined) query.andWhere('s.scope = :scope', { scope: filter.scope });
    const within = filter.within;
    if (within !== undefined && within !== ROOT_SCOPE) {
      query.andWhere(
        new Brackets((where) =>
          where.where('s.scope = :within', { within }).orWhere('s.scope LIKE :below', { below: `${within}/%` }),
        ),
      );
    }
    if (filter.related !== undefined) relatedScopeFilter(query, filter.related);
    if (filter.owner !== undefined) query.andWhere('s.owner_id = :owner', { owner: filter.owner });
    if (filter.active !== undefined) query.andWhere('s.active = :active', { active: filter.active });
    if (filter.static !== undefined) query.andWhere(`s.static_key IS ${filter.static ? 'NOT ' : ''}NULL`);
    if (filter.patterns !== undefined) {
      const patterns = filter.patterns.length > 0 ? [...filter.patterns] : [''];
      const ids = query
        .subQuery()
        .select('e.subscription_id')
        .from(WebhookSubscriptionEvent, 'e')
        .where('e.pattern IN (:...patterns)')
        .getQuery();
      query.andWhere(`s.id IN (${ids})`, { patterns });
    }
    if (filter.after !== undefined) query.andWhere('s.id > :after', { after: filter.after });
    const rows = this.db.hydrate(WebhookSubscription, 's', (await this.db.query(query)).rows);
    // MySQL compares case-insensitively and LIKE treats "_" as a wildcard: keep the exact matches only.
    const page = rows.slice(0, filter.limit);
    const items = page.filter(
      (s) =>
        (filter.scope === undefined || s.scope === filter.scope) &&
        (filter.within === undefined || isWithinScope(s.scope, filter.within)) &&
        (filter.related === undefined || isRelatedScope(s.scope, filter.related)) &&
        (filter.owner === undefined || s.owner === filter.owner),
    );
    return { items, last: rows.length > filter.limit ? page[page.length - 1].id : null };
  }

  /**
   * Every active subscription, a page at a time (keyset on the id): a large registry is loaded without
   * holding every raw row at once.
   */
  async *activePages(manager?: EntityManager, pageSize = 5_000): AsyncGenerator<WebhookSubscription[]> {
    let after = '';
    for (;;) {
      const query = this.db
        .select(WebhookSubscription, 's')
        .where('s.active = :active AND s.id > :after', { active: true, after })
        .orderBy('s.id')
        .limit(pageSize);
      const page = this.db.hydrate(WebhookSubscription, 's', (await this.db.query(query, manager)).rows);
      if (page.length > 0) yield page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].id;
    }
  }
}
