import { STATUS_CODES } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { WebhookValidationError } from '../core/errors/webhooks.errors';
import type { WebhookClock, WebhookTargetOptions } from '../options/webhooks-module-options.interface';
import type { WebhookResolver } from '../core/security/destination.interface';
import {
  type WebhookTransportOptions,
  WebhookTransport,
  type WebhookTransportRequest,
  type WebhookTransportResponse,
} from '../options/webhook-transport.interface';
import { RecordedWebhookRequest } from './recorded-request';
import { SimulatedLookupError, SimulatedNetworkError } from './testing.errors';
import {
  delayReason,
  headersReason,
  hostMatcherReason,
  requestsTimeoutMessage,
  responderReason,
  simulatedTimeoutMessage,
  statusReason,
} from './testing.messages';
import { assertUrlMatcher, FailureSwitch, type WebhookUrlMatcher, urlMatches } from './url-matcher';

/**
 * The address every host name resolves to offline: 192.0.2.1, in TEST-NET-1 (RFC 5737), which is never
 * routed. Nothing connects to it; the destination guard pins it as it would a real address.
 */
export const OFFLINE_DESTINATION_ADDRESS = '192.0.2.1';

/** A scripted answer. */
export interface WebhookTestResponse {
  /**
   * The HTTP status.
   * @default 200
   */
  status?: number;
  /**
   * The reason phrase.
   * @default the standard one for the status (`OK`, `Not Found`, ...)
   */
  reason?: string;
  /**
   * Response headers (names are lower-cased, as a real transport reports them).
   * @default { 'content-type': 'text/plain' }, or 'application/json' when `body` is not a string
   */
  headers?: Record<string, string>;
  /**
   * The body: a string as is, anything else as JSON. Cut at `delivery.maxResponseBodyBytes` like a real one.
   * @default ''
   */
  body?: string | object;
  /**
   * Answer after this many milliseconds; beyond `delivery.timeout` the try times out like a slow server's.
   * @default 0
   */
  delayMs?: number;
}

/**
 * How a request is answered: a status, a response, or a function of the request returning either (or a
 * promise of one). A function that throws makes the try fail as a network error would.
 */
export type WebhookTestResponder =
  | number
  | WebhookTestResponse
  | ((request: RecordedWebhookRequest) => number | WebhookTestResponse | Promise<number | WebhookTestResponse>);

/** Options of {@link MemoryWebhookTransport}. */
export interface MemoryTransportOptions {
  /**
   * How requests that no `respondWith` rule matches are answered.
   * @default 200 (empty text/plain body)
   */
  defaultResponse?: WebhookTestResponder;
  /**
   * The clock stamping recorded requests (`at`, and the default time signatures are checked against).
   * @default the module's clock when the kit is wired (WebhooksTestingModule, WebhooksTestKit.from), else Date.now
   */
  clock?: WebhookClock;
}

/** Options of {@link MemoryWebhookTransport.waitForRequests}. */
export interface WaitForRequestsOptions {
  /**
   * Count only requests whose URL matches.
   * @default every request
   */
  to?: WebhookUrlMatcher;
  /**
   * Reject after this many milliseconds.
   * @default 10000
   */
  timeout?: number;
}

const systemClock: WebhookClock = { now: () => Date.now() };

/**
 * A webhook transport that never touches the network: it records every request and answers from a
 * script (`respondWith`), or fails like an unreachable server (`failRequests`). It also resolves host
 * names offline (`resolve`, installed by {@link offlineTargets}), to a fixed address or as failed lookups
 * (`failDestinationChecks`), so that destinations to any host work without DNS while the destination
 * guard still checks every URL's form.
 *
 * ```ts
 * const transport = createMemoryTransport();
 * WebhooksModule.forRoot({ delivery: { transport }, targets: transport.offlineTargets() });
 * ```
 */
export class MemoryWebhookTransport extends WebhookTransport {
  /** Every request sent, in order, including those failed by `failRequests()` (their `error` is set). */
  readonly requests: RecordedWebhookRequest[] = [];
  private rules: Array<{ matcher: WebhookUrlMatcher; responder: WebhookTestResponder }> = [];
  private defaultResponder: WebhookTestResponder;
  private readonly failingRequests = new FailureSwitch('url');
  private readonly failingLookups = new FailureSwitch('host', hostMatcherReason());
  private baseResolver?: WebhookResolver;
  private clock: WebhookClock;
  private readonly explicitClock: boolean;
  private waiters: Array<() => void> = [];

