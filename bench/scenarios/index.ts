import type { BenchScenario } from '../support/scenario';
import { baselinesScenario } from './baselines.scenario';
import { lookupScenario } from './lookup.scenario';
import { memoryScenario } from './memory.scenario';
import {
  axiosTransportScenario,
  fanoutScenario,
  latencyScenario,
  throughputMemoryScenario,
  throughputPersistentScenario,
} from './pending.scenarios';

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
];
