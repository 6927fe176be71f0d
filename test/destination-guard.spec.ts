import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhooksConfigurationError, WebhookValidationError } from '../lib/core/errors/webhooks.errors';
import type { AddressRange } from '../lib/core/security/address.classifier';
import { WebhookDestinationGuard } from '../lib/deliver/destination.guard';
import { systemWebhookResolver } from '../lib/core/security/host-lookup.util';
import { WebhookDestinationError } from '../lib/core/errors/webhook-destination.error';
import { type CountingServer, getPinned, startCountingServer } from './support/connection-counting-server';
import { eventually } from './support/eventually';
import { StubResolver } from './support/stub-resolver';

const SEED_MESSAGE = 'Verification of the destination URL failed. Please check the domain.';

async function refusal(promise: Promise<unknown>): Promise<WebhookDestinationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the guard to refuse the destination');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WebhookDestinationError);
  return error as WebhookDestinationError;
}

async function validationFailure(promise: Promise<unknown>): Promise<WebhookValidationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a WebhookValidationError');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WebhookValidationError);
  return error as WebhookValidationError;
}

const urlHost = (address: string): string => (address.includes(':') ? `[${address}]` : address);

/** [address as a resolver or URL gives it, canonical form, range, IPv4 the verdict was judged on]. */
type BlockedCase = [string, string, AddressRange, string?];

/** Blocked by default, allowed by allowPrivateNetworks. */
const PRIVATE_NETWORK: BlockedCase[] = [
  ['127.0.0.1', '127.0.0.1', 'loopback'],
  ['127.255.255.254', '127.255.255.254', 'loopback'],
  ['10.0.0.5', '10.0.0.5', 'private'],
  ['172.16.0.1', '172.16.0.1', 'private'],
  ['172.31.255.255', '172.31.255.255', 'private'],
  ['192.168.1.1', '192.168.1.1', 'private'],
  ['100.64.0.1', '100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', '100.127.255.254', 'carrierGradeNat'],
  ['::1', '::1', 'loopback'],
  ['fc00::1', 'fc00::1', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'fd12:3456:789a::1', 'uniqueLocal'],
  ['fec0::1', 'fec0::1', 'siteLocal'],
  ['::ffff:127.0.0.1', '::ffff:7f00:1', 'loopback', '127.0.0.1'],
  ['::ffff:a00:5', '::ffff:a00:5', 'private', '10.0.0.5'],
  ['::ffff:192.168.0.1', '::ffff:c0a8:1', 'private', '192.168.0.1'],
  ['::127.0.0.1', '::7f00:1', 'loopback', '127.0.0.1'],
  ['::ffff:0:10.0.0.1', '::ffff:0:a00:1', 'private', '10.0.0.1'],
  ['64:ff9b::10.0.0.1', '64:ff9b::a00:1', 'private', '10.0.0.1'],
  ['64:ff9b::127.0.0.1', '64:ff9b::7f00:1', 'loopback', '127.0.0.1'],
  ['64:ff9b:1::8.8.8.8', '64:ff9b:1::808:808', 'localNat64'],
  ['64:ff9b:1:808:8:800::', '64:ff9b:1:808:8:800::', 'localNat64'],
  ['64:ff9b:1:a01:2:300::', '64:ff9b:1:a01:2:300::', 'private', '10.1.2.3'],
  ['2002:7f00:1::1', '2002:7f00:1::1', 'loopback', '127.0.0.1'],
  ['2002:c0a8:101::', '2002:c0a8:101::', 'private', '192.168.1.1'],
  // Teredo: server 65.54.227.120 (public), client 0xf5ff:0xfffe inverted = 10.0.0.1.
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', '2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private', '10.0.0.1'],
];

