import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { WebhookEvent } from '../../lib';
import { Contact } from './contact.entity';
import {
  contactEmailMessage,
  contactNameMessage,
  contactNotFoundMessage,
  unknownOfficeMessage,
} from './contacts.messages';
import { isOffice, type Office, OFFICES } from './offices';

/** What creating a contact takes. */
export interface NewContact {
  office: string;
  name: string;
  email: string;
}

/** The result of {@link ContactsService.transfer}, and the source of the `contact.transfer` payload. */
export interface ContactTransfer {
  contact: Contact;
  from: Office;
  to: Office;
}

/**
 * The contacts of the offices. Creating, changing and removing contacts raises the entity's lifecycle
 * webhooks (`@WebhookResource` on {@link Contact}); moving one to another office also raises
 * `contact.transfer` (`@WebhookEvent`).
 */
@Injectable()
export class ContactsService {
  constructor(
    @InjectRepository(Contact) private readonly contacts: Repository<Contact>,
    private readonly dataSource: DataSource,
  ) {}

  /** All contacts, oldest first. */
  list(): Promise<Contact[]> {
    return this.contacts.find({ order: { id: 'ASC' } });
  }

  /** Adds a contact: `contact.create` is written in the same transaction as the row. */
  create(input: NewContact): Promise<Contact> {
    return this.contacts.save(this.contacts.create(validContact(input)));
  }

  /**
   * Adds several contacts in one transaction: all or nothing. A bad row rolls back the rows before it —
   * and their `contact.create` webhooks, which were written in that transaction and are never sent.
   */
  importMany(rows: NewContact[]): Promise<Contact[]> {
    return this.dataSource.transaction(async (manager) => {
      const saved: Contact[] = [];
      for (const row of rows) saved.push(await manager.save(manager.create(Contact, validContact(row))));
      return saved;
    });
  }

  /**
   * Moves a contact to another office. Saving it raises `contact.update` (in the new office); this method
   * raises `contact.transfer` in the office it left, so that the old office hears of it too.
   * (With `@nestjs-cls/transactional`, `@Transactional()` written above `@WebhookEvent` would put both in
   * one transaction.)
   */
  @WebhookEvent('contact.transfer', {
    scope: (transfer: ContactTransfer) => transfer.from,
    payload: ({ contact, from, to }: ContactTransfer) => ({ id: contact.id, name: contact.name, from, to }),
    description: 'A contact moved to another office (raised in the office it left)',
  })
  async transfer(id: number, office: string): Promise<ContactTransfer> {
    const to = validOffice(office);
    const contact = await this.contacts.findOneBy({ id });
    if (!contact) throw new NotFoundException(contactNotFoundMessage(id));
    const from = contact.office as Office;
    contact.office = to;
    await this.contacts.save(contact);
    return { contact, from, to };
  }
}

function validOffice(office: unknown): Office {
  if (!isOffice(office)) throw new BadRequestException(unknownOfficeMessage(office, Object.values(OFFICES)));
  return office;
}

/** The fields of a new contact, checked: a bad one is a 400 naming it. */
function validContact(input: NewContact): NewContact {
  const { office, name, email } = (input ?? {}) as Partial<NewContact>;
  if (typeof name !== 'string' || !name.trim() || name.length > 255)
    throw new BadRequestException(contactNameMessage());
  if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email) || email.length > 255) {
    throw new BadRequestException(contactEmailMessage(email));
  }
  return { office: validOffice(office), name: name.trim(), email };
}
