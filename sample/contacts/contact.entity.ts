import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookResource } from '../../lib';

/**
 * A contact of one office. As a webhook resource, every insert, update and removal through TypeORM raises
 * `contact.create`, `contact.update` or `contact.delete` in the contact's office, inside the transaction
 * that saves it: rolled back with it, sent when it commits.
 */
@WebhookResource('contact', { scope: (contact: Contact) => contact.office, description: 'A contact of an office' })
@Entity({ name: 'contacts' })
export class Contact {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The office's scope, e.g. `/noaa/nws/oun`. */
  @Column({ type: 'varchar', length: 255 })
  office!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;
}