/** Blocked by default and by allowPrivateNetworks; only allowedCidrs opens them. */
const RESTRICTED: BlockedCase[] = [
  ['169.254.169.254', '169.254.169.254', 'metadata'],
  ['169.254.170.2', '169.254.170.2', 'metadata'],
  ['169.254.1.1', '169.254.1.1', 'linkLocal'],
  ['100.100.100.200', '100.100.100.200', 'metadata'],
  ['168.63.129.16', '168.63.129.16', 'metadata'],
  ['fd00:ec2::254', 'fd00:ec2::254', 'metadata'],
  ['fd20:ce::254', 'fd20:ce::254', 'metadata'],
  ['fe80::1', 'fe80::1', 'linkLocal'],
  ['0.0.0.0', '0.0.0.0', 'unspecified'],
  ['0.1.2.3', '0.1.2.3', 'unspecified'],
  ['::', '::', 'unspecified'],
  ['255.255.255.255', '255.255.255.255', 'broadcast'],
  ['224.0.0.1', '224.0.0.1', 'multicast'],
  ['239.255.255.250', '239.255.255.250', 'multicast'],
  ['ff02::1', 'ff02::1', 'multicast'],
  ['240.0.0.1', '240.0.0.1', 'reserved'],
  ['198.18.0.1', '198.18.0.1', 'reserved'],
  ['192.0.0.8', '192.0.0.8', 'reserved'],
  ['192.0.2.1', '192.0.2.1', 'documentation'],
  ['198.51.100.7', '198.51.100.7', 'documentation'],
  ['203.0.113.9', '203.0.113.9', 'documentation'],
  ['2001:db8::1', '2001:db8::1', 'documentation'],
  ['3fff::1', '3fff::1', 'documentation'],
  ['100::1', '100::1', 'reserved'],
  ['4000::1', '4000::1', 'reserved'],
  ['5f00::1', '5f00::1', 'reserved'],
  ['::ffff:169.254.169.254', '::ffff:a9fe:a9fe', 'metadata', '169.254.169.254'],
  ['::ffff:0.0.0.0', '::ffff:0:0', 'unspecified', '0.0.0.0'],
  ['64:ff9b::169.254.169.254', '64:ff9b::a9fe:a9fe', 'metadata', '169.254.169.254'],
  ['64:ff9b:1::a9fe:a9fe', '64:ff9b:1::a9fe:a9fe', 'metadata', '169.254.169.254'],
  ['64:ff9b:1:a9fe:a9:fe00::', '64:ff9b:1:a9fe:a9:fe00::', 'metadata', '169.254.169.254'],
  ['2002:a9fe:a9fe::1', '2002:a9fe:a9fe::1', 'metadata', '169.254.169.254'],
  ['2002:e000:1::', '2002:e000:1::', 'multicast', '224.0.0.1'],
];

/** Allowed by default. */
const PUBLIC: Array<[string, string]> = [
  ['8.8.8.8', '8.8.8.8'],
  ['1.1.1.1', '1.1.1.1'],
  ['172.32.0.1', '172.32.0.1'],
  ['100.128.0.1', '100.128.0.1'],
  ['169.253.255.255', '169.253.255.255'],
  ['192.169.0.1', '192.169.0.1'],
  ['2606:4700:4700::1111', '2606:4700:4700::1111'],
  ['2001:4860:4860::8888', '2001:4860:4860::8888'],
  ['::ffff:8.8.8.8', '::ffff:808:808'],
  ['64:ff9b::8.8.8.8', '64:ff9b::808:808'],
  ['2002:808:808::1', '2002:808:808::1'],
  // Teredo with a public client (0xf7f7:0xf7f7 inverted = 8.8.8.8).
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'],
];

