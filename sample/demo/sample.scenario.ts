import type { INestApplication } from '@nestjs/common';
import {
  WebhookAttempts,
  type WebhookDeliveryAttempt,
  WebhookSubscriptions,
  type WebhookSubscription,
} from '../../lib';
import { API_KEY_HEADER } from '../auth/api-key.guard';
import type { Contact } from '../contacts/contact.entity';
import { ContactsService } from '../contacts/contacts.service';
import { OFFICES } from '../contacts/offices';
import { LocalReceiver, type ReceivedWebhook } from '../receiver/local-receiver';
import type { ProgressLine } from './progress-line';
import { EXPECTED_ATTEMPTS, ROLLED_BACK_CONTACT, SUBSCRIPTIONS } from './sample.plan';

/** An event the scenario raised, for the report. */
export interface RaisedEvent {
  what: string;
  /** `event in scope` of each webhook event it raised, or why it raised none. */
  raised: string;
}

/** What the admin API answered to each caller. */
export interface AdminProbe {
  caller: string;
  status: number;
  /** The names of the subscriptions listed. */
  names: string[];
}

/** Everything the run observed, for the report and the checks. */
export interface ScenarioResult {
  subscriptions: Array<{ name: string; path: string; subscription: WebhookSubscription }>;
  /** The attempts of every subscription, oldest first, with their subscription's name. */
  attempts: Array<{ name: string; path: string; attempt: WebhookDeliveryAttempt }>;
  received: ReceivedWebhook[];
  events: RaisedEvent[];
  /** The contacts in the database at the end. */
  contacts: Contact[];
  admin: AdminProbe[];
}

/** How long the run waits for the deliveries (retries included) before it gives up. */
export const DELIVERY_DEADLINE_MS = 20_000;

/**
 * What `npm run sample` does with the app: subscribe the receiver's endpoints, raise events through the
 * contacts service (one import rolled back), wait for every delivery, retries included, and look at the
 * admin API as two different callers.
 */
export class SampleScenario {
  private readonly subscriptions: WebhookSubscriptions;
  private readonly attempts: WebhookAttempts;
  private readonly contacts: ContactsService;
  private readonly receiver: LocalReceiver;
  private created: Array<{ name: string; path: string; subscription: WebhookSubscription }> = [];
  private events: RaisedEvent[] = [];

  constructor(
    app: INestApplication,
    private readonly baseUrl: string,
    private readonly progress: ProgressLine,
  ) {
    this.subscriptions = app.get(WebhookSubscriptions);
    this.attempts = app.get(WebhookAttempts);
    this.contacts = app.get(ContactsService);
    this.receiver = app.get(LocalReceiver);
  }

  /** Subscribes the receiver's endpoints and raises the events; returns what was raised. */
  async start(): Promise<RaisedEvent[]> {
    this.created = await this.subscribe();
    this.events = await this.raiseEvents();
    return this.events;
  }

  /** Waits for every delivery (or the deadline), then gathers what happened. */
  async finish(): Promise<ScenarioResult> {
    const created = this.created;
    // Past the deadline the checks name what is still pending: no need to tell here.
    await this.waitForDeliveries(created.map((c) => c.subscription.id));
    return {
      subscriptions: await Promise.all(
        created.map(async (c) => ({ ...c, subscription: await this.subscriptions.get(c.subscription.id) })),
      ),
      attempts: await this.collectAttempts(created),
      received: [...this.receiver.received],
      events: this.events,
      contacts: await this.contacts.list(),
      admin: await this.probeAdminApi(created),
    };
  }

  /** Creates the subscriptions; each secret, shown once by create(), goes to the receiver endpoint. */
  private async subscribe(): Promise<Array<{ name: string; path: string; subscription: WebhookSubscription }>> {
    const created = [];
    for (const plan of SUBSCRIPTIONS) {
      // The secret exists once the subscription does, and is shown this once: the endpoint gets it now.
      const to = this.receiver.url(plan.path);
      const subscription = await this.subscriptions.create({ ...plan.input, to });
      this.receiver.endpoint(plan.path, { secret: subscription.secret, status: plan.answer });
      created.push({ name: plan.name, path: plan.path, subscription });
    }
    return created;
  }

