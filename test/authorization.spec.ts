import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WEBHOOK_AUTHORIZER,
  WebhookEvents,
  WebhookSubscription,
  WebhookUnknownPermissionError,
  WebhookValidationError,
  WebhooksConfigurationError,
  WebhooksModule,
  type WebhookAuthorizationContext,
  type WebhookAuthorizer,
  type WebhooksModuleOptions,
} from '../lib';
import { PRECONDITION_FAILURES_MESSAGE } from '../lib/core/messages/status.messages';
import { isWithinScope } from '../lib/core/scopes/scope-path.util';
import { PreconditionFailureCounter } from '../lib/react/precondition-failures.counter';
import { createTestApp, type TestApp } from './support/app';
import { describeEachDatabase } from './support/databases';

interface Principal {
  id: string;
}

/**
 * The application's security, as the seed's doctests set it up with zope.principalregistry and
 * zope.securitypolicy: principals defined in a scope (visible there and beneath, as nested IAuthentication
 * utilities are), permissions granted per principal, managers who may do everything, and the logged-in
 * user in an AsyncLocalStorage (the seed's current interaction).
 */
class Directory implements WebhookAuthorizer<Principal> {
  readonly principals = new Map<string, string>();
  readonly grants = new Map<string, Set<string>>();
  readonly managers = new Set<string>();
  readonly permissions = new Set(['view', 'delete']);
  readonly loggedIn = new AsyncLocalStorage<string>();
  readonly calls = {
    findPrincipal: [] as Array<{ id: string; context: WebhookAuthorizationContext }>,
    isAllowed: [] as Array<{ id: string; permission: string; payload: unknown }>,
  };
  failure: Error | undefined;

  define(id: string, scope = '/'): this {
    this.principals.set(id, scope);
    return this;
  }

  grant(id: string, permission = 'view'): this {
    if (!this.grants.has(id)) this.grants.set(id, new Set());
    this.grants.get(id)!.add(permission);
    return this;
  }

  findPrincipal(id: string, context: WebhookAuthorizationContext): Principal | null {
    this.calls.findPrincipal.push({ id, context });
    const home = this.principals.get(id);
    return home !== undefined && isWithinScope(context.scope, home) ? { id } : null;
  }

  isAllowed(principal: Principal, permission: string, payload: unknown): boolean {
    this.calls.isAllowed.push({ id: principal.id, permission, payload });
    if (this.failure) throw this.failure;
    if (!this.permissions.has(permission)) throw new WebhookUnknownPermissionError(permission);
    return this.managers.has(principal.id) || (this.grants.get(principal.id)?.has(permission) ?? false);
  }

  initiator(): string | undefined {
    return this.loggedIn.getStore();
  }
}

const TARGET = 'https://hooks.example.com/receiver';

