import { describe, expect, it } from 'vitest';
import { isEventName, isEventPattern, patternMatches } from '../lib/core/events/event-pattern.util';
import { isScope, isWithinScope, scopeLineage } from '../lib/core/scopes/scope-path.util';
import { normalizeEventPatterns } from '../lib/core/events/event-pattern.util';
import { WebhookValidationError } from '../lib/core/errors/webhooks.errors';

describe('event names and patterns', () => {
  it.each(['contact.create', 'contact.address.update', 'order_item.re-open', 'a.b'])('accepts the name %s', (name) => {
    expect(isEventName(name)).toBe(true);
    expect(isEventPattern(name)).toBe(true);
  });

  it.each([
    'contact',
    '.create',
    'contact.',
    'contact..create',
    'Contact.create',
    'contact.*',
    '*',
    'contact create',
    '',
    'a'.repeat(250) + '.b.c.d.e',
  ])('rejects the name %j', (name) => expect(isEventName(name)).toBe(false));

  it.each(['*', 'contact.*', '*.delete', 'contact.address.*'])('accepts the pattern %s', (pattern) => {
    expect(isEventPattern(pattern)).toBe(true);
  });

  it.each(['**', '*.*', 'contact.*.create', '*.contact.delete', 'contact*', '*contact.create', '.*'])(
    'rejects the pattern %s',
    (pattern) => {
      expect(isEventPattern(pattern)).toBe(false);
    },
  );

  it('matches names against patterns by noun and verb', () => {
    expect(patternMatches('contact.*', 'contact.create')).toBe(true);
    expect(patternMatches('contact.*', 'contact.address.update')).toBe(false);
    expect(patternMatches('contact.address.*', 'contact.address.update')).toBe(true);
    expect(patternMatches('*.delete', 'lead.delete')).toBe(true);
    expect(patternMatches('*.delete', 'lead.create')).toBe(false);
    expect(patternMatches('*', 'anything.goes')).toBe(true);
    expect(patternMatches('lead.create', 'contact.create')).toBe(false);
  });

  it('normalizes a pattern list, naming the bad entry', () => {
    expect(normalizeEventPatterns('contact.*')).toEqual(['contact.*']);
    expect(normalizeEventPatterns(['a.b', 'a.b', '*'])).toEqual(['a.b', '*']);
    const error = (() => {
      try {
        normalizeEventPatterns(['a.b', 'bad pattern']);
      } catch (e) {
        return e as WebhookValidationError;
      }
    })();
    expect(error).toBeInstanceOf(WebhookValidationError);
    expect(error!.field).toBe('events[1]');
    expect(() => normalizeEventPatterns([])).toThrow(/non-empty list/);
  });
});

describe('scopes', () => {
  it.each(['/', '/acme', '/acme/sales', '/NOAA/NWS/OUN', '/a-b_c.d~e@f:g+h=i'])('accepts %s', (scope) => {
    expect(isScope(scope)).toBe(true);
  });

  it.each([
    '',
    'acme',
    '/acme/',
    '//acme',
    '/acme//sales',
    '/./x',
    '/../x',
    '/a/..',
    '/a b',
    '/a%2f',
    `/${'x'.repeat(255)}`,
  ])('rejects %j', (scope) => expect(isScope(scope)).toBe(false));

  it('computes lineages nearest first', () => {
    expect(scopeLineage('/')).toEqual(['/']);
    expect(scopeLineage('/acme')).toEqual(['/acme', '/']);
    expect(scopeLineage('/acme/sales/emea')).toEqual(['/acme/sales/emea', '/acme/sales', '/acme', '/']);
  });

  it('knows which scopes lie beneath which', () => {
    expect(isWithinScope('/acme/sales', '/acme')).toBe(true);
    expect(isWithinScope('/acme', '/acme')).toBe(true);
    expect(isWithinScope('/acmesales', '/acme')).toBe(false);
    expect(isWithinScope('/acme', '/')).toBe(true);
    expect(isWithinScope('/', '/acme')).toBe(false);
  });
});
