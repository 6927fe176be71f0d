import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The project root (the folder holding `lib/` and `bench/`). A compiled child runs from a temporary
 * folder, so its parent tells it where the project is.
 */
export const PROJECT_ROOT = process.env.BENCH_PROJECT_ROOT ?? resolve(__dirname, '..', '..');

const COMPILED_FOLDERS = ['lib', 'bench', 'test/support'];

/** Set in compiled children: they are the compiled copy, and their own children fork from it. */
let compiledRoot: string | undefined = process.env.BENCH_COMPILED_ROOT;

/**
 * Compiles `lib/` and `bench/` to CommonJS in a temporary folder, once per run, with the same SWC
 * settings as `vite.config.mts` (decorators and their metadata included).
 *
 * Why not fork vite-node: a vite-node process carries Vite, esbuild and a module graph (≈ 120 MB of RSS
 * before any of our code runs), which would swamp the memory scenario, and a file watcher we do not want
 * next to the receiver. The children run on plain `node` instead.
 */
export function compileForNode(): string {
  if (compiledRoot) return compiledRoot;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when children are compiled
  const swc = require('@swc/core') as typeof import('@swc/core');
  const out = mkdtempSync(join(tmpdir(), 'nestjs-webhooks-bench-'));
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  for (const folder of COMPILED_FOLDERS) {
    for (const file of listTypeScript(join(PROJECT_ROOT, folder))) {
      const { code } = swc.transformSync(readFileSync(file, 'utf8'), {
        filename: file,
        sourceMaps: 'inline',
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
        },
        module: { type: 'commonjs' },
      });
      const target = join(out, relative(PROJECT_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }
  }
  compiledRoot = out;
  return out;
}

function listTypeScript(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder)) {
    if (entry === 'results' || entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) files.push(...listTypeScript(path));
    else if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

/** Options of {@link forkCompiled}. */
export interface ForkCompiledOptions {
  /** Node flags of the child (the parent's are not inherited). @default [] */
  execArgv?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * Forks a file of this project (path relative to the project root, `.ts`) on plain `node`, from its
 * compiled copy, with an IPC channel. Packages resolve from the project's `node_modules`.
 */
export function forkCompiled(file: string, options: ForkCompiledOptions = {}): ChildProcess {
  const root = compileForNode();
  const entry = join(root, file).replace(/\.ts$/, '.js');
  return fork(entry, [], {
    execPath: process.execPath,
    execArgv: options.execArgv ?? [],
    env: {
      ...process.env,
      NODE_PATH: join(PROJECT_ROOT, 'node_modules'),
      NODE_OPTIONS: '',
      BENCH_PROJECT_ROOT: PROJECT_ROOT,
      BENCH_COMPILED_ROOT: root,
      ...options.env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
