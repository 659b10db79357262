// The lean call path must answer exactly as jco's glue does: every value, every error.
import { join } from 'node:path';
import { type Plugin, PluginHost } from '@witkit/host';
import { tempDir } from '@witkit-internal/test-support';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchKernels, textTransformer } from './fixtures.js';

const tmp = tempDir('witkit-fast-');
let host: PluginHost;
let lean: Plugin;
let glue: Plugin;

beforeAll(async () => {
  host = new PluginHost({
    dataDir: join(tmp.dir, 'data'),
    cacheDir: join(tmp.dir, 'cache'),
    logger: pino({ level: 'silent' }),
  });
  // The lean path in the host's thread; in a worker, the channel carries the same calls.
  lean = await host.load({ path: benchKernels, version: '1.0.0', isolation: 'in-thread' });
  glue = await host.load({
    path: benchKernels,
    version: '1.0.0-glue',
    fastPath: false,
    isolation: 'in-thread',
  });
});
afterAll(async () => {
  await host.shutdown();
  tmp.cleanup();
});

const both = async (fn: string, ...args: unknown[]) => {
  const settle = (p: Plugin) =>
    p.call('', fn, args).then(
      (value) => ({ value }),
      (error: Error) => ({
        error: `${error.constructor.name}: ${(error.cause as Error | undefined)?.message ?? error.message}`,
      }),
    );
  return [await settle(lean), await settle(glue)] as const;
};

describe('lean call path', () => {
  it('serves the exports with simple types, and only those', async () => {
    expect(lean.leanExports).toEqual(['add', 'reverse']);
    expect(glue.leanExports).toEqual([]);
    const tt = await host.load({ path: textTransformer });
    // QuickJS components keep their memory in another core instance: jco's glue serves them.
    expect(tt.leanExports).toEqual([]);
  });

  it('adds exactly as jco does for any number, in range or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
          fc.double(),
          fc.constantFrom(0, 2 ** 32 - 1, 2 ** 31, -1, Number.NaN),
        ),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.double()),
        async (a, b) => {
          const [fast, slow] = await both('add', a, b);
          expect(fast).toEqual(slow);
        },
      ),
      { numRuns: 500 },
    );
    expect(await lean.call('', 'add', [2 ** 32 - 1, 2])).toBe(1);
  });

  it('reverses any string exactly as jco does: beyond the BMP, lone surrogates, empty, 1 MiB', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (s) => {
        const [fast, slow] = await both('reverse', s);
        expect(fast).toEqual(slow);
      }),
      { numRuns: 500 },
    );
    for (const s of ['', 'a😀b', '\ud800x', 'é'.repeat(512 * 1024)]) {
      const [fast, slow] = await both('reverse', s);
      expect(fast).toEqual(slow);
    }
    expect(await lean.call('', 'reverse', ['ab😀'])).toBe('😀ba');
  });

  it('rejects a non-string argument as jco does', async () => {
    const [fast, slow] = await both('reverse', 42);
    expect(fast).toEqual({ error: 'PluginError: expected a string, received [number]' });
    expect(slow).toEqual(fast);
  });
});
