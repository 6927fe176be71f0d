/**
 * Malformed requests for the admin API, from a seeded random generator: every route, with broken bodies,
 * paths, query strings and headers, sent as several principals. Each request says what it broke, so that
 * the suite can tell a validation error that names the wrong field from one that names the right one.
 */

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same requests. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    let roll = this.next() * choices.reduce((sum, [w]) => sum + w, 0);
    for (const [w, value] of choices) {
      roll -= w;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1][1];
  }
}

/** Who sends a request. */
export interface FuzzPrincipal {
  /** A label for reports. */
  label: string;
  headers: Record<string, string>;
  /** The principal id the API sees (`null`: none, 401/403). */
  id: string | null;
  isAdmin: boolean;
  scope: string | null;
}

/** What the generator knows about the stored data. */
export interface FuzzWorld {
  principals: FuzzPrincipal[];
  /** Fixture subscription ids by owner (principal id), static in-memory ones included. */
  subscriptions: Map<string, string[]>;
  /** Fixture attempt ids by subscription id. */
  attempts: Map<string, string[]>;
  /** Subscriptions created by accepted requests during the run, by owner: the only ones a request may delete. */
  disposable: Map<string, string[]>;
  /** Event names the catalog accepts. */
  events: string[];
}

/** One request to send. */
export interface FuzzRequest {
  principal: FuzzPrincipal;
  method: string;
  /** Path and query, already encoded as they go on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The route it aims at, for the statistics. */
  route: string;
  /** What was broken, for reports. */
  broken: string[];
  /** Fields (body or query) the request broke: a validation error should name one of them (or `body`). */
  fields: Set<string>;
  /**
   * The request is malformed below the API (JSON syntax, content type, percent-encoding, sizes): the
   * framework may answer 400/413/415/431 without naming a field.
   */
  framework: boolean;
  /** The subscription id in the path, when the path carries one. */
  subject?: string;
  /** For the replay route: the subscription id in the body, or `*` for none. */
  replayOf?: string;
}

type Route =
  | 'list'
  | 'create'
  | 'get'
  | 'update'
  | 'delete'
  | 'activate'
  | 'deactivate'
  | 'rotate'
  | 'test'
  | 'attempts'
  | 'attempt'
  | 'retry'
  | 'replay'
  | 'eventTypes'
  | 'hookSubscribe'
  | 'hookUnsubscribe'
  | 'unknown';

/** Strings that break parsers, validators, SQL, logs and terminals. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\t\n\r',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud800y\udc00z',
  '\ud83d\ude00',
  '\u202eevil\u202c',
  '\u200b\u200c\u200d\ufeff',
  '\u0645\u0631\u062d\u0628\u0627',
  'e\u0301\u0301\u0301\u0301',
  '\uffff\ufffe',
  "' OR '1'='1",
  "'; DROP TABLE webhook_subscriptions; --",
  '"; DELETE FROM webhook_delivery_attempts; --',
  '\\',
  '%00',
  '%2e%2e%2f',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'null',
  'undefined',
  'true',
  'NaN',
  '1e999',
  '-0',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  '/',
  '//',
  '/..',
  '/a/../b',
  '*',
  '*.*',
  'contact.create',
  'CONTACT.CREATE',
  'contact.create ',
  'contact..create',
];

const BAD_URLS = [
  'javascript:alert(1)',
  'ftp://hooks.example.com/x',
  'http://hooks.example.com/x',
  'https://user:pw@hooks.example.com/x',
  'https://127.0.0.1/x',
  'https://[::1]/x',
  'https://169.254.169.254/latest/meta-data',
  'https://[fd00:ec2::254]/',
  'https://10.0.0.1/',
  'https://0x7f000001/',
  'https://2130706433/',
  'https:///nohost',
  'https://',
  'hooks.example.com/x',
  '//hooks.example.com/x',
  ' https://hooks.example.com/x',
  'https://hooks.example.com/x\u0000',
  'https://ex\u202eample.com/',
  'https://xn--/',
  'https://hooks.example.com:99999/',
  'https://hooks.example.com/' + '%'.repeat(10),
  'data:text/plain,hello',
];

const BAD_IDS = [
  '',
  '.',
  '..',
  '%2e',
  '%2e%2e',
  '%2E%2E%2Fsubscriptions',
  '..%2f..%2f',
  '..%5c..%5c',
  '%00',
  'a%00b',
  '%',
  '%ZZ',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AE%C0%AE',
  '%FF%FE',
  '%20',
  '+',
  '%3F',
  '%23',
  '%2F',
  "'%20OR%20'1'%3D'1",
  '1%3BDROP%20TABLE%20webhook_subscriptions',
  'static:',
  'static:nope',
  'static%3A..',
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-7000-8000-000000000000',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '-1',
  '1e309',
  '[]',
  '%7B%7D',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/xml',
  'application/json-patch+json',
  'APPLICATION/JSON',
  'application/json;;',
  '',
];

const MALFORMED_JSON = [
  '{',
  '}',
  '{"to":',
  '{"to": "https://a.example/x",}',
  "{'to': 'x'}",
  '{"to": NaN}',
  '{"to": undefined}',
  '{"a":1}{"b":2}',
  '[1,2',
  '"unterminated',
  'nul',
  '\ufeff{"events":["contact.create"]}',
  '{"events": ["contact.create"] /* comment */}',
  '{"\\ud800": 1, "to": "\\uZZZZ"}',
  '\u0000',
  '{"x": 1e400}',
  '-',
];

