import { describe } from '../core/errors/webhooks.messages';
import type { PendingWebhookDeliveries } from './pending-deliveries.interface';

/**
 * The messages of the testing kit. Each says what happened and what to do about it; the simulated
 * failures say they are simulated, so that nobody hunts for a real network problem in a test's output.
 */

/** A testing option has the wrong type or range. */
export const invalidTestingOptionMessage = (option: string, expected: string, actual: unknown): string =>
  `WebhooksTestingModule: option "${option}" must be ${expected} (got ${describe(actual, Infinity)}).`;

/** A testing option that does not exist. */
export const unknownTestingOptionMessage = (option: string, known: readonly string[]): string =>
  `WebhooksTestingModule: unknown option "${option}". Known options: ${known.join(', ')}. Check the spelling.`;

/** The testing module was given a transport instance of another kind. */
export const foreignTransportMessage = (): string =>
  'WebhooksTestingModule: "delivery.transport" is a transport instance, but the testing module sends through its own ' +
  'in-memory transport (inject MemoryWebhookTransport or WebhooksTestKit to script it). Remove "delivery.transport", ' +
  'or import WebhooksModule.forRoot({ delivery: { transport } }) to send through a transport of your own.';

/** A network helper of the kit was used while the module sends through a real transport. */
export const memoryTransportRequiredMessage = (helper: string, transport: string): string =>
  `WebhooksTestKit.${helper}() needs the in-memory transport, but the module sends through ${transport}. ` +
  'Import WebhooksTestingModule.forRoot(), call overrideWebhooksForTesting(builder) before compiling, or pass ' +
  'WebhooksModule.forRoot({ delivery: { transport: createMemoryTransport() } }).';

/** Reason: a URL matcher of an unsupported kind. */
export const urlMatcherReason = (): string =>
  'must be a URL (ending with "*" to match a prefix), a RegExp, a function (url) => boolean, true or false';

/** Reason: a host matcher of an unsupported kind. */
export const hostMatcherReason = (): string =>
  'must be a host name (ending with "*" to match a prefix), a RegExp, a function (host) => boolean, true or false';

/** Reason: a scripted response's status is not an HTTP status. */
export const statusReason = (): string => 'must be an HTTP status code, a whole number from 100 to 599';

/** Reason: a scripted response's delay is not a duration. */
export const delayReason = (): string => 'must be a whole number of milliseconds, 0 or more';

/** Reason: scripted headers are not a flat object of strings. */
export const headersReason = (): string => 'must be an object of header names to string values';

/** Reason: a scripted responder is not a status, a response or a function. */
export const responderReason = (): string =>
  'must be a status code, a response { status, body, headers, reason, delayMs } or a function (request) => one of them';

/** Reason: the secret given to isSignedWith() cannot verify anything. */
export const verificationSecretReason = (): string =>
  'must be a "whsec_" secret, a "whpk_" public key, the secret\'s bytes (a Buffer) or an ed25519 KeyObject';

/** A recorded body that is not JSON. */
export const bodyNotJsonMessage = (url: string, problem: string): string =>
  `The webhook request to ${url} does not carry JSON (${problem}); read its "body" instead.`;

/** The simulated failure of `failRequests()`. */
export const simulatedNetworkErrorMessage = (url: string, address: string, port: number): string =>
  `connect ECONNREFUSED ${address}:${port} (simulated by WebhooksTestKit.failRequests() for ${url})`;

/** The simulated failure of `failProcessing()`. */
export const simulatedProcessingErrorMessage = (url: string): string =>
  `Handling the response from ${url} failed (simulated by WebhooksTestKit.failProcessing())`;

/** The simulated failure of `failDestinationChecks()`. */
export const simulatedLookupErrorMessage = (hostname: string): string =>
  `getaddrinfo ENOTFOUND ${hostname} (simulated by WebhooksTestKit.failDestinationChecks())`;

/** The scripted delay outlasted `delivery.timeout`. */
export const simulatedTimeoutMessage = (timeout: number): string =>
  `The scripted response took longer than delivery.timeout (${timeout} ms); the try timed out.`;

/** `waitForRequests` ran out of time. */
export const requestsTimeoutMessage = (count: number, to: string | undefined, got: number, timeout: number): string =>
  `Expected ${count} webhook request${count === 1 ? '' : 's'}${to ? ` to ${to}` : ''}, got ${got} after ${timeout} ms. ` +
  'Check that the subscriptions match the events raised, and that deliveries are not deferred.';

const attempts = (n: number): string => `${n} attempt${n === 1 ? '' : 's'}`;

const describePending = (p: PendingWebhookDeliveries): string =>
  `${attempts(p.total)} pending (${p.stored} stored, ${p.inMemory} of in-memory subscriptions); ` +
  `${p.inEngine} queued or in flight here; ${p.due} due and unclaimed` +
  (p.nextAttemptAt ? `; the earliest stored one is due at ${p.nextAttemptAt.toISOString()}` : '');

/** `waitForDeliveries` ran out of time. */
export const deliveriesTimeoutMessage = (timeout: number, pending: PendingWebhookDeliveries, engine?: string): string =>
  `Webhook deliveries still pending after ${timeout} ms: ${describePending(pending)}.` +
  (engine ? ` Engine: ${engine}` : '') +
  ' Check that scripted responses answer within the deadline (respondWith delayMs), that delivery.enabled is true on ' +
  'this instance, and that the module clock reaches the time of scheduled tries; or pass a longer { timeout }.';

/** `waitForDeliveries` was called while deliveries are deferred. */
export const deliveriesDeferredMessage = (pending: PendingWebhookDeliveries): string =>
  `WebhooksTestKit.waitForDeliveries(): deliveries are deferred, so ${describePending(pending)} would never be sent. ` +
  'Call releaseDeliveries() first.';
