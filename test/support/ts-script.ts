import { execFile } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Runs a TypeScript file of test/support in a Node process of its own (`node -r @swc-node/register`, as
 * `npm run sample` does), for checks that need a fresh module cache; resolves with what it printed as JSON.
 */
export function runTsScript<T>(file: string, timeoutMs = 60_000, args: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, file), ...args],
      { cwd: ROOT, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${file}: ${error.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(new Error(`${file} printed no JSON report:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