  private async raiseEvents(): Promise<RaisedEvent[]> {
    const bob = await this.contacts.create({ office: OFFICES.oun, name: 'Bob', email: 'bob@noaa.gov' });
    await this.contacts.create({ office: OFFICES.ama, name: 'Ann', email: 'ann@noaa.gov' });
    await this.contacts.transfer(bob.id, OFFICES.ama);
    const events: RaisedEvent[] = [
      { what: 'Bob joins OUN', raised: `contact.create in ${OFFICES.oun}` },
      { what: 'Ann joins AMA', raised: `contact.create in ${OFFICES.ama}` },
      { what: 'Bob moves to AMA', raised: `contact.update in ${OFFICES.ama}, contact.transfer in ${OFFICES.oun}` },
    ];
    // One transaction: Eve is saved (and her contact.create written to the outbox), then Mallory's
    // address is refused and the whole import rolls back, webhook included.
    const importing = `Import ${ROLLED_BACK_CONTACT} and Mallory into OUN`;
    try {
      await this.contacts.importMany([
        { office: OFFICES.oun, name: ROLLED_BACK_CONTACT, email: 'eve@noaa.gov' },
        { office: OFFICES.oun, name: 'Mallory', email: 'mallory' },
      ]);
      events.push({ what: importing, raised: 'committed (it should have been refused)' });
    } catch (error) {
      events.push({ what: importing, raised: `rolled back: ${(error as Error).message}` });
    }
    return events;
  }

  /** Polls the attempts until every expected one is resolved (or the deadline passes), showing progress. */
  private async waitForDeliveries(ids: string[]): Promise<boolean> {
    const started = Date.now();
    const expected = EXPECTED_ATTEMPTS.length;
    for (;;) {
      const all = (await Promise.all(ids.map((id) => this.attempts.list(id, { limit: 500 })))).flatMap(
        (page) => page.items,
      );
      const resolved = all.filter((a) => a.status !== 'pending').length;
      const retrying = all.filter((a) => a.status === 'pending' && a.attemptCount > 0).length;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const summary = `Waiting for deliveries: ${resolved}/${expected} resolved${retrying ? `, ${retrying} waiting for a retry` : ''}`;
      if (resolved >= expected && resolved === all.length) {
        this.progress.finish(`Deliveries: ${resolved}/${expected} resolved in ${seconds} s`);
        return true;
      }
      if (Date.now() - started > DELIVERY_DEADLINE_MS) {
        this.progress.finish(`${summary} — gave up after ${DELIVERY_DEADLINE_MS / 1000} s`);
        return false;
      }
      this.progress.update(`${summary} (${seconds} s)`, summary);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async collectAttempts(
    created: Array<{ name: string; path: string; subscription: WebhookSubscription }>,
  ): Promise<ScenarioResult['attempts']> {
    const rows: ScenarioResult['attempts'] = [];
    for (const { name, path, subscription } of created) {
      const { items } = await this.attempts.list(subscription.id, { limit: 500 });
      rows.push(...items.map((attempt) => ({ name, path, attempt })));
    }
    // Ids are time-ordered (UUIDv7): events in the order they were raised, then the subscriptions of each
    // event in the plan's order.
    const first = new Map<string, string>();
    for (const { attempt } of rows)
      if (!first.has(attempt.messageId) || attempt.id < first.get(attempt.messageId)!)
        first.set(attempt.messageId, attempt.id);
    const order = (row: (typeof rows)[number]) =>
      [first.get(row.attempt.messageId)!, SUBSCRIPTIONS.findIndex((p) => p.name === row.name)] as const;
    return rows.sort((a, b) => {
      const [ma, pa] = order(a);
      const [mb, pb] = order(b);
      return ma < mb ? -1 : ma > mb ? 1 : pa - pb;
    });
  }

  /** Lists the subscriptions through the admin API as the administrator, as OUN's manager and with no key. */
  private async probeAdminApi(
    created: Array<{ name: string; subscription: WebhookSubscription }>,
  ): Promise<AdminProbe[]> {
    const nameOf = new Map(created.map((c) => [c.subscription.id, c.name]));
    const probe = async (caller: string, key?: string): Promise<AdminProbe> => {
      const response = await fetch(`${this.baseUrl}/webhooks/subscriptions`, {
        headers: key ? { [API_KEY_HEADER]: key } : {},
      });
      const body = (await response.json()) as { items?: Array<{ id: string }> };
      return {
        caller,
        status: response.status,
        names: (body.items ?? []).map((item) => nameOf.get(item.id) ?? item.id),
      };
    };
    return [
      await probe('sample-admin', 'sample-admin'),
      await probe('oun-manager', 'oun-manager'),
      await probe('no key'),
    ];
  }
}
