import { describe, expect, it } from 'vitest';
import { runTsScript } from './support/ts-script';

describe('graceful shutdown', () => {
  it('is asked for at startup when the application does not enable shutdown hooks, and not otherwise', async () => {
    const [without, withHooks] = await Promise.all([
      runTsScript<{ warnings: string[] }>('shutdown-hooks-child.ts', 60_000, ['none']),
      runTsScript<{ warnings: string[] }>('shutdown-hooks-child.ts', 60_000, ['hooks']),
    ]);
    expect(without.warnings.filter((w) => w.includes('app.enableShutdownHooks()'))).toHaveLength(1);
    expect(withHooks.warnings.filter((w) => w.includes('app.enableShutdownHooks()'))).toEqual([]);
  });
});
