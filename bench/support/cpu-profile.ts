import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A V8 CPU profile (`Profiler.stop`, `.cpuprofile` files). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line of a summary: a function (or an area) and its share of the sampled time. */
export interface ProfileEntry {
  name: string;
  /** `lib/delivery/attempt.store.ts:97`, `node_modules/pg/lib/client.js:12`, `node:internal/...`. */
  location: string;
  ms: number;
  /** Share of the non-idle sampled time. */
  share: number;
}

/** What {@link summarizeProfile} found. */
export interface ProfileSummary {
  /** Sampled time, idle excluded (ms). */
  busyMs: number;
  /** Wall time covered by the profile (ms). */
  wallMs: number;
  /** Self time by area: `lib/delivery`, a package (`typeorm`, `pg`), `node internals`, `(garbage collector)`. */
  areas: ProfileEntry[];
  /** Functions with the most self time. */
  self: ProfileEntry[];
  /** Functions of this project (`lib/`) with the most time including what they call. */
  inclusive: ProfileEntry[];
}

type Mapper = (url: string, line: number, column: number) => { file: string; line: number } | null;

/**
 * Summarises a CPU profile: self time per function and per area (package, `lib/` folder, node internals),
 * and the inclusive time of this project's functions. Positions in code compiled by `node-child.ts` are
 * mapped back to the TypeScript source through its inline source maps; `projectRoot` makes them relative.
 */
export function summarizeProfile(profile: CpuProfile, projectRoot: string, top = 25): ProfileSummary {
  const mapper = sourceMapper(projectRoot);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const keyCache = new Map<number, { key: string; name: string; location: string; area: string; project: boolean }>();
  const describe = (id: number) => {
    let found = keyCache.get(id);
    if (found) return found;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    const name = functionName || '(anonymous)';
    let location: string;
    let area: string;
    let project = false;
    if (!url) {
      location = '';
      area = name.startsWith('(') ? name : '(native)';
    } else if (url.startsWith('node:')) {
      location = `${url}:${lineNumber + 1}`;
      area = 'node internals';
    } else {
      const mapped = mapper(url, lineNumber, columnNumber);
      const path = mapped?.file ?? relativeTo(projectRoot, fileUrlPath(url));
      location = `${path}:${mapped ? mapped.line : lineNumber + 1}`;
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      if (pkg) area = pkg[1];
      else {
        project = path.startsWith('lib/');
        area = path.split('/').slice(0, 2).join('/');
      }
    }
    found = { key: `${name}@${location}`, name, location, area, project };
    keyCache.set(id, found);
    return found;
  };

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (the last one gets the previous gap).
    const us = timeDeltas[i + 1] ?? timeDeltas[i] ?? 0;
    const leaf = describe(samples[i]);
    if (leaf.name === '(idle)') continue;
    busy += us;
    self.set(leaf.key, (self.get(leaf.key) ?? 0) + us);
    areas.set(leaf.area, (areas.get(leaf.area) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = describe(id);
      if (!frame.project || seen.has(frame.key)) continue;
      seen.add(frame.key);
      inclusive.set(frame.key, (inclusive.get(frame.key) ?? 0) + us);
    }
  }
  const entries = (map: Map<string, number>, label: (key: string) => { name: string; location: string }) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ ...label(key), ms: us / 1000, share: busy ? us / busy : 0 }));
  const split = (key: string) => {
    const at = key.lastIndexOf('@');
    return { name: key.slice(0, at), location: key.slice(at + 1) };
  };
  return {
    busyMs: busy / 1000,
    wallMs: (profile.endTime - profile.startTime) / 1000,
    areas: entries(areas, (area) => ({ name: area, location: '' })),
    self: entries(self, split),
    inclusive: entries(inclusive, split),
  };
}

/** The summary as text, for the console and the README. */
export function formatProfileSummary(title: string, summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const line = (entry: ProfileEntry) =>
    `  ${pct(entry.share)} ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}${entry.location ? `  ${entry.location}` : ''}`;
  return [
    `${title}: ${(summary.busyMs / 1000).toFixed(2)} s busy of ${(summary.wallMs / 1000).toFixed(2)} s sampled`,
    'self time by area:',
    ...summary.areas.slice(0, 15).map(line),
    'top self time:',
    ...summary.self.map(line),
    'lib/ functions by inclusive time (what they call included):',
    ...summary.inclusive.map(line),
  ].join('\n');
}

function fileUrlPath(url: string): string {
  return url.startsWith('file://') ? fileURLToPath(url) : url;
}

function relativeTo(root: string, path: string): string {
  const nodeModules = path.lastIndexOf('/node_modules/');
  if (nodeModules >= 0) return path.slice(nodeModules + 1);
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/**
 * Maps compiled positions back to sources through the inline source map SWC left in each compiled file
 * (`@jridgewell/trace-mapping`, which Vite brings along; without it positions stay compiled ones).
 */
function sourceMapper(projectRoot: string): Mapper {
  let tracing: {
    TraceMap: new (map: string) => unknown;
    originalPositionFor(
      map: unknown,
      position: { line: number; column: number },
    ): { source: string | null; line: number | null };
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: without it, positions stay in the compiled code
    tracing = require('@jridgewell/trace-mapping');
  } catch {
    return () => null;
  }
  const maps = new Map<string, unknown | null>();
  return (url, line, column) => {
    if (!url.startsWith('file://') || url.includes('/node_modules/')) return null;
    let map = maps.get(url);
    if (map === undefined) {
      map = null;
      try {
        const code = readFileSync(fileURLToPath(url), 'utf8');
        const inline =
          /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
        if (inline) map = new tracing.TraceMap(Buffer.from(inline[1], 'base64').toString('utf8'));
      } catch {
        map = null;
      }
      maps.set(url, map);
    }
    if (!map) return null;
    const original = tracing.originalPositionFor(map, { line: line + 1, column: Math.max(column, 0) });
    if (!original.source || original.line === null) return null;
    const source = original.source.startsWith('file://') ? fileURLToPath(original.source) : original.source;
    return { file: relativeTo(projectRoot, source), line: original.line };
  };
}
