import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintNumberTransformer, epochMsTransformer } from './epoch-ms.transformer';

/**
 * A single row holding the registry version. Every change to subscriptions bumps it inside the
 * changing transaction; the row lock orders the bumps the way the transactions commit, so an instance
 * that has seen version N has seen every change up to N.
 */
@Entity({ name: 'webhook_registry_state' })
export class WebhookRegistryState {
  @PrimaryColumn({ type: 'int' })
  id!: number;

  @Column({ type: 'bigint', transformer: bigintNumberTransformer })
  version!: number;
}

/** Which subscriptions changed at which registry version: what other instances reload. */
@Entity({ name: 'webhook_registry_changes' })
export class WebhookRegistryChange {
  @PrimaryColumn({ type: 'bigint', transformer: bigintNumberTransformer })
  version!: number;

  @PrimaryColumn({ name: 'subscription_id', type: 'varchar', length: 36 })
  subscriptionId!: string;

  @Column({ name: 'changed_at', type: 'bigint', transformer: epochMsTransformer })
  changedAt!: Date;
}