describeEachDatabase('delivery security checks (the seed security.rst)', (db) => {
  let app: TestApp;
  let directory: Directory;
  let counter: PreconditionFailureCounter;

  beforeAll(async () => {
    directory = new Directory();
    // Nothing is sent: these tests look at which subscriptions an event reaches and at their counts.
    app = await createTestApp(db.options, { delivery: { enabled: false }, authorization: { authorizer: directory } });
    counter = app.module.get(PreconditionFailureCounter);
  });
  afterAll(() => app?.close());

  const subscribe = (events: string, extra: Record<string, unknown> = {}) =>
    app.subscriptions.create({ to: TARGET, events, ...extra });
  const reached = async (event: string, payload: unknown = { name: 'Folder' }, options = {}) =>
    (await app.dispatcher.dispatch(event, payload, options)).attempts.map((a) => a.subscriptionId);
  async function dispatchMany(event: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await app.dispatcher.dispatch(event, { i });
    await counter.whenIdle();
  }

  it('a subscription without an owner is always applicable, and the authorizer is not asked', async () => {
    const sub = await subscribe('folder.create');
    const before = directory.calls.findPrincipal.length + directory.calls.isAllowed.length;
    expect(await reached('folder.create')).toEqual([sub.id]);
    expect(directory.calls.findPrincipal.length + directory.calls.isAllowed.length).toBe(before);
  });

  it('is not applicable while the owner lacks the permission, and applicable once it is granted', async () => {
    directory.define('some.one');
    const sub = await subscribe('folder.open', { owner: 'some.one', permission: 'view' });
    expect(await reached('folder.open')).toEqual([]);
    // A plain denial is normal: not a precondition failure.
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(0);

    directory.grant('some.one', 'view');
    expect(await reached('folder.open')).toEqual([sub.id]);
  });

  it('checks the default permission when the subscription names none', async () => {
    directory.define('perm.default').grant('perm.default', 'view');
    const sub = await subscribe('folder.default', { owner: 'perm.default' });
    expect(await reached('folder.default')).toEqual([sub.id]);
    expect(directory.calls.isAllowed.at(-1)).toMatchObject({ id: 'perm.default', permission: 'view' });
  });

  it('requires the initiator to be allowed too (the seed existing interactions)', async () => {
    directory.define('owner.one').grant('owner.one').define('some.one.else').define('viewer').grant('viewer');
    const sub = await subscribe('folder.share', { owner: 'owner.one' });
    expect(await reached('folder.share')).toEqual([sub.id]);
    expect(await reached('folder.share', {}, { initiator: 'some.one.else' })).toEqual([]);
    expect(await reached('folder.share', {}, { initiator: 'viewer' })).toEqual([sub.id]);
    // The logged-in user, from the authorizer, when dispatch does not say.
    expect(await directory.loggedIn.run('some.one.else', () => reached('folder.share'))).toEqual([]);
    expect(await directory.loggedIn.run('viewer', () => reached('folder.share'))).toEqual([sub.id]);
    // An explicit null is a system action: only the owner is checked.
    expect(
      await directory.loggedIn.run('some.one.else', () => reached('folder.share', {}, { initiator: null })),
    ).toEqual([sub.id]);
    // An initiator nobody knows is refused, but it is no fault of the subscription.
    expect(await reached('folder.share', {}, { initiator: 'nobody.at.all' })).toEqual([]);
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(0);
  });

  it('rejects a malformed initiator naming the field', async () => {
    await expect(app.dispatcher.dispatch('folder.share', {}, { initiator: '' })).rejects.toMatchObject({
      field: 'initiator',
    });
    await expect(
      app.dispatcher.dispatch('folder.share', {}, { initiator: 42 as unknown as string }),
    ).rejects.toBeInstanceOf(WebhookValidationError);
  });

  it('gives the authorizer the payload as raised, not the shaped body', async () => {
    directory.define('raw.owner').grant('raw.owner');
    const sub = await subscribe('folder.raw', { owner: 'raw.owner', dialect: 'standard' });
    const payload = { name: 'Folder', nested: { secret: true } };
    expect(await reached('folder.raw', payload)).toEqual([sub.id]);
    expect(directory.calls.isAllowed.at(-1)!.payload).toBe(payload);
  });

  it('looks principals up in the scope of the event (principals exist in some parts of the tree only)', async () => {
    directory.define('nws.oun.bob', '/noaa/nws/oun').grant('nws.oun.bob');
    const sub = await subscribe('employee.update', { owner: 'nws.oun.bob', scope: '/noaa/nws' });
    expect(await reached('employee.update', {}, { scope: '/noaa/nws/oun' })).toEqual([sub.id]);
    expect(directory.calls.findPrincipal.at(-1)).toMatchObject({
      id: 'nws.oun.bob',
      context: { event: 'employee.update', scope: '/noaa/nws/oun' },
    });
    // Raised in the department, the office's principal cannot be found: a precondition failure.
    expect(await reached('employee.update', {}, { scope: '/noaa/nws' })).toEqual([]);
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(1);
  });

  it('asks about each principal and decision once per dispatch, however many subscriptions share them', async () => {
    directory.define('fan.owner').grant('fan.owner').define('fan.user').grant('fan.user');
    const subs = [];
    for (let i = 0; i < 5; i++) subs.push(await subscribe('fan.out', { owner: 'fan.owner' }));
    const found = directory.calls.findPrincipal.length;
    const asked = directory.calls.isAllowed.length;
    expect(await reached('fan.out', {}, { initiator: 'fan.user' })).toEqual(subs.map((s) => s.id));
    expect(directory.calls.findPrincipal.slice(found).map((c) => c.id)).toEqual(['fan.owner', 'fan.user']);
    expect(directory.calls.isAllowed.slice(asked).map((c) => c.id)).toEqual(['fan.owner', 'fan.user']);
  });

  it('counts an unknown permission as a precondition failure', async () => {
    directory.define('perm.owner').grant('perm.owner', 'view');
    const sub = await subscribe('folder.audit', { owner: 'perm.owner', permission: 'no.such.permission' });
    expect(await reached('folder.audit')).toEqual([]);
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(1);
  });

  it('keeps the event from a subscription whose check throws, without counting it, and reaches the others', async () => {
    directory.define('flaky.owner').grant('flaky.owner');
    const open = await subscribe('folder.flaky');
    const owned = await subscribe('folder.flaky', { owner: 'flaky.owner' });
    directory.failure = new Error('user store unavailable');
    try {
      expect(await reached('folder.flaky')).toEqual([open.id]);
    } finally {
      directory.failure = undefined;
    }
    await counter.whenIdle();
    expect((await app.subscriptions.get(owned.id)).preconditionFailures).toBe(0);
    expect(await reached('folder.flaky')).toEqual([open.id, owned.id]);
  });

  it('counts a dialect that is no longer registered as a precondition failure', async () => {
    const sub = await subscribe('folder.dialect');
    await app.dataSource
      .createQueryBuilder()
      .update(WebhookSubscription)
      .set({ dialect: 'retired' })
      .where({ id: sub.id })
      .execute();
    await app.registry.load();
    expect(await reached('folder.dialect')).toEqual([]);
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(1);
  });

  it('keeps the count when the transaction that raised the event rolls back', async () => {
    const sub = await subscribe('folder.rollback', { owner: 'never.defined' });
    await expect(
      app.dataSource.transaction(async (manager) => {
        expect((await app.dispatcher.dispatch('folder.rollback', {}, { manager })).attempts).toEqual([]);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    await counter.whenIdle();
    expect((await app.subscriptions.get(sub.id)).preconditionFailures).toBe(1);
  });

  it('does not count plain denials, however many (the seed deliver_some(100))', async () => {
    directory.define('denied.owner').grant('denied.owner').define('denied.user');
    const sub = await subscribe('folder.deny', { owner: 'denied.owner' });
    await directory.loggedIn.run('denied.user', () => dispatchMany('folder.deny', 100));
    expect(await app.subscriptions.get(sub.id)).toMatchObject({ active: true, preconditionFailures: 0 });
    expect((await app.attempts.list(sub.id)).items).toHaveLength(0);
  });

  it('deactivates after 50 precondition failures with the seed message; activating resets the count', async () => {
    directory.define('carol').grant('carol');
    const sub = await subscribe('folder.touch', { owner: 'carol' });
    expect(await reached('folder.touch')).toEqual([sub.id]);
    expect((await app.attempts.list(sub.id)).items).toHaveLength(1);

    // The principal goes away (without anything deleting its subscriptions).
    directory.principals.delete('carol');
    await dispatchMany('folder.touch', 49);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      active: true,
      statusMessage: 'Active',
      preconditionFailures: 49,
    });

    await dispatchMany('folder.touch', 2);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      active: false,
      statusMessage: PRECONDITION_FAILURES_MESSAGE,
    });
    expect((await app.attempts.list(sub.id)).items).toHaveLength(1);
    const reachedLimit = app.events.filter(
      (e) => e.name === WebhookEvents.preconditionFailureLimitReached && e.payload.subscription.id === sub.id,
    );
    expect(reachedLimit).toHaveLength(1);
    expect(reachedLimit[0].payload.failures).toBeGreaterThanOrEqual(50);
    const deactivated = app.events.filter(
      (e) => e.name === WebhookEvents.subscriptionDeactivated && e.payload.subscription.id === sub.id,
    );
    expect(deactivated.map((e) => e.payload.reason)).toEqual([PRECONDITION_FAILURES_MESSAGE]);
    // Inactive: events no longer reach it, nor count.
    expect(await reached('folder.touch')).toEqual([]);

    expect(await app.subscriptions.activate(sub.id)).toBe(true);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      active: true,
      statusMessage: 'Active',
      preconditionFailures: 0,
    });
    await dispatchMany('folder.touch', 50);
    expect(await app.subscriptions.get(sub.id)).toMatchObject({
      active: false,
      statusMessage: PRECONDITION_FAILURES_MESSAGE,
    });
  });
});

