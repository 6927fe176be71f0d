/**
 * Builds the web portal's assets (lib/portal/ui → a Preact bundle, its stylesheet and icon) with esbuild:
 * `npm run build` puts them into dist/lib/portal/assets (shipped in the package); tests and the sample build
 * them into lib/portal/assets, where the module finds them when it runs from the sources.
 *
 * Cached by content: a build whose sources (and esbuild, Preact, this script) are unchanged since the last
 * one into the same folder does nothing. Files are written under new names and renamed into place, the
 * manifest last, so that builds running at once (parallel test files) never leave a half-written asset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(__dirname, '..');
const UI = join(ROOT, 'lib', 'portal', 'ui');
/** Where the module looks when it runs from the sources. */
export const SOURCE_ASSETS = join(ROOT, 'lib', 'portal', 'assets');

export interface PortalBuild {
  dir: string;
  manifest: { hash: string; entry: { js: string; css: string }; files: string[] };
  /** Whether this call built (false: the folder was already up to date). */
  built: boolean;
  /** Bytes of the JavaScript, gzipped (what a browser downloads). */
  gzippedJs: number;
}

/** The hash of everything the assets are made of. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(UI, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) hash.update(relative(UI, file)).update('\0').update(readFileSync(file)).update('\0');
  for (const pkg of ['esbuild', 'preact']) {
    hash.update(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version as string);
  }
  hash.update(readFileSync(__filename));
  return hash.digest('hex').slice(0, 16);
}

function writeAtomically(dir: string, name: string, contents: Uint8Array | string): void {
  const temporary = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  writeFileSync(temporary, contents);
  renameSync(temporary, join(dir, name));
}

/** Builds the portal into `outdir` unless it is up to date there. */
export async function buildPortal(outdir: string = SOURCE_ASSETS): Promise<PortalBuild> {
  const hash = sourceHash();
  const manifestFile = join(outdir, 'manifest.json');
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as PortalBuild['manifest'];
    if (manifest.hash === hash && manifest.files.every((file) => existsSync(join(outdir, file)))) {
      return {
        dir: outdir,
        manifest,
        built: false,
        gzippedJs: gzipSync(readFileSync(join(outdir, manifest.entry.js))).length,
      };
    }
  }
  const result = await build({
    // The stylesheet is an entry of its own rather than imported by main.tsx: the TypeScript sources then
    // import only TypeScript, as the tools that read lib/ expect.
    entryPoints: [
      { in: join(UI, 'main.tsx'), out: 'portal' },
      { in: join(UI, 'portal.css'), out: 'portal' },
    ],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir,
    write: false,
    legalComments: 'none',
    banner: { js: '/*! nestjs-webhooks portal (MIT); includes Preact (MIT) */' },
    logLevel: 'silent',
  });
  mkdirSync(outdir, { recursive: true });
  const files: string[] = [];
  let js = '';
  let css = '';
  let gzippedJs = 0;
  for (const output of result.outputFiles) {
    const name = basename(output.path);
    writeAtomically(outdir, name, output.contents);
    files.push(name);
    if (name.endsWith('.js')) {
      js = name;
      gzippedJs = gzipSync(output.contents).length;
    }
    if (name.endsWith('.css')) css = name;
  }
  writeAtomically(outdir, 'icon.svg', readFileSync(join(UI, 'icon.svg')));
  files.push('icon.svg');
  const manifest = { hash, entry: { js, css }, files };
  writeAtomically(outdir, 'manifest.json', `${JSON.stringify(manifest, null, 2)}\n`);
  // Earlier builds' bundles: no manifest names them any more.
  for (const name of readdirSync(outdir)) {
    if (/^portal-.*\.(js|css)$/.test(name) && !files.includes(name)) rmSync(join(outdir, name), { force: true });
  }
  return { dir: outdir, manifest, built: true, gzippedJs };
}

if (require.main === module) {
  const at = process.argv.indexOf('--outdir');
  const outdir = at >= 0 ? resolve(process.argv[at + 1]) : SOURCE_ASSETS;
  buildPortal(outdir).then(
    (done) =>
      console.log(
        `portal assets ${done.built ? 'built' : 'up to date'} in ${relative(process.cwd(), done.dir) || '.'} ` +
          `(${done.manifest.entry.js}: ${(done.gzippedJs / 1024).toFixed(1)} KB gzipped)`,
      ),
    (error: Error) => {
      console.error(`portal build failed: ${error.message}`);
      process.exitCode = 1;
    },
  );
}
