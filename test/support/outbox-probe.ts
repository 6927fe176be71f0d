import { DataSource, type DataSourceOptions } from 'typeorm';
import { WEBHOOK_ENTITIES, WebhookDeliveryAttempt } from '../../lib';
import { eventually } from './eventually';

/** How many attempt rows are in each state. */
export interface OutboxCounts {
  total: number;
  pending: number;
  successful: number;
  failed: number;
}

/**
 * A read-only look at the outbox (attempt rows) of a database that other processes deliver from: the
 * test's own connection, independent of the instances under test.
 */
export class OutboxProbe {
  private constructor(readonly dataSource: DataSource) {}

  static async open(database: DataSourceOptions): Promise<OutboxProbe> {
    const dataSource = new DataSource({
      ...database,
      entities: [...WEBHOOK_ENTITIES],
      logging: false,
    } as DataSourceOptions);
    await dataSource.initialize();
    return new OutboxProbe(dataSource);
  }

  attempts(): Promise<WebhookDeliveryAttempt[]> {
    return this.dataSource.getRepository(WebhookDeliveryAttempt).find();
  }

  async counts(): Promise<OutboxCounts> {
    const rows: Array<{ status: string; n: string | number }> = await this.dataSource
      .getRepository(WebhookDeliveryAttempt)
      .createQueryBuilder('a')
      .select('a.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .groupBy('a.status')
      .getRawMany();
    const counts: OutboxCounts = { total: 0, pending: 0, successful: 0, failed: 0 };
    for (const { status, n } of rows) {
      counts[status as 'pending' | 'successful' | 'failed'] = Number(n);
      counts.total += Number(n);
    }
    return counts!;
  }

  /** Resolves with the counts once `condition` holds for them; rejects after `timeout` ms with the last counts. */
  async until(
    condition: (counts: OutboxCounts) => boolean,
    what: string,
    timeout = 30_000,
    every = 100,
  ): Promise<OutboxCounts> {
    let counts: OutboxCounts | undefined;
    await eventually(
      async () => condition((counts = await this.counts())),
      () => `outbox: ${what}; now ${JSON.stringify(counts)}`,
      timeout,
      every,
    );
    return counts!;
  }

  close(): Promise<void> {
    return this.dataSource.destroy();
  }
}