  constructor(private readonly options: MemoryTransportOptions = {}) {
    super();
    this.defaultResponder = assertResponder(options.defaultResponse ?? 200, 'defaultResponse');
    this.explicitClock = options.clock !== undefined;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The `targets` options that make the destination guard resolve through this transport: every host name
   * resolves to {@link OFFLINE_DESTINATION_ADDRESS} (allowed by an `allowedCidrs` entry), or, when `targets`
   * has a `resolver` of its own, through that one. The form checks (`https:` unless `allowHttp`, no
   * credentials) and the checks of IP literals and `localhost` stay as configured.
   */
  offlineTargets(targets: WebhookTargetOptions = {}): WebhookTargetOptions {
    // Leave a malformed resolver in place, so that the module's validation names it.
    if (targets.resolver !== undefined && typeof targets.resolver !== 'function') return targets;
    this.baseResolver = targets.resolver;
    return {
      ...targets,
      resolver: this.resolve,
      allowedCidrs: targets.resolver
        ? targets.allowedCidrs
        : [...(targets.allowedCidrs ?? []), OFFLINE_DESTINATION_ADDRESS],
    };
  }

  /** The offline resolver (see {@link offlineTargets}). */
  readonly resolve: WebhookResolver = async (hostname) => {
    if (this.failingLookups.matches(hostname)) throw new SimulatedLookupError(hostname);
    if (this.baseResolver) return this.baseResolver(hostname);
    return [{ address: OFFLINE_DESTINATION_ADDRESS, family: 4 }];
  };

  /**
   * Sets how requests are answered. With one argument, the answer to every request no rule matches; with
   * two, the answer to requests whose URL matches (the rule added last wins).
   * @throws WebhookValidationError when the status, delay or headers are malformed.
   */
  respondWith(responder: WebhookTestResponder): this;
  respondWith(url: WebhookUrlMatcher, responder: WebhookTestResponder): this;
  respondWith(...args: [WebhookTestResponder] | [WebhookUrlMatcher, WebhookTestResponder]): this {
    if (args.length === 1) {
      this.defaultResponder = assertResponder(args[0], 'responder');
    } else {
      const matcher = assertUrlMatcher(args[0], 'url');
      this.rules.push({ matcher, responder: assertResponder(args[1], 'responder') });
    }
    return this;
  }

  /**
   * Makes requests fail as if the server could not be reached: `true` (the default) every request,
   * a {@link WebhookUrlMatcher} the matching ones too, `false` none any more.
   */
  failRequests(on: boolean | WebhookUrlMatcher = true): this {
    this.failingRequests.set(on);
    return this;
  }

  /**
   * Makes host names fail to resolve, so that tries fail the destination check: `true` (the default) every
   * host, a host name (ending with `*` for a prefix), RegExp or predicate the matching ones too, `false`
   * none any more. IP literals and `localhost` are never looked up, so this does not affect them.
   */
  failDestinationChecks(on: boolean | WebhookUrlMatcher = true): this {
    this.failingLookups.set(on);
    return this;
  }

  /** The requests whose URL matches. */
  requestsTo(url: WebhookUrlMatcher): RecordedWebhookRequest[] {
    const matcher = assertUrlMatcher(url, 'url');
    return this.requests.filter((request) => urlMatches(matcher, request.url));
  }

  /**
   * Resolves with the requests (to `options.to`) once at least `count` were sent; rejects after the timeout
   * saying how many came.
   */
  async waitForRequests(count: number, options: WaitForRequestsOptions = {}): Promise<RecordedWebhookRequest[]> {
    const timeout = options.timeout ?? 10_000;
    const matching = () => (options.to === undefined ? [...this.requests] : this.requestsTo(options.to));
    const deadline = Date.now() + timeout;
    for (let found = matching(); ; found = matching()) {
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(requestsTimeoutMessage(count, describeMatcher(options.to), found.length, timeout));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Forgets the recorded requests, the `respondWith` rules and the failure modes. */
  reset(): void {
    this.requests.length = 0;
    this.rules = [];
    this.defaultResponder = assertResponder(this.options.defaultResponse ?? 200, 'defaultResponse');
    this.failingRequests.set(false);
    this.failingLookups.set(false);
  }

  /** Stamps recorded requests with the module's clock, unless a clock was given to the constructor. */
  useModuleClock(clock: WebhookClock): void {
    if (!this.explicitClock) this.clock = clock;
  }

  /**
   * Records the request and answers it from the script: the last matching `respondWith` rule, else the
   * default answer; rejects when `failRequests()` covers the URL, the responder throws, or the scripted
   * delay outlasts `options.timeout`.
   */
  async send(request: WebhookTransportRequest, options: WebhookTransportOptions): Promise<WebhookTransportResponse> {
    const { destination } = options;
    const recorded = new RecordedWebhookRequest(request, destination, new Date(this.clock.now()));
    this.requests.push(recorded);
    try {
      if (this.failingRequests.matches(request.url)) {
        throw new SimulatedNetworkError(request.url, destination.address, destination.port);
      }
      const responder =
        this.rules.findLast((rule) => urlMatches(rule.matcher, request.url))?.responder ?? this.defaultResponder;
      const answer = normalizeResponse(
        typeof responder === 'function' ? await responder(recorded) : responder,
        'response',
      );
      if (answer.delayMs) await delay(answer.delayMs, options);
      recorded.response = toTransportResponse(answer, options.maxResponseBodyBytes);
      return recorded.response;
    } catch (error) {
      recorded.error = error;
      throw error;
    } finally {
      for (const wake of this.waiters.splice(0)) wake();
    }
  }
}

/** A new in-memory transport (see {@link MemoryWebhookTransport}). */
export function createMemoryTransport(options: MemoryTransportOptions = {}): MemoryWebhookTransport {
  return new MemoryWebhookTransport(options);
}

function describeMatcher(matcher: WebhookUrlMatcher | undefined): string | undefined {
  if (matcher === undefined) return undefined;
  return typeof matcher === 'function' ? 'the matching URLs' : String(matcher);
}

function assertResponder(responder: unknown, field: string): WebhookTestResponder {
  if (typeof responder === 'function') return responder as WebhookTestResponder;
  return normalizeResponse(responder, field);
}

function normalizeResponse(answer: unknown, field: string): WebhookTestResponse {
  if (typeof answer === 'number') answer = { status: answer };
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer))
    throw new WebhookValidationError(field, responderReason());
  const response = answer as WebhookTestResponse;
  if (
    response.status !== undefined &&
    !(Number.isInteger(response.status) && response.status >= 100 && response.status <= 599)
  ) {
    throw new WebhookValidationError(`${field}.status`, statusReason());
  }
  if (response.delayMs !== undefined && !(Number.isInteger(response.delayMs) && response.delayMs >= 0)) {
    throw new WebhookValidationError(`${field}.delayMs`, delayReason());
  }
  const { headers } = response;
  if (
    headers !== undefined &&
    (typeof headers !== 'object' ||
      headers === null ||
      Object.values(headers).some((value) => typeof value !== 'string'))
  ) {
    throw new WebhookValidationError(`${field}.headers`, headersReason());
  }
  return response;
}

function toTransportResponse(answer: WebhookTestResponse, maxBodyBytes: number): WebhookTransportResponse {
  const status = answer.status ?? 200;
  const json = answer.body !== undefined && typeof answer.body !== 'string';
  const text =
    answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const headers: Record<string, string> = { 'content-type': json ? 'application/json' : 'text/plain' };
  for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value;
  const bytes = Buffer.from(text, 'utf8');
  const truncated = bytes.length > maxBodyBytes;
  // Cut like the real transports: at the byte limit, without the incomplete last UTF-8 character.
  const body = truncated ? new StringDecoder('utf8').write(bytes.subarray(0, maxBodyBytes)) : text;
  return { statusCode: status, reason: answer.reason ?? STATUS_CODES[status] ?? '', headers, body, truncated };
}

/** Waits like a slow server, giving up at `delivery.timeout` (or the engine's abort) as a real try does. */
function delay(ms: number, options: WebhookTransportOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const { signal } = options;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as a real transport's request does
    if (signal?.aborted) return reject(signal.reason);
    const timedOut = ms > options.timeout;
    const onAbort = () => {
      clearTimeout(timer);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above
      reject(signal!.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        if (timedOut) reject(new DOMException(simulatedTimeoutMessage(options.timeout), 'TimeoutError'));
        else resolve();
      },
      Math.min(ms, options.timeout),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
