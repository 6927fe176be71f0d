import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'nestjs-webhooks';

/**
 * The version of this package, read once from its `package.json`. The file is looked up from this
 * module's directory upwards because the compiled layout (`dist/lib/dialects`) and the source layout
 * (`lib/dialects`) sit at different depths.
 */
const WEBHOOKS_PACKAGE_VERSION: string = findPackageVersion(__dirname);

/** The `User-Agent` the built-in dialects send: `nestjs-webhooks/<version>`. */
export const WEBHOOKS_USER_AGENT = `${PACKAGE_NAME}/${WEBHOOKS_PACKAGE_VERSION}`;

function findPackageVersion(start: string): string {
  let directory = start;
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No (readable) package.json at this level: keep climbing.
    }
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  // A bundler that inlined the module without its manifest: still a valid product token.
  return '0.0.0';
}
