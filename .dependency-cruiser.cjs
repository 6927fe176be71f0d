/**
 * The layering of lib/ (see docs/architecture.md): a pipeline of stages — raise → match → enqueue → deliver
 * → record → react — over the contracts between them (pipeline/), the stores, the options, the entities and
 * a core with neither Nest nor TypeORM. Code may import its own layer or any layer below it, never one above:
 * a later stage never reaches back into an earlier one (reactions listen to outcomes instead). The module,
 * its index, the admin API, the web portal, operations (health, gauges, operational webhooks) and the testing
 * kit sit on top.
 */
const LAYERS = [
  ['top', '^lib/(index|webhooks[^/]*)\\.ts$|^lib/(admin|testing|portal|operations)/'],
  ['raise', '^lib/raise/'],
  ['match', '^lib/match/'],
  ['enqueue', '^lib/enqueue/'],
  ['deliver', '^lib/deliver/'],
  ['record', '^lib/record/'],
  ['react', '^lib/react/'],
  ['pipeline', '^lib/pipeline/'],
  ['stores', '^lib/stores/'],
  ['options', '^lib/options/'],
  ['entities', '^lib/(entities|migrations)/'],
  ['core', '^lib/core/'],
];

const layering = LAYERS.slice(1).map(([name, path], index) => ({
  name: `layer-${name}`,
  comment: `${name} may import only ${name} and the layers below it (${LAYERS.slice(index + 2)
    .map(([below]) => below)
    .join(', ')})`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(0, index + 1).map(([, above]) => `(${above})`).join('|') },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No cycle of runtime imports, between files or through folders.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...layering,
    {
      name: 'core-without-nest-or-typeorm',
      comment: 'The core holds no Nest and no TypeORM: event names and patterns, scopes, retry arithmetic, signing, errors, messages.',
      severity: 'error',
      from: { path: '^lib/core/' },
      to: { path: 'node_modules/(@nestjs|typeorm)/' },
    },
    {
      name: 'lib-not-tests',
      comment: 'The library never imports tests, benchmarks or the sample.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: '^(test|bench|sample)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$|^lib/portal/assets/' },
  },
};