/** Generates the requests. */
export class AdminFuzzer {
  constructor(
    private readonly rng: Rng,
    private readonly world: FuzzWorld,
    private readonly base = '/webhooks',
  ) {}

  next(): FuzzRequest {
    const rng = this.rng;
    const principal = rng.pick(this.world.principals);
    const route = rng.weighted<Route>([
      [10, 'list'],
      [14, 'create'],
      [6, 'get'],
      [12, 'update'],
      [4, 'delete'],
      [4, 'activate'],
      [5, 'deactivate'],
      [6, 'rotate'],
      [3, 'test'],
      [7, 'attempts'],
      [4, 'attempt'],
      [3, 'retry'],
      [6, 'replay'],
      [2, 'eventTypes'],
      [6, 'hookSubscribe'],
      [3, 'hookUnsubscribe'],
      [3, 'unknown'],
    ]);
    const request: FuzzRequest = {
      principal,
      method: 'GET',
      path: '',
      headers: { ...principal.headers },
      route,
      broken: [],
      fields: new Set(),
      framework: false,
    };
    this[route](request);
    // Every request is broken somewhere; when the route's own step broke nothing, break a header or the path.
    if (request.broken.length === 0) this.breakSomething(request);
    if (rng.chance(0.05)) this.oddHeaders(request);
    // Percent-encoding that does not decode, and request lines beyond Node's header limit, are refused
    // before the API sees them.
    if (!decodes(request.path) || request.path.length > 8_000) request.framework = true;
    // Fastify's JSON parser refuses bodies with these keys (prototype poisoning) before the API sees them.
    if (request.body !== undefined && /"(__proto__|constructor)"\s*:/.test(request.body)) request.framework = true;
    return request;
  }

  // --- routes ----------------------------------------------------------------------------------------

  private list(r: FuzzRequest): void {
    r.path = `${this.base}/subscriptions${this.query(r, {
      scope: () => this.rng.pick(['/', '/acme', '/acme/sales', ...this.badScopes()]),
      within: () => this.rng.pick(['/', '/acme', ...this.badScopes()]),
      owner: () => this.rng.pick(['alice', 'bob', 'carol', 'nobody', ...NASTY_STRINGS]),
      event: () => this.rng.pick(['contact.create', 'contact.*', '*', ...NASTY_STRINGS]),
      active: () => this.rng.pick(['true', 'false', 'TRUE', '1', '0', 'yes', '', 'null']),
      limit: () => this.badLimit(),
      cursor: () => this.badCursor(),
    })}`;
  }

