import type { CreateWebhookSubscriptionInput, WebhookAttemptStatus } from '../../lib';
import { NOAA, NWS, OFFICES } from '../contacts/offices';

/** One subscription the sample creates, and how its receiver endpoint answers. */
export interface SubscriptionPlan {
  /** The short name the tables use. */
  name: string;
  /** The receiver endpoint it targets. */
  path: string;
  /** What that endpoint answers to a correctly signed request. */
  answer: number;
  input: Omit<CreateWebhookSubscriptionInput, 'to'>;
}

/** The subscriptions: one global, one per office, one in the department that fails, one that unsubscribes. */
export const SUBSCRIPTIONS: readonly SubscriptionPlan[] = [
  {
    name: 'audit',
    path: '/hooks/audit',
    answer: 200,
    // In the root scope: every contact event of every office. The `standard` dialect wraps the payload
    // in the Standard Webhooks envelope { type, timestamp, data }.
    input: { scope: '/', events: 'contact.*', dialect: 'standard', description: 'Audit log of every contact event' },
  },
  {
    name: 'oun',
    path: '/hooks/oun',
    answer: 200,
    // Owned by OUN's manager, who can manage it through the admin API (x-api-key: oun-manager).
    input: { scope: OFFICES.oun, events: 'contact.*', owner: 'oun-manager', description: "OUN's contact events" },
  },
  {
    name: 'ama',
    path: '/hooks/ama',
    answer: 200,
    input: { scope: OFFICES.ama, events: 'contact.create', description: 'New contacts of AMA' },
  },
  {
    name: 'failing',
    path: '/hooks/failing',
    answer: 500,
    // Its own retry policy: 3 tries, 150 ms then 300 ms apart (the module's default is 8 over about a day).
    input: {
      scope: NWS,
      events: 'contact.create',
      description: 'A broken NWS system',
      retry: { schedule: [150, 300], jitter: 0 },
    },
  },
  {
    name: 'gone',
    path: '/hooks/gone',
    answer: 410,
    // 410 Gone means "unsubscribe me" (REST Hooks): the subscription is deactivated at once.
    input: { scope: NOAA, events: 'contact.transfer', description: 'A retired NOAA integration' },
  },
];

/** A delivery attempt the run must end with. */
export interface ExpectedAttempt {
  subscription: string;
  event: string;
  /** The name of the contact in the payload. */
  contact: string;
  status: Exclude<WebhookAttemptStatus, 'pending'>;
  tries: number;
}

const expect = (
  subscription: string,
  event: string,
  contact: string,
  status: ExpectedAttempt['status'] = 'successful',
  tries = 1,
) => ({
  subscription,
  event,
  contact,
  status,
  tries,
});

/**
 * Every attempt the events of {@link SampleScenario} lead to, and nothing else — in particular nothing for
 * Eve, whose import is rolled back. An event raised in a scope reaches the subscriptions of that scope and
 * of its ancestors.
 */
export const EXPECTED_ATTEMPTS: readonly ExpectedAttempt[] = [
  // Bob joins OUN: contact.create in /noaa/nws/oun.
  expect('audit', 'contact.create', 'Bob'),
  expect('oun', 'contact.create', 'Bob'),
  expect('failing', 'contact.create', 'Bob', 'failed', 3),
  // Ann joins AMA: contact.create in /noaa/nws/ama.
  expect('audit', 'contact.create', 'Ann'),
  expect('ama', 'contact.create', 'Ann'),
  expect('failing', 'contact.create', 'Ann', 'failed', 3),
  // Bob moves to AMA: contact.update in /noaa/nws/ama, contact.transfer in /noaa/nws/oun.
  expect('audit', 'contact.update', 'Bob'),
  expect('audit', 'contact.transfer', 'Bob'),
  expect('oun', 'contact.transfer', 'Bob'),
  expect('gone', 'contact.transfer', 'Bob', 'failed', 1),
];

/** The contact whose import is rolled back: no webhook may mention her. */
export const ROLLED_BACK_CONTACT = 'Eve';
