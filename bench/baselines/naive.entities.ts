import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The naive baseline's subscription table, as an application would write it by hand: one row per
 * (event type, URL), looked up by event type.
 */
@Entity({ name: 'naive_subscriptions' })
@Index(['event', 'active'])
export class NaiveSubscription {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 255 })
  event!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'boolean', default: true })
  active!: boolean;
}

/** The naive baseline's record of one delivery attempt. */
@Entity({ name: 'naive_attempts' })
export class NaiveAttempt {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column({ type: 'int' })
  subscriptionId!: number;

  @Column({ type: 'varchar', length: 255 })
  event!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'text' })
  requestBody!: string;

  @Column({ type: 'int', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'boolean' })
  success!: boolean;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'int' })
  durationMs!: number;

  @CreateDateColumn()
  createdAt!: Date;
}

/** The entities the naive baseline's data source must hold. */
export const NAIVE_ENTITIES = [NaiveSubscription, NaiveAttempt];
