import type { BenchScenario } from '../support/scenario';
import { baselinesScenario } from './baselines.scenario';
import { lookupScenario } from './lookup.scenario';
import { axiosTransportScenario } from './axios-transport.scenario';
import { fanoutScenario } from './fanout.scenario';
import { latencyScenario } from './latency.scenario';
import { memoryScenario } from './memory.scenario';
import { telemetryCostScenario } from './telemetry-cost.scenario';
import { orderedScenario } from './ordered.scenario';
import { throughputMemoryScenario } from './throughput-memory.scenario';
import { throughputPersistentScenario } from './throughput-persistent.scenario';
import { writePathScenario } from './write-path.scenario';
import { drainScenario } from './drain.scenario';

/** Every scenario, in the order `npm run bench` runs them (numbers as in the benchmark issue). */
export const SCENARIOS: readonly BenchScenario[] = [
  baselinesScenario,
  lookupScenario, // 1
  throughputMemoryScenario, // 2
  throughputPersistentScenario, // 3
  latencyScenario, // 4
  fanoutScenario, // 5
  memoryScenario, // 6
  axiosTransportScenario, // 7
  writePathScenario, // 9
  drainScenario, // 10
  telemetryCostScenario, // operations: the cost of metrics and traces
  orderedScenario, // delivery control: ordering keys
];
