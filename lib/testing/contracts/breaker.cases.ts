import assert from 'node:assert/strict';
import type { WebhookBreakerRules } from '../../core/limits/circuit-breaker';
import { type ContractCase, racers, T0, warmUp } from './contract.fixtures';

const RULES: WebhookBreakerRules = {
  consecutiveFailures: 3,
  failureRatio: 0.5,
  window: 10_000,
  minimumTries: 6,
  coolDown: 1_000,
  probeTimeout: 500,
};
const fail = (host: string, probe = false) => ({ host, success: false, probe });
const ok = (host: string, probe = false) => ({ host, success: true, probe });

/** Breaker store cases: counting per host, opening, one probe at a time, closing. */
export const BREAKER_CASES: ContractCase[] = [
  [
    'opens a host after consecutive failures, lets one probe through after the cool-down, closes on its success',
    async (harness) => {
      const store = harness.breakers;
      if (!store) return;
      assert.deepEqual(await store.record([fail('a'), fail('a'), ok('a'), fail('b')], RULES, T0), []);
      const opened = await store.record([fail('a'), fail('a'), fail('a')], RULES, T0 + 1);
      assert.deepEqual(
        opened.map((t) => [t.host, t.state, t.openUntil]),
        [['a', 'opened', T0 + 1 + 1_000]],
      );
      assert.deepEqual(
        (await store.notClosed()).map((b) => [b.host, b.state]),
        [['a', 'open']],
      );
      assert.equal(await store.claimProbe('a', RULES, T0 + 500), false, 'not during the cool-down');
      assert.equal(await store.claimProbe('a', RULES, T0 + 1_001), true);
      assert.equal(await store.claimProbe('a', RULES, T0 + 1_002), false, 'one probe at a time');
      // A failed probe opens it again; the next probe's success closes it.
      assert.deepEqual(
        (await store.record([fail('a', true)], RULES, T0 + 1_100)).map((t) => t.state),
        ['opened'],
      );
      assert.equal(await store.claimProbe('a', RULES, T0 + 2_100), true);
      assert.deepEqual(
        (await store.record([ok('a', true)], RULES, T0 + 2_200)).map((t) => t.state),
        ['closed'],
      );
      assert.deepEqual(await store.notClosed(), []);
      assert.deepEqual(
        (await store.list()).map((b) => [b.host, b.state, b.consecutiveFailures]),
        [
          ['a', 'closed', 0],
          ['b', 'closed', 1],
        ],
      );
    },
  ],
  [
    'opens on the failure ratio within the window, and instances claiming the probe at once get it once',
    async (harness) => {
      const store = harness.breakers;
      if (!store) return;
      const mixed = [ok('c'), fail('c'), ok('c'), fail('c'), fail('c')];
      assert.deepEqual(await store.record(mixed, RULES, T0), []);
      assert.deepEqual(
        (await store.record([ok('c'), fail('c')], RULES, T0 + 1)).map((t) => t.state),
        ['opened'],
      );
      await warmUp(harness);
      const claims = await Promise.all(
        racers(harness).map((stores) => (stores.breakers ?? store).claimProbe('c', RULES, T0 + 5_000)),
      );
      assert.equal(claims.filter(Boolean).length, 1);
    },
  ],
];
