import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { type Options, transform } from '@swc/core';

/** What the child processes of the fault tests run: the sources they need, compiled to CommonJS. */
const ROOTS = ['lib', 'test/support'];
const PREFIX = 'nestjs-webhooks-instances-';

/** The same compilation as vite.config.mts (SWC keeps the decorator metadata Nest and TypeORM need). */
const SWC: Options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

let compiled: Promise<string> | undefined;

/**
 * Compiles `lib/` and `test/support/` once into a directory of the system's temp folder (shared by test
 * files and runs while the sources do not change) and returns it. Child instances run from there with
 * plain `node`: through vite-node every start compiled the sources again, a second or more of CPU each,
 * which the crash test pays a dozen times per database.
 */
export function compiledSources(root = process.cwd()): Promise<string> {
  return (compiled ??= compile(root));
}

async function compile(root: string): Promise<string> {
  const files = (await Promise.all(ROOTS.map((dir) => listSources(join(root, dir))))).flat().sort();
  const hash = createHash('sha256').update(JSON.stringify(SWC));
  const sources = await Promise.all(files.map(async (file) => ({ file, code: await readFile(file, 'utf8') })));
  for (const { file, code } of sources) hash.update(relative(root, file)).update('\0').update(code).update('\0');
  const out = join(tmpdir(), `${PREFIX}${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(out, '.complete'))) {
    // Marks it as in use, for dropStale().
    const now = new Date();
    await utimes(out, now, now);
    return out;
  }

  // Built aside and renamed into place, so that test files compiling at the same time never see half of it.
  const building = `${out}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await Promise.all(
    sources.map(async ({ file, code }) => {
      const target = join(building, relative(root, file)).replace(/\.ts$/, '.js');
      const { code: js } = await transform(code, { ...SWC, filename: file });
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, js);
    }),
  );
  // The user agent reads the package version from the nearest package.json.
  await copyFile(join(root, 'package.json'), join(building, 'package.json'));
  await writeFile(join(building, '.complete'), '');
  try {
    await rename(building, out);
  } catch {
    await rm(building, { recursive: true, force: true });
    if (!existsSync(join(out, '.complete'))) throw new Error(`could not compile the sources into ${out}`);
  }
  await dropStale(out);
  return out;
}

/** Removes the compilations of earlier sources that nobody used for a day. */
async function dropStale(current: string): Promise<void> {
  const day = 24 * 3600_000;
  for (const name of await readdir(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(PREFIX) || path === current) continue;
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > day) await rm(path, { recursive: true, force: true });
  }
}

async function listSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listSources(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts')
        ? [path]
        : [];
    }),
  );
  return nested.flat();
}
