import { HttpModule } from '@nestjs/axios';
import { MemoryFleet } from '../support/fleets';
import { fleetRunner } from '../support/runners';
import type { BenchScenario } from '../support/scenario';
import { alternate, formatRates, throughputPlan } from '../support/slices';

/**
 * Scenario 7: the `@nestjs/axios` transport (`delivery.transport: 'axios'`, the application importing
 * `HttpModule`) against the default undici transport: the in-memory throughput of scenario 2 with each,
 * two applications side by side, in alternating slices.
 */
export const axiosTransportScenario: BenchScenario = {
  name: 'axios-transport',
  title: 'The @nestjs/axios transport against the default transport',
  async run(context) {
    const receiver = await context.receiver();
    await receiver.reset();
    const undici = await MemoryFleet.start({
      origin: receiver.url(''),
      path: 'transport-undici',
      recordDatabase: context.recordDatabase,
    });
    try {
      const axios = await MemoryFleet.start({
        origin: receiver.url(''),
        path: 'transport-axios',
        dataSourceName: 'axios_app',
        imports: [HttpModule],
        webhooks: { delivery: { transport: 'axios' } },
      });
      try {
        const results = await alternate(
          [fleetRunner('undici', undici, 'direct'), fleetRunner('axios', axios, 'direct')],
          throughputPlan(context.quick),
        );
        const stats = await receiver.stats();
        const checks = [
          await undici.verify(stats.byPath['transport-undici'] ?? 0, stats.duplicates),
          await axios.verify(stats.byPath['transport-axios'] ?? 0, stats.duplicates),
        ];
        const a = results.get('axios')!;
        const u = results.get('undici')!;
        const ok = checks.every((check) => check.ok);
        return [
          {
            scenario: 'axios-transport',
            metric: '@nestjs/axios / default transport',
            value: a.perSecond,
            unit: 'events/s',
            baseline: u.perSecond,
            baselineLabel: 'undici transport, same slices',
            ratio: a.perSecond / u.perSecond,
            target: '(ratio, no target)',
            verdict: ok ? '' : 'FAIL',
            note:
              `slices axios ${formatRates(a.sliceRates)}, undici ${formatRates(u.sliceRates)}; event latency p50 axios ${a.p50Ms.toFixed(2)} / ` +
              `undici ${u.p50Ms.toFixed(2)} ms; ${stats.connections} connections in all; axios ${checks[1].summary}; undici ${checks[0].summary}`,
          },
        ];
      } finally {
        await axios.close();
      }
    } finally {
      await undici.close();
    }
  },
};