describe('authorization without a database in the way', () => {
  const memory = { type: 'better-sqlite3', database: ':memory:' } as const;
  const quiet: WebhooksModuleOptions = { delivery: { enabled: false } };

  it('without an authorizer, owners are not checked (ownership is a label)', async () => {
    const app = await createTestApp(memory, quiet);
    try {
      const sub = await app.subscriptions.create({ to: TARGET, events: 'a.b', owner: 'anyone', permission: 'view' });
      expect((await app.dispatcher.dispatch('a.b', {})).attempts.map((a) => a.subscriptionId)).toEqual([sub.id]);
    } finally {
      await app.close();
    }
  });

  it('counts static in-memory subscriptions in memory, deactivates them at the limit, and activation resets', async () => {
    const directory = new Directory();
    const app = await createTestApp(memory, {
      ...quiet,
      storage: 'memory',
      subscriptions: [{ to: TARGET, events: 'static.*', owner: 'gone' }],
      authorization: { authorizer: directory, preconditionFailureLimit: 3 },
    });
    const counter = app.module.get(PreconditionFailureCounter);
    try {
      const [stat] = (await app.subscriptions.list({ static: true })).items;
      for (let i = 0; i < 2; i++) expect((await app.dispatcher.dispatch('static.event', {})).attempts).toEqual([]);
      await counter.whenIdle();
      expect((await app.subscriptions.list({ static: true })).items[0]).toMatchObject({
        active: true,
        preconditionFailures: 2,
      });
      await app.dispatcher.dispatch('static.event', {});
      await counter.whenIdle();
      expect((await app.subscriptions.list({ static: true })).items[0]).toMatchObject({
        active: false,
        statusMessage: PRECONDITION_FAILURES_MESSAGE,
        preconditionFailures: 3,
      });
      expect(
        app.events
          .filter((e) => e.name === WebhookEvents.preconditionFailureLimitReached)
          .map((e) => e.payload.failures),
      ).toEqual([3]);
      expect(await app.subscriptions.activate(stat.id)).toBe(true);
      expect((await app.subscriptions.list({ static: true })).items[0]).toMatchObject({
        active: true,
        preconditionFailures: 0,
      });
      directory.define('gone').grant('gone');
      expect((await app.dispatcher.dispatch('static.event', {})).attempts).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('uses knowsPermission and a configured default permission', async () => {
    const asked: string[] = [];
    const authorizer: WebhookAuthorizer<string> = {
      findPrincipal: (id) => id,
      knowsPermission: (permission) => {
        asked.push(permission);
        return permission === 'read';
      },
      isAllowed: () => true,
    };
    const app = await createTestApp(memory, { ...quiet, authorization: { authorizer, defaultPermission: 'read' } });
    try {
      const counter = app.module.get(PreconditionFailureCounter);
      const fine = await app.subscriptions.create({ to: TARGET, events: 'doc.read', owner: 'u1' });
      const unknown = await app.subscriptions.create({
        to: TARGET,
        events: 'doc.read',
        owner: 'u1',
        permission: 'write',
      });
      expect((await app.dispatcher.dispatch('doc.read', {})).attempts.map((a) => a.subscriptionId)).toEqual([fine.id]);
      expect(asked).toEqual(['read', 'write']);
      await counter.whenIdle();
      expect((await app.subscriptions.get(unknown.id)).preconditionFailures).toBe(1);
      expect((await app.subscriptions.get(fine.id)).preconditionFailures).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('finds an authorizer provided under the WEBHOOK_AUTHORIZER token', async () => {
    const directory = new Directory().define('tok.owner');
    const app = await createTestApp(memory, quiet, {
      providers: [{ provide: WEBHOOK_AUTHORIZER, useValue: directory }],
    });
    try {
      await app.subscriptions.create({ to: TARGET, events: 'tok.en', owner: 'tok.owner' });
      expect((await app.dispatcher.dispatch('tok.en', {})).attempts).toEqual([]);
      expect(directory.calls.isAllowed.map((c) => c.id)).toEqual(['tok.owner']);
    } finally {
      await app.close();
    }
  });

  it('uses the application provider of an authorizer class, with its dependencies', async () => {
    @Injectable()
    class Grants {
      readonly allowed = new Set(['alice']);
    }
    @Injectable()
    class GrantsAuthorizer implements WebhookAuthorizer<string> {
      readonly asked: string[] = [];
      constructor(private readonly grants: Grants) {}
      findPrincipal(id: string) {
        return id;
      }
      isAllowed(principal: string) {
        this.asked.push(principal);
        return this.grants.allowed.has(principal);
      }
    }
    const app = await createTestApp(
      memory,
      { ...quiet, authorization: { authorizer: GrantsAuthorizer } },
      { providers: [Grants, GrantsAuthorizer] },
    );
    try {
      const alice = await app.subscriptions.create({ to: TARGET, events: 'cls.x', owner: 'alice' });
      await app.subscriptions.create({ to: TARGET, events: 'cls.x', owner: 'bob' });
      expect((await app.dispatcher.dispatch('cls.x', {})).attempts.map((a) => a.subscriptionId)).toEqual([alice.id]);
      expect(app.module.get(GrantsAuthorizer).asked).toEqual(['alice', 'bob']);
    } finally {
      await app.close();
    }
  });

  it('instantiates an authorizer class nobody provides, and fails startup naming the option when it cannot', async () => {
    class Standalone implements WebhookAuthorizer<string> {
      static instances = 0;
      constructor() {
        Standalone.instances++;
      }
      findPrincipal = (id: string) => id;
      isAllowed = () => false;
    }
    const app = await createTestApp(memory, { ...quiet, authorization: { authorizer: Standalone } });
    try {
      await app.subscriptions.create({ to: TARGET, events: 'solo.x', owner: 'x' });
      expect((await app.dispatcher.dispatch('solo.x', {})).attempts).toEqual([]);
      expect(Standalone.instances).toBe(1);
    } finally {
      await app.close();
    }

    class Missing {}
    @Injectable()
    class NeedsMissing implements WebhookAuthorizer {
      constructor(readonly missing: Missing) {}
      findPrincipal = () => null;
      isAllowed = () => false;
    }
    const failure = await createTestApp(memory, { ...quiet, authorization: { authorizer: NeedsMissing } }).then(
      async (unexpected) => {
        await unexpected.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WebhooksConfigurationError);
    expect((failure as WebhooksConfigurationError).option).toBe('authorization.authorizer');
  });

  it.each([
    [{ authorization: { authorizer: { findPrincipal: () => null } } }, 'authorization.authorizer', /isAllowed/],
    [{ authorization: { authoriser: {} } }, 'authorization.authoriser', /unknown option/],
    [{ authorization: { preconditionFailureLimit: 0 } }, 'authorization.preconditionFailureLimit', /whole number/],
    [{ authorization: { defaultPermission: '' } }, 'authorization.defaultPermission', /non-empty/],
    [
      { authorization: { principalRemovedEvent: ['user.deleted', 3] } },
      'authorization.principalRemovedEvent[1]',
      /event name/,
    ],
    [{ authorization: { removedPrincipal: 'id' } }, 'authorization.removedPrincipal', /function/],
  ])('rejects %j naming the option', (options, option, message) => {
    let error: unknown;
    try {
      WebhooksModule.forRoot(options as WebhooksModuleOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WebhooksConfigurationError);
    expect((error as WebhooksConfigurationError).option).toBe(option);
    expect((error as Error).message).toMatch(message);
  });
});