describe('WebhookDestinationGuard', () => {
  describe('address table', () => {
    const blocked = [...PRIVATE_NETWORK, ...RESTRICTED];

    it.each(blocked)('blocks the literal %s (%s) by default, without DNS', async (input, canonical, range, ipv4) => {
      const dns = new StubResolver();
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const error = await refusal(guard.resolve(`https://${urlHost(input)}/hook`));
      expect(error.kind).toBe('blocked');
      expect(error.address).toBe(canonical);
      expect(error.classification?.range).toBe(range);
      expect(error.classification?.embedded?.ipv4).toBe(ipv4);
      expect(error.message).toMatch(/^Delivery blocked: the target address /);
      expect(error.message).toContain(canonical);
      expect(dns.calls).toEqual([]);
    });

    it.each(blocked)('blocks a host resolving to %s', async (input, canonical, range) => {
      const dns = new StubResolver().on('hooks.example.com', [input]);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const error = await refusal(guard.resolve('https://hooks.example.com/hook'));
      expect(error).toMatchObject({ kind: 'blocked', address: canonical, hostname: 'hooks.example.com' });
      expect(error.classification?.range).toBe(range);
      expect(error.message).toContain(`Delivery blocked: hooks.example.com resolves to ${canonical}, `);
      expect(dns.calls).toEqual(['hooks.example.com']);
    });

    it.each(PRIVATE_NETWORK)('allowPrivateNetworks lets %s through', async (input, canonical) => {
      const dns = new StubResolver().on('internal.example', [input]);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      await expect(guard.resolve('https://internal.example/hook')).resolves.toMatchObject({ address: canonical });
      await expect(guard.resolve(`https://${urlHost(input)}/hook`)).resolves.toMatchObject({ address: canonical });
    });

    it.each(RESTRICTED)('allowPrivateNetworks still blocks %s', async (input, canonical, range) => {
      const dns = new StubResolver().on('internal.example', [input]);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      const error = await refusal(guard.resolve('https://internal.example/hook'));
      expect(error).toMatchObject({ kind: 'blocked', address: canonical });
      expect(error.classification?.range).toBe(range);
      expect(error.message).toContain('targets.allowedCidrs');
      expect(error.message).not.toContain('allowPrivateNetworks');
    });

    it.each(PUBLIC)('allows the public address %s', async (input, canonical) => {
      const dns = new StubResolver().on('hooks.example.com', [input]);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const family = canonical.includes(':') ? 6 : 4;
      await expect(guard.resolve('https://hooks.example.com/hook')).resolves.toMatchObject({
        address: canonical,
        family,
      });
      await expect(guard.resolve(`https://${urlHost(input)}/hook`)).resolves.toMatchObject({
        address: canonical,
        family,
      });
    });
  });

  describe('literal spellings', () => {
    const LOOPBACK_SPELLINGS = [
      'http://2130706433/',
      'http://0x7f.1/',
      'http://017700000001/',
      'http://0x7f000001/',
      'http://0x7F.0x0.0x0.0x1/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://127.0.1/',
      'http://127.0.0.1./',
      'http://%31%32%37.0.0.1/',
      'http://\uff11\uff12\uff17.0.0.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[::1]:8080/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://localhost/',
      'http://LOCALHOST./',
      'http://api.localhost:3000/',
    ];

    it.each(LOOPBACK_SPELLINGS)('%s is loopback, checked without DNS', async (target) => {
      const dns = new StubResolver();
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true });
      const error = await refusal(guard.resolve(target));
      expect(error.kind).toBe('blocked');
      expect(error.classification?.range).toBe('loopback');
      expect(dns.calls).toEqual([]);
      // ...and pinned to the loopback address itself when private networks are allowed.
      const open = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true, allowPrivateNetworks: true });
      const destination = await open.resolve(target);
      expect(['127.0.0.1', '::1', '::ffff:7f00:1']).toContain(destination.address);
      expect(dns.calls).toEqual([]);
    });

    it.each([
      ['http://2852039166/', '169.254.169.254'],
      ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
      ['http://0251.0376.0251.0376/', '169.254.169.254'],
      ['http://169.254.43518/', '169.254.169.254'],
      ['http://0/', '0.0.0.0'],
      ['http://0x0a000005/', '10.0.0.5'],
      ['http://[::ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ])('%s is %s', async (target, address) => {
      const dns = new StubResolver();
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true });
      const error = await refusal(guard.resolve(target));
      expect(error).toMatchObject({ kind: 'blocked', address });
      expect(dns.calls).toEqual([]);
    });

    it('asks DNS for names that only look numeric', async () => {
      const dns = new StubResolver().on('127.0.0.1.nip.example', ['127.0.0.1']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const error = await refusal(guard.resolve('https://127.0.0.1.nip.example/'));
      expect(error).toMatchObject({ kind: 'blocked', address: '127.0.0.1' });
      expect(dns.calls).toEqual(['127.0.0.1.nip.example']);
    });

    it('does not mistake a name ending in "localhost" for localhost', async () => {
      const dns = new StubResolver().on('mylocalhost.example', ['8.8.4.4']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      await expect(guard.resolve('https://mylocalhost.example/')).resolves.toMatchObject({ address: '8.8.4.4' });
    });
  });

  describe('resolved destination', () => {
    it('returns the URL, the hostname without brackets, the port and the pinned address', async () => {
      const dns = new StubResolver().on('hooks.example.com', ['2606:4700:4700::1111', '1.1.1.1']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true });

      const named = await guard.resolve('https://hooks.example.com/a?b=1');
      expect(named).toMatchObject({
        hostname: 'hooks.example.com',
        port: 443,
        address: '2606:4700:4700::1111',
        family: 6,
      });
      expect(named.url.href).toBe('https://hooks.example.com/a?b=1');

      expect(await guard.resolve('http://hooks.example.com:8080/')).toMatchObject({
        port: 8080,
        address: '2606:4700:4700::1111',
      });
      expect(await guard.resolve('http://hooks.example.com/')).toMatchObject({ port: 80 });
      expect(await guard.resolve('https://[2606:4700:4700::1111]:8443/x')).toMatchObject({
        hostname: '2606:4700:4700::1111',
        port: 8443,
        address: '2606:4700:4700::1111',
        family: 6,
      });
      expect(dns.calls).toEqual(['hooks.example.com', 'hooks.example.com', 'hooks.example.com']);
    });

    it('keeps the zone of a link-local answer that allowedCidrs lets through', async () => {
      const dns = new StubResolver().on('printer.example', ['fe80::1%eth0']);
      const open = new WebhookDestinationGuard({ resolver: dns.resolve, allowedCidrs: ['fe80::/10'] });
      expect(await open.resolve('https://printer.example/')).toMatchObject({ address: 'fe80::1%eth0', family: 6 });
      const strict = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      expect(await refusal(strict.resolve('https://printer.example/'))).toMatchObject({ address: 'fe80::1%eth0' });
    });

    it('looks the host up exactly once per call', async () => {
      const dns = new StubResolver().on('hooks.example.com', ['8.8.8.8']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      await guard.resolve('https://hooks.example.com/');
      expect(dns.calls).toHaveLength(1);
      await guard.assertAllowed('https://hooks.example.com/');
      expect(dns.calls).toHaveLength(2);
    });

    it('gives an IP-literal target the same verdict at every try; a name is looked up again each time', async () => {
      const dns = new StubResolver().on('hooks.example.com', ['8.8.8.8'], ['10.0.0.5']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      for (let i = 0; i < 3; i++) {
        expect(await guard.resolve('https://8.8.4.4:8443/hook')).toMatchObject({
          address: '8.8.4.4',
          port: 8443,
          hostname: '8.8.4.4',
        });
        expect(await refusal(guard.resolve('https://10.1.2.3/hook'))).toMatchObject({
          kind: 'blocked',
          address: '10.1.2.3',
        });
        expect(await refusal(guard.resolve('https://localhost/hook'))).toMatchObject({
          kind: 'blocked',
          address: '127.0.0.1',
        });
        await expect(guard.assertAllowed('https://[::1]/hook')).rejects.toBeInstanceOf(WebhookValidationError);
      }
      expect(dns.calls).toEqual([]);
      expect(await guard.resolve('https://hooks.example.com/')).toMatchObject({ address: '8.8.8.8' });
      expect(await refusal(guard.resolve('https://hooks.example.com/'))).toMatchObject({
        kind: 'blocked',
        address: '10.0.0.5',
      });
      expect(dns.calls).toEqual(['hooks.example.com', 'hooks.example.com']);
    });

    it('returns the canonical form of a resolver answer, never a lenient spelling', async () => {
      const dns = new StubResolver().on('odd.example', ['0x7f.1']).on('padded.example', ['0:0:0:0:0:0:0:1']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      expect((await refusal(guard.resolve('https://odd.example/'))).kind).toBe('unresolvable');
      expect(await guard.resolve('https://padded.example/')).toMatchObject({ address: '::1', family: 6 });
    });
  });

  describe('default resolver', () => {
    it('is the system lookup, returning every address', async () => {
      await expect(systemWebhookResolver('127.0.0.1')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    });

    it('is never asked about localhost names', async () => {
      const guard = new WebhookDestinationGuard();
      const error = await refusal(guard.resolve('https://localhost/'));
      expect(error).toMatchObject({ kind: 'blocked', address: '127.0.0.1' });
      expect(error.message).toContain('Delivery blocked: localhost resolves to 127.0.0.1, a loopback address.');
    });
  });

  describe('multi-address answers and rebinding', () => {
    it('blocks when any address is not allowed, naming that address', async () => {
      const dns = new StubResolver()
        .on('mixed.example', ['8.8.8.8', '10.0.0.5'])
        .on('mixed6.example', ['2606:4700:4700::1111', '::1', '1.1.1.1'])
        .on('meta.example', ['192.168.1.10', '169.254.169.254']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      expect(await refusal(guard.resolve('https://mixed.example/'))).toMatchObject({
        kind: 'blocked',
        address: '10.0.0.5',
      });
      expect(await refusal(guard.resolve('https://mixed6.example/'))).toMatchObject({
        kind: 'blocked',
        address: '::1',
      });

      const open = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      expect(await open.resolve('https://mixed.example/')).toMatchObject({ address: '8.8.8.8' });
      expect(await refusal(open.resolve('https://meta.example/'))).toMatchObject({
        kind: 'blocked',
        address: '169.254.169.254',
      });
    });

    it('pins the first address when all are allowed', async () => {
      const dns = new StubResolver().on('multi.example', ['1.1.1.1', '8.8.8.8', '2001:4860:4860::8888']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      expect(await guard.resolve('https://multi.example/')).toMatchObject({ address: '1.1.1.1', family: 4 });
    });

    it('DNS rebinding: public when the subscription is checked, private at send time → blocked', async () => {
      const dns = new StubResolver().on('rebind.example', ['93.184.215.14'], ['10.0.0.5']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      await expect(guard.assertAllowed('https://rebind.example/hook')).resolves.toBeUndefined();
      const error = await refusal(guard.resolve('https://rebind.example/hook'));
      expect(error).toMatchObject({ kind: 'blocked', address: '10.0.0.5', hostname: 'rebind.example' });
      expect(error.message).toBe(
        'Delivery blocked: rebind.example resolves to 10.0.0.5, a private address. Webhooks are sent to public ' +
          'addresses only; to deliver to private networks (development, internal services), set ' +
          'targets.allowPrivateNetworks: true in WebhooksModule.forRoot(), or list the range in targets.allowedCidrs.',
      );
      expect(dns.calls).toEqual(['rebind.example', 'rebind.example']);
    });

    it('rebinding to cloud metadata between two sends is caught on the second send', async () => {
      const dns = new StubResolver().on('flip.example', ['8.8.8.8'], ['169.254.169.254']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowPrivateNetworks: true });
      expect(await guard.resolve('https://flip.example/')).toMatchObject({ address: '8.8.8.8' });
      const error = await refusal(guard.resolve('https://flip.example/'));
      expect(error).toMatchObject({ kind: 'blocked', address: '169.254.169.254' });
      expect(error.message).toBe(
        'Delivery blocked: flip.example resolves to 169.254.169.254, a cloud metadata service address. Webhooks are ' +
          'never sent there unless the range is listed in targets.allowedCidrs of WebhooksModule.forRoot() (e.g. "169.254.169.254/32").',
      );
    });
  });

  describe('allowedCidrs', () => {
    it('is the only way to reach metadata and link-local addresses, and only inside the listed ranges', async () => {
      const dns = new StubResolver()
        .on('meta.example', ['169.254.169.254'])
        .on('link.example', ['169.254.1.1'])
        .on('aws6.example', ['fd00:ec2::254']);
      const guard = new WebhookDestinationGuard({
        resolver: dns.resolve,
        allowedCidrs: ['169.254.169.254/32', 'fd00:ec2::254'],
      });
      expect(await guard.resolve('https://meta.example/')).toMatchObject({ address: '169.254.169.254' });
      expect(await guard.resolve('https://aws6.example/')).toMatchObject({ address: 'fd00:ec2::254', family: 6 });
      expect(await refusal(guard.resolve('https://link.example/'))).toMatchObject({
        kind: 'blocked',
        address: '169.254.1.1',
      });
    });

    it('opens listed private ranges without opening the others', async () => {
      const dns = new StubResolver()
        .on('ten.example', ['10.20.30.40'])
        .on('mapped.example', ['::ffff:10.20.30.40'])
        .on('home.example', ['192.168.1.1'])
        .on('both.example', ['10.1.1.1', '192.168.1.1'])
        .on('ula.example', ['fd12::7']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowedCidrs: ['10.0.0.0/8', ' fd12::/16 '] });
      expect(await guard.resolve('https://ten.example/')).toMatchObject({ address: '10.20.30.40' });
      expect(await guard.resolve('https://mapped.example/')).toMatchObject({ address: '::ffff:a14:1e28' });
      expect(await guard.resolve('https://ula.example/')).toMatchObject({ address: 'fd12::7' });
      expect(await refusal(guard.resolve('https://home.example/'))).toMatchObject({ address: '192.168.1.1' });
      expect(await refusal(guard.resolve('https://both.example/'))).toMatchObject({ address: '192.168.1.1' });
      await expect(guard.resolve('https://10.9.9.9/')).resolves.toMatchObject({ address: '10.9.9.9' });
    });

    it('rejects a bad entry naming targets.allowedCidrs[i]', () => {
      const bad: unknown[] = [
        '10.0.0.0/33',
        'intranet',
        '0x0a.0.0.0/8',
        '10.0.0/8',
        42,
        '',
        'fe80::/129',
        'fe80::1%eth0',
      ];
      for (const entry of bad) {
        let caught: unknown;
        try {
          new WebhookDestinationGuard({ allowedCidrs: ['192.168.0.0/16', entry as string] });
        } catch (error) {
          caught = error;
        }
        expect(caught, JSON.stringify(entry)).toBeInstanceOf(WebhooksConfigurationError);
        expect((caught as WebhooksConfigurationError).option).toBe('targets.allowedCidrs[1]');
        expect((caught as Error).message).toContain(
          'option "targets.allowedCidrs[1]" must be a CIDR range such as "10.0.0.0/8"',
        );
      }
      expect(() => new WebhookDestinationGuard({ allowedCidrs: '10.0.0.0/8' as unknown as string[] })).toThrow(
        expect.objectContaining({ option: 'targets.allowedCidrs' }),
      );
    });

    it('rejects other bad options naming them', () => {
      const cases: Array<[object, string]> = [
        [{ allowHttp: 'yes' }, 'targets.allowHttp'],
        [{ allowPrivateNetworks: 1 }, 'targets.allowPrivateNetworks'],
        [{ resolver: 'dns' }, 'targets.resolver'],
        [{ lookupTimeout: 0 }, 'targets.lookupTimeout'],
        [{ lookupTimeout: 1.5 }, 'targets.lookupTimeout'],
      ];
      for (const [options, option] of cases) {
        expect(() => new WebhookDestinationGuard(options as never)).toThrow(expect.objectContaining({ option }));
      }
    });
  });

  describe('URL form', () => {
    it.each([
      ['not a url', 'not a URL'],
      ['http://hooks.example.com/', 'plain http'],
      ['ftp://hooks.example.com/', 'another scheme'],
      ['https://user:secret@hooks.example.com/', 'credentials'],
      ['/relative/path', 'relative'],
    ])('refuses %s as invalid with the seed message (%s)', async (target) => {
      const dns = new StubResolver().on('hooks.example.com', ['8.8.8.8']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const error = await refusal(guard.resolve(target));
      expect(error.kind).toBe('invalid');
      expect(error.message).toBe(SEED_MESSAGE);
      expect(error.detail).toMatch(/^the target URL must /);
      expect(dns.calls).toEqual([]);
    });

    it('accepts http: with allowHttp', async () => {
      const dns = new StubResolver().on('hooks.example.com', ['8.8.8.8']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true });
      expect(await guard.resolve('http://hooks.example.com/')).toMatchObject({ port: 80, address: '8.8.8.8' });
    });
  });

  describe('resolver failures', () => {
    it('no address, a failing lookup and a garbage answer are unresolvable, with the seed message', async () => {
      const dns = new StubResolver()
        .on('empty.example', [])
        .on('broken.example', Object.assign(new Error('queryA ESERVFAIL broken.example'), { code: 'ESERVFAIL' }))
        .on('garbage.example', ['not-an-ip']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      for (const [host, detail] of [
        ['empty.example', 'empty.example has no address'],
        ['broken.example', 'looking up broken.example failed (ESERVFAIL)'],
        ['nosuch.example', 'looking up nosuch.example failed (ENOTFOUND)'],
        ['garbage.example', 'the resolver answered "not-an-ip" for garbage.example, which is not an IP address'],
      ]) {
        const error = await refusal(guard.resolve(`https://${host}/`));
        expect(error).toMatchObject({ kind: 'unresolvable', hostname: host, message: SEED_MESSAGE });
        expect(error.detail).toBe(`The destination could not be verified: ${detail}; please check the domain.`);
      }
    });

    it('gives up after lookupTimeout', async () => {
      const dns = new StubResolver().on('slow.example', 'hang');
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve, lookupTimeout: 100 });
      const started = performance.now();
      const error = await refusal(guard.resolve('https://slow.example/'));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ kind: 'unresolvable', message: SEED_MESSAGE });
      expect(error.detail).toContain('took longer than 100 ms');
      expect(elapsed).toBeGreaterThanOrEqual(95);
      expect(elapsed).toBeLessThan(2_000);
      const invalid = await validationFailure(guard.assertAllowed('https://slow.example/'));
      expect(invalid.reason).toBe(
        'could not be verified: looking up slow.example took longer than 100 ms; please check the domain',
      );
    });

    it('defaults to a 5 s bound', async () => {
      const dns = new StubResolver().on('slow.example', 'hang');
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const started = performance.now();
      const error = await refusal(guard.resolve('https://slow.example/'));
      const elapsed = performance.now() - started;
      expect(error.kind).toBe('unresolvable');
      expect(error.detail).toContain('took longer than 5000 ms');
      expect(elapsed).toBeGreaterThanOrEqual(4_950);
      expect(elapsed).toBeLessThan(7_000);
    });

    it('honours the abort signal while the lookup runs, and before it starts', async () => {
      const dns = new StubResolver().on('slow.example', 'hang');
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });
      const controller = new AbortController();
      const reason = new Error('delivery cancelled');
      const pending = guard.resolve('https://slow.example/', controller.signal);
      await eventually(() => dns.calls.length === 1, 'the lookup to start', 2_000, 1);
      controller.abort(reason);
      await expect(pending).rejects.toBe(reason);

      const before = dns.calls.length;
      await expect(guard.resolve('https://slow.example/', AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(dns.calls.length).toBe(before);
    });
  });

  describe('assertAllowed', () => {
    it('explains, following the field name, why a target is refused', async () => {
      const dns = new StubResolver()
        .on('internal.example', ['10.0.0.5'])
        .on('meta.example', ['169.254.169.254'])
        .on('sixtofour.example', ['2002:7f00:1::1'])
        .on('ok.example', ['8.8.8.8']);
      const guard = new WebhookDestinationGuard({ resolver: dns.resolve });

      let error = await validationFailure(guard.assertAllowed('https://internal.example/hook'));
      expect(error.field).toBe('to');
      expect(error.message).toBe(
        'to resolves to 10.0.0.5, a private address; webhook targets must be public addresses (a developer may ' +
          'allow private networks with targets.allowPrivateNetworks, or this range with targets.allowedCidrs)',
      );

      error = await validationFailure(guard.assertAllowed('https://meta.example/', 'target_url'));
      expect(error.field).toBe('target_url');
      expect(error.message).toBe(
        'target_url resolves to 169.254.169.254, a cloud metadata service address; webhooks are never sent there ' +
          '(a developer may allow it only with an explicit targets.allowedCidrs entry such as "169.254.169.254/32")',
      );

      error = await validationFailure(guard.assertAllowed('https://[fd00:ec2::254]/'));
      expect(error.reason).toMatch(
        /^points to fd00:ec2::254, a cloud metadata service address; .*"fd00:ec2::254\/128"/,
      );

      error = await validationFailure(guard.assertAllowed('https://sixtofour.example/'));
      expect(error.reason).toMatch(
        /^resolves to 2002:7f00:1::1, a loopback address \(127\.0\.0\.1 inside a 6to4 address\); /,
      );

      error = await validationFailure(guard.assertAllowed('https://nosuch.example/'));
      expect(error.message).toBe(
        'to could not be verified: looking up nosuch.example failed (ENOTFOUND); please check the domain',
      );

      error = await validationFailure(guard.assertAllowed('http://ok.example/'));
      expect(error.message).toBe('to must use https:// (http:// needs targets.allowHttp, for development only)');

      await expect(guard.assertAllowed('https://ok.example/')).resolves.toBeUndefined();
    });
  });

  describe('guarded connections to a real local server', () => {
    let server: CountingServer;
    beforeEach(async () => {
      server = await startCountingServer();
    });
    afterEach(() => server.close());

    /** What the delivery engine does: resolve, then connect only to the pinned address if that passed. */
    async function guardedGet(
      guard: WebhookDestinationGuard,
      target: string,
    ): Promise<number | WebhookDestinationError> {
      let destination;
      try {
        destination = await guard.resolve(target);
      } catch (error) {
        if (error instanceof WebhookDestinationError) return error;
        throw error;
      }
      return getPinned(destination.address, destination.port, destination.url.pathname, destination.url.host);
    }

    it('opens no connection for a name resolving to 127.0.0.1 by default, one with allowPrivateNetworks', async () => {
      const dns = new StubResolver().on('hooks.internal.example', ['127.0.0.1']);
      const target = `http://hooks.internal.example:${server.port}/hook`;

      const strict = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true });
      const refused = await guardedGet(strict, target);
      expect(refused).toBeInstanceOf(WebhookDestinationError);
      expect(refused).toMatchObject({ kind: 'blocked', address: '127.0.0.1' });
      expect(server.connections()).toBe(0);

      const open = new WebhookDestinationGuard({ resolver: dns.resolve, allowHttp: true, allowPrivateNetworks: true });
      expect(await guardedGet(open, target)).toBe(204);
      expect(server.connections()).toBe(1);
      // The request reached the pinned address with the URL's own host name, after a single lookup per try.
      expect(server.hosts).toEqual([`hooks.internal.example:${server.port}`]);
      expect(dns.calls).toEqual(['hooks.internal.example', 'hooks.internal.example']);
    });

    it('opens no connection for literal loopback spellings by default', async () => {
      const strict = new WebhookDestinationGuard({ resolver: new StubResolver().resolve, allowHttp: true });
      for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '017700000001', 'localhost']) {
        expect(await guardedGet(strict, `http://${host}:${server.port}/`)).toBeInstanceOf(WebhookDestinationError);
      }
      expect(server.connections()).toBe(0);
      const open = new WebhookDestinationGuard({
        resolver: new StubResolver().resolve,
        allowHttp: true,
        allowedCidrs: ['127.0.0.0/8'],
      });
      expect(await guardedGet(open, `http://0x7f.1:${server.port}/`)).toBe(204);
      expect(server.connections()).toBe(1);
    });
  });
});