  private create(r: FuzzRequest): void {
    r.method = 'POST';
    r.path = `${this.base}/subscriptions`;
    this.body(r, {
      to: this.goodUrl(),
      events: [this.rng.pick(this.world.events)],
      description: 'fuzz',
      ...(this.rng.chance(0.3) ? { metadata: { k: 'v' } } : {}),
      ...(this.rng.chance(0.2) ? { dialect: 'standard' } : {}),
    });
  }

  private get(r: FuzzRequest): void {
    this.subscriptionPath(r, '', false);
  }

  private update(r: FuzzRequest): void {
    r.method = 'PATCH';
    this.subscriptionPath(r, '', true);
    this.body(
      r,
      this.rng.pick([
        { description: 'changed' },
        { events: [this.rng.pick(this.world.events)] },
        { to: this.goodUrl() },
        { metadata: null },
      ]),
    );
  }

  private delete(r: FuzzRequest): void {
    r.method = 'DELETE';
    this.subscriptionPath(r, '', true, true);
    if (this.rng.chance(0.2)) this.body(r, {});
  }

  private activate(r: FuzzRequest): void {
    r.method = 'POST';
    this.subscriptionPath(r, '/activate', true);
    if (this.rng.chance(0.3)) this.body(r, {});
  }

  private deactivate(r: FuzzRequest): void {
    r.method = 'POST';
    this.subscriptionPath(r, '/deactivate', true);
    this.body(r, this.rng.chance(0.5) ? { statusMessage: 'paused' } : {});
  }

