import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import type { Contact } from './contact.entity';
import { type ContactTransfer, ContactsService, type NewContact } from './contacts.service';

/**
 * The sample's own API, to raise webhooks by hand while the sample serves:
 * `curl -X POST localhost:3000/contacts -H 'content-type: application/json'
 *   -d '{"office":"/noaa/nws/oun","name":"Carol","email":"carol@noaa.gov"}'`.
 * Open to anyone: a sample on 127.0.0.1, not an example of protecting an API (the admin API is guarded).
 */
@Controller('contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  list(): Promise<Contact[]> {
    return this.contacts.list();
  }

  @Post()
  create(@Body() body: NewContact): Promise<Contact> {
    return this.contacts.create(body);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  transfer(@Param('id', ParseIntPipe) id: number, @Body() body: { office: string }): Promise<ContactTransfer> {
    return this.contacts.transfer(id, body?.office);
  }
}