  private rotate(r: FuzzRequest): void {
    r.method = 'POST';
    this.subscriptionPath(r, '/rotate-secret', true);
    this.body(
      r,
      this.rng.pick([{}, { overlapMs: 3_600_000 }, { secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64') }]),
    );
  }

  private test(r: FuzzRequest): void {
    r.method = 'POST';
    this.subscriptionPath(r, '/test', true);
  }

  private attempts(r: FuzzRequest): void {
    this.subscriptionPath(r, '', false);
    r.path = r.path.replace(/\?.*$/, '');
    r.path += `/attempts${this.query(r, {
      status: () => this.rng.pick(['pending', 'failed', 'successful', 'FAILED', 'done', '', ...NASTY_STRINGS]),
      since: () =>
        this.rng.pick([
          '2025-01-31T00:00:00Z',
          'yesterday',
          '2025-13-45',
          '0',
          '-1',
          '9999999999999',
          '2025-02-30',
          ...NASTY_STRINGS,
        ]),
      limit: () => this.badLimit(),
      cursor: () => this.badCursor(),
    })}`;
  }

  private attempt(r: FuzzRequest): void {
    this.attemptPath(r, '');
  }

  private retry(r: FuzzRequest): void {
    r.method = 'POST';
    this.attemptPath(r, '/retry');
  }

  private replay(r: FuzzRequest): void {
    r.method = 'POST';
    r.path = `${this.base}/attempts/replay`;
    const own = this.ownSubscription(r.principal);
    const target = this.rng.weighted<string | undefined>([
      [3, own],
      [3, this.othersSubscription(r.principal)],
      [1, undefined],
    ]);
    const body = { ...(target ? { subscriptionId: target } : {}), status: this.rng.pick(['failed', 'successful']) };
    // Without one, only an administrator of every scope may replay: others are told to name a subscription.
    if (!target) r.fields.add('subscriptionId');
    this.body(r, body);
  }

  private eventTypes(r: FuzzRequest): void {
    r.path = `${this.base}/event-types${this.rng.chance(0.5) ? this.query(r, { limit: () => this.badLimit(), x: () => this.rng.pick(NASTY_STRINGS) }) : ''}`;
    r.broken.push('event-types with junk');
  }

  private hookSubscribe(r: FuzzRequest): void {
    r.method = 'POST';
    r.path = `${this.base}/hooks`;
    this.body(r, { target_url: this.goodUrl(), event: this.rng.pick(this.world.events) });
  }

  private hookUnsubscribe(r: FuzzRequest): void {
    r.method = 'DELETE';
    const { id, subject } = this.subscriptionId(r, true);
    r.path = `${this.base}/hooks/${id}`;
    r.subject = subject;
  }

  private unknown(r: FuzzRequest): void {
    const own = this.ownSubscription(r.principal) ?? 'x';
    r.method = this.rng.pick(['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS']);
    r.path = this.rng.pick([
      `${this.base}`,
      `${this.base}/`,
      `${this.base}//subscriptions`,
      `${this.base}/subscriptions/../subscriptions`,
      `${this.base}/%73ubscriptions`,
      `${this.base}/subscriptions;x=1`,
      `${this.base}/SUBSCRIPTIONS`,
      `${this.base}/subscriptions/${own}/activate/extra`,
      `${this.base}/subscriptions/${own}/attempts/`,
      `${this.base}/attempts`,
      `${this.base}/attempts/replay/../../subscriptions`,
      `${this.base}/hooks`,
      `${this.base}/event-types/${own}`,
      `/${this.base}/subscriptions`,
      `${this.base}/subscriptions/${own}/%2e%2e/%2e%2e/event-types`,
      `${this.base}/subscriptions/${own}\\..\\..`,
      '/',
      '/webhooks%2fsubscriptions',
    ]);
    r.subject = r.path.includes(own) ? own : undefined;
    // Routing is case-insensitive and forgiving: such a request may reach a route and be refused for any field.
    r.fields.add('*');
    if (r.method !== 'GET' && this.rng.chance(0.5)) this.body(r, { to: this.goodUrl(), events: ['contact.create'] });
    r.broken.push(`unknown route ${r.method} ${r.path}`);
  }

  // --- paths -----------------------------------------------------------------------------------------

  /** A subscription path: own (then something else is broken), another owner's, or a tricky id. */
  private subscriptionPath(r: FuzzRequest, suffix: string, mutating: boolean, destructive = false): void {
    const { id, subject } = this.subscriptionId(r, destructive);
    r.path = `${this.base}/subscriptions/${id}${suffix}`;
    r.subject = subject;
    if (!mutating && this.rng.chance(0.2))
      r.path += this.query(r, { x: () => this.rng.pick(NASTY_STRINGS), limit: () => this.badLimit() });
  }

  private attemptPath(r: FuzzRequest, suffix: string): void {
    const rng = this.rng;
    const ownSub = this.ownSubscription(r.principal);
    const otherSub = this.othersSubscription(r.principal);
    const [sub, attempt, broke] = rng.weighted<[string | undefined, string | undefined, string]>([
      [3, [ownSub, this.attemptOf(otherSub), "own subscription, another's attempt"]],
      [3, [otherSub, this.attemptOf(otherSub), "another's subscription and attempt"]],
      [2, [ownSub, this.badId(), 'own subscription, bad attempt id']],
      [2, [this.badId(), this.attemptOf(ownSub), 'bad subscription id, own attempt']],
      [2, [ownSub, this.attemptOf(ownSub), 'own attempt']],
    ]);
    r.path = `${this.base}/subscriptions/${sub ?? this.badId()}/attempts/${attempt ?? this.badId()}${suffix}`;
    r.subject = sub;
    if (broke !== 'own attempt') r.broken.push(broke);
  }

  private subscriptionId(r: FuzzRequest, destructive: boolean): { id: string; subject?: string } {
    const rng = this.rng;
    const principal = r.principal;
    // Fixture subscriptions are never the target of a request that could delete them: only disposable ones.
    const own = destructive
      ? rng.pick(this.world.disposable.get(principal.id ?? '') ?? [undefined])
      : this.ownSubscription(principal);
    const other = destructive
      ? (this.othersDisposable(principal) ?? this.othersSubscription(principal))
      : this.othersSubscription(principal);
    const choice = rng.weighted<string>([
      [4, 'own'],
      [5, 'other'],
      [1, 'upper'],
      [1, 'long'],
      [1, 'unicode'],
      [1, 'suffix'],
      [4, 'bad'],
    ]);
    switch (choice) {
      case 'own':
        if (own) return { id: encodeURIComponent(own), subject: own };
        break;
      case 'other':
        if (other) {
          r.broken.push("another owner's id");
          return { id: encodeURIComponent(other), subject: other };
        }
        break;
      case 'upper':
        if (own) {
          r.broken.push('id in upper case');
          return { id: own.toUpperCase(), subject: own };
        }
        break;
      case 'long':
        r.broken.push('very long id');
        return { id: 'a'.repeat(rng.pick([37, 65, 256, 4096, 20_000])) };
      case 'unicode':
        r.broken.push('unicode id');
        return {
          id: encodeURIComponent(rng.pick(NASTY_STRINGS.filter((s) => s.length > 0 && isWellFormed(s))) + (own ?? '')),
        };
      case 'suffix':
        if (own) {
          r.broken.push('id with a path trick');
          return { id: `${own}${rng.pick(['/..', '%2f..', '/.', '%00', '..', ' ', '%20', '/../' + own, ';', '%3B'])}` };
        }
        break;
    }
    r.broken.push('malformed id');
    return { id: this.badId() };
  }

  private badId(): string {
    return this.rng.pick(BAD_IDS);
  }

  private ownSubscription(principal: FuzzPrincipal): string | undefined {
    const ids = [
      ...(this.world.subscriptions.get(principal.id ?? '') ?? []),
      ...(this.world.disposable.get(principal.id ?? '') ?? []),
    ];
    return ids.length === 0 ? undefined : this.rng.pick(ids);
  }

  private othersSubscription(principal: FuzzPrincipal): string | undefined {
    const ids = [...this.world.subscriptions].filter(([owner]) => owner !== principal.id).flatMap(([, list]) => list);
    return ids.length === 0 ? undefined : this.rng.pick(ids);
  }

  private othersDisposable(principal: FuzzPrincipal): string | undefined {
    const ids = [...this.world.disposable].filter(([owner]) => owner !== principal.id).flatMap(([, list]) => list);
    return ids.length === 0 ? undefined : this.rng.pick(ids);
  }

  private attemptOf(subscription: string | undefined): string | undefined {
    const ids = subscription ? this.world.attempts.get(subscription) : undefined;
    return ids && ids.length > 0 ? this.rng.pick(ids) : undefined;
  }

  // --- query strings ---------------------------------------------------------------------------------

  /** A query string with one to three parameters broken (bad values, arrays, objects, unknown names). */
  private query(r: FuzzRequest, params: Record<string, () => string>): string {
    const rng = this.rng;
    const parts: string[] = [];
    const names = Object.keys(params);
    const n = 1 + rng.int(3);
    for (let i = 0; i < n; i++) {
      const name = rng.chance(0.15)
        ? rng.pick(['colour', 'id', '__proto__', 'owner[', 'isAdmin', 'x'])
        : rng.pick(names);
      const value = Object.hasOwn(params, name) ? params[name]() : rng.pick(NASTY_STRINGS);
      const form = rng.weighted<string>([
        [6, 'plain'],
        [1, 'array'],
        [1, 'object'],
        [1, 'twice'],
        [1, 'nokey'],
      ]);
      const key = encodeURIComponent(name);
      const val = encodeURIComponent(toWellFormed(value));
      if (form === 'plain') parts.push(`${key}=${val}`);
      else if (form === 'array') parts.push(`${key}[]=${val}&${key}[]=${val}`);
      else if (form === 'object') parts.push(`${key}[a]=${val}`);
      else if (form === 'twice')
        parts.push(
          `${key}=${val}&${key}=${encodeURIComponent(toWellFormed(Object.hasOwn(params, name) ? params[name]() : 'x'))}`,
        );
      else parts.push(key);
      r.fields.add(name);
      r.broken.push(`query ${form} ${name}=${value.slice(0, 40)}`);
    }
    if (rng.chance(0.05)) {
      parts.push(rng.pick(['%', '%ZZ', '%E0%A4%A', 'a=%ED%A0%80', '&&&', '=', 'a=b=c']));
      r.fields.add('a');
      r.fields.add('""');
    }
    return `?${parts.join('&')}`;
  }

  private badLimit(): string {
    return this.rng.pick([
      '0',
      '-1',
      '501',
      '1e3',
      '1.5',
      'abc',
      ' 5',
      '0x10',
      '',
      '99999999999999999999',
      'NaN',
      'Infinity',
      '5 ',
      '+5',
      '１',
    ]);
  }

  private badCursor(): string {
    const rng = this.rng;
    return rng.pick([
      'garbage',
      '',
      Buffer.from('c1:not-an-id').toString('base64url'),
      Buffer.from(`c1:${'0'.repeat(36)}' OR 1=1`).toString('base64url'),
      Buffer.from('c2:01938f6e-8a9c-7cc1-9e2b-4c1f0f7d2a10').toString('base64url'),
      'x'.repeat(201),
      '%%%',
      '\u0000',
      Buffer.from('\ud800').toString('base64'),
    ]);
  }

  private badScopes(): string[] {
    return [
      '',
      'acme',
      '/acme/',
      '//',
      '/a//b',
      '/..',
      '/acme/../..',
      '/' + 'a'.repeat(300),
      '/\u202e',
      '/a b',
      '/%00',
      ...NASTY_STRINGS.slice(0, 8),
    ];
  }

  // --- bodies ----------------------------------------------------------------------------------------

  /**
   * A body built from a valid one with one to three things broken: a field of the wrong type, missing or
   * unknown, huge, unicode, deeply nested; or a body that is not an object; or JSON that does not parse;
   * or the wrong content type.
   */
  private body(r: FuzzRequest, valid: Record<string, unknown>): void {
    const rng = this.rng;
    const body: Record<string, unknown> = { ...valid };
    const how = rng.weighted<string>([
      [14, 'fields'],
      [2, 'not-object'],
      [2, 'malformed'],
      [2, 'content-type'],
      [1, 'huge'],
      [1, 'deep'],
      [1, 'prototype'],
    ]);
    r.headers['content-type'] = 'application/json';
    switch (how) {
      case 'fields': {
        const n = 1 + rng.int(3);
        for (let i = 0; i < n; i++) this.breakField(r, body, valid);
        r.body = JSON.stringify(body);
        return;
      }
      case 'not-object': {
        const value = rng.pick<unknown>([[], [body], [1, 2], 'text', 42, null, true, -0, 1e308]);
        r.body = JSON.stringify(value);
        r.fields.add('body');
        // Express's JSON parser refuses top-level primitives itself (strict mode).
        if (!Array.isArray(value)) r.framework = true;
        r.broken.push(`body is ${JSON.stringify(value).slice(0, 30)}`);
        return;
      }
      case 'malformed':
        r.body = rng.pick(MALFORMED_JSON);
        r.framework = true;
        r.broken.push(`malformed JSON ${JSON.stringify(r.body).slice(0, 40)}`);
        return;
      case 'content-type': {
        const type = rng.pick(CONTENT_TYPES);
        r.body = rng.chance(0.5)
          ? JSON.stringify(body)
          : `to=${encodeURIComponent(this.goodUrl())}&events=contact.create&events=x`;
        if (type === '') delete r.headers['content-type'];
        else r.headers['content-type'] = type;
        r.framework = true;
        r.broken.push(`content-type ${type || '(none)'}`);
        return;
      }
      case 'huge': {
        const size = rng.pick([50_000, 99_000, 150_000, 1_200_000]);
        body[rng.pick(Object.keys(valid).concat('description'))] = 'h'.repeat(size);
        r.body = JSON.stringify(body);
        r.framework = true;
        r.fields.add('body');
        for (const key of Object.keys(body)) r.fields.add(key);
        r.broken.push(`huge ${size}`);
        return;
      }
      case 'deep': {
        const depth = rng.pick([40, 500, 5_000]);
        const field = rng.pick(['metadata', 'events', ...Object.keys(valid)]);
        const nested = rng.chance(0.5)
          ? '['.repeat(depth) + ']'.repeat(depth)
          : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        r.body = JSON.stringify({ ...body, [field]: '__DEEP__' }).replace('"__DEEP__"', nested);
        r.fields.add(field);
        r.broken.push(`nested ${depth} deep in ${field}`);
        return;
      }
      case 'prototype': {
        const trick = rng.pick([
          '{"__proto__": {"isAdmin": true, "polluted": "yes"}',
          '{"constructor": {"prototype": {"polluted": "yes"}}',
          '{"__proto__": null',
          '{"__proto__": {"owner": "alice"}',
        ]);
        const rest = JSON.stringify(body).slice(1);
        r.body = `${trick}${rest === '}' ? '}' : `, ${rest}`}`;
        r.fields.add('__proto__');
        r.fields.add('constructor');
        r.broken.push(`prototype trick ${trick}`);
        return;
      }
    }
  }

  private breakField(r: FuzzRequest, body: Record<string, unknown>, valid: Record<string, unknown>): void {
    const rng = this.rng;
    const known = [
      'to',
      'events',
      'scope',
      'owner',
      'permission',
      'dialect',
      'description',
      'metadata',
      'statusMessage',
      'secret',
      'overlapMs',
      'subscriptionId',
      'status',
      'since',
      'target_url',
      'event',
    ];
    const field =
      rng.chance(0.6) && Object.keys(valid).length > 0
        ? rng.pick(Object.keys(valid))
        : rng.pick([...known, 'colour', 'id', 'active', 'isAdmin', 'createdAt', 'secrets']);
    const kind = rng.weighted<string>([
      [4, 'wrong-type'],
      [2, 'missing'],
      [3, 'nasty'],
      [2, 'long'],
      [1, 'number-string'],
      [2, 'field-specific'],
    ]);
    r.fields.add(field);
    switch (kind) {
      case 'wrong-type':
        body[field] = this.randomJson(2);
        break;
      case 'missing':
        if (field in body) delete body[field];
        else body[field] = this.randomJson(1);
        break;
      case 'nasty':
        body[field] = rng.pick(NASTY_STRINGS);
        break;
      case 'long':
        body[field] = rng.pick(['x', 'é', '\ud83d\ude00', '\u202e']).repeat(rng.pick([256, 513, 1025, 2049, 17_000]));
        break;
      case 'number-string':
        body[field] = rng.pick(['1000', '0', '-1', '1e3', '3600000']);
        break;
      case 'field-specific':
        body[field] = this.fieldSpecific(field);
        break;
    }
    r.broken.push(`${kind} ${field}=${JSON.stringify(body[field])?.slice(0, 40)}`);
  }

  private fieldSpecific(field: string): unknown {
    const rng = this.rng;
    switch (field) {
      case 'to':
      case 'target_url':
        return rng.pick(BAD_URLS);
      case 'events':
        return rng.pick<unknown>([
          [],
          'contact.create',
          ['contact.create', 5],
          [['contact.create']],
          Array.from({ length: 101 }, () => 'contact.create'),
          ['unknown.event'],
          ['a.b.c'],
          ['contact.'],
          ['.create'],
          ['**'],
          ['contact.create', null],
          [{ pattern: 'contact.create' }],
        ]);
      case 'event':
        return rng.pick(['unknown.event', 'a.b.c', '', ['contact.create'], 7]);
      case 'scope':
        return rng.pick(this.badScopes());
      case 'metadata':
        return rng.pick<unknown>([
          [],
          'text',
          5,
          { big: 'm'.repeat(17_000) },
          Object.fromEntries(Array.from({ length: 2_000 }, (_v, i) => [`k${i}`, i])),
        ]);
      case 'overlapMs':
        return rng.pick<unknown>([-1, 1.5, 7 * 24 * 3_600_000 + 1, 1e308, '1000', null, [], {}]);
      case 'secret':
        return rng.pick([
          'whsec_',
          'whsec_short',
          'whsec_!!!!',
          'whsk_nope',
          'not-a-secret',
          'whsec_' + 'A'.repeat(600),
        ]);
      case 'since':
        return rng.pick(['yesterday', '2025-13-45T00:00:00Z', 1_700_000_000_000, '', '2025-02-30']);
      case 'status':
        return rng.pick(['pending', 'FAILED', 'all', '', 1]);
      case 'subscriptionId':
        return rng.pick<unknown>([...BAD_IDS, 'x'.repeat(65), 5, ['a']]);
      case 'dialect':
        return rng.pick(['nope', 'Standard', '', 'default ', 'x'.repeat(65)]);
      default:
        return this.randomJson(2);
    }
  }

  private randomJson(depth: number): unknown {
    const rng = this.rng;
    const kind = rng.int(depth > 0 ? 8 : 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return rng.chance(0.5);
      case 2:
        return rng.pick([0, -1, 1.5, 2 ** 53 + 1, -(2 ** 31), 1e308, Number.MIN_VALUE, 42]);
      case 3:
      case 4:
        return rng.pick(NASTY_STRINGS);
      case 5:
        return '';
      case 6:
        return Array.from({ length: rng.int(4) }, () => this.randomJson(depth - 1));
      default:
        return Object.fromEntries(
          Array.from({ length: rng.int(4) }, () => [rng.pick(NASTY_STRINGS), this.randomJson(depth - 1)]),
        );
    }
  }

  // --- other breakage --------------------------------------------------------------------------------

  private breakSomething(r: FuzzRequest): void {
    // Only requests aimed at the caller's own subscription get here: the route itself was fine.
    if (r.method === 'GET' || this.rng.chance(0.5)) {
      const sep = r.path.includes('?') ? '&' : '?';
      r.path += `${sep}${this.query(r, { x: () => this.rng.pick(NASTY_STRINGS) }).slice(1)}`;
    } else {
      this.oddHeaders(r);
    }
  }

  private oddHeaders(r: FuzzRequest): void {
    const rng = this.rng;
    const trick = rng.pick([
      'x-admin',
      'content-type',
      'accept',
      'x-http-method-override',
      'x-forwarded-for',
      'x-scope',
    ]);
    switch (trick) {
      case 'x-admin':
        // Only "true" makes an administrator (HTTP drops the blanks around a header value, so " true" is "true").
        if (r.principal.id !== null && !r.principal.isAdmin)
          r.headers['x-admin'] = rng.pick(['TRUE', '1', 'yes', 'true,', 't rue', 'True']);
        break;
      case 'content-type':
        r.headers['content-type'] = rng.pick(CONTENT_TYPES) || 'text/plain';
        // Also without a body: Fastify refuses an empty body announced as JSON.
        r.framework = true;
        break;
      case 'accept':
        r.headers.accept = rng.pick(['text/html', 'application/xml', '*/*;q=0', '\u00e9']);
        break;
      case 'x-http-method-override':
        r.headers['x-http-method-override'] = rng.pick(['DELETE', 'PUT', 'PATCH']);
        break;
      case 'x-forwarded-for':
        r.headers['x-forwarded-for'] = '127.0.0.1, 10.0.0.1';
        break;
      case 'x-scope':
        // Moving a non-administrator's scope is the principal resolver's business; keep principals as they are.
        r.headers['x-request-scope'] = '/acme';
        break;
    }
    r.broken.push(`header ${trick}`);
  }

  private goodUrl(): string {
    return `https://hooks-${this.rng.int(1000)}.example.com/fuzz`;
  }
}

/** Whether every path segment and query part percent-decodes. */
function decodes(path: string): boolean {
  try {
    for (const part of path.split(/[/?&=]/)) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Lone surrogates replaced (encodeURIComponent throws on them); what a client can put in a URL. */
function toWellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
