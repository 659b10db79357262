// Issue 12, item 6: WASIp3 (async) components are refused at load with a typed error that says
// what makes them async and what to do, before jco runs; other jco failures are one line.
import { join } from 'node:path';
import { isPluginError, loadPlugin, PluginHost } from '@witkit/host';
import { tempDir } from '@witkit-internal/test-support';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { watComponent } from './fixtures.js';

const tmp = tempDir('witkit-async-');
afterAll(() => tmp.cleanup());
const logger = pino({ level: 'silent' });
const cacheDir = join(tmp.dir, 'cache');

async function refusal(load: () => Promise<unknown>) {
  const error = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPluginError(error)) throw new Error(`expected a PluginError, got ${String(error)}`);
  return error;
}

describe('async (WASIp3) components', () => {
  for (const via of ['loadPlugin', 'PluginHost.load'] as const) {
    const load = async (path: string) => {
      if (via === 'loadPlugin') return loadPlugin(path, { logger, cacheDir });
      const host = new PluginHost({ logger, cacheDir, dataDir: join(tmp.dir, 'data') });
      try {
        return await host.load({ path, version: '1.0.0', isolation: 'in-thread' });
      } finally {
        await host.shutdown();
      }
    };

    it(`are refused through ${via}, naming the async lift and built-in, before jco runs`, async () => {
      const error = await refusal(() => load(watComponent('async-lift')));
      expect(error.code).toBe('WITKIT_ASYNC_UNSUPPORTED');
      expect(error.message).toContain('`add` is lifted `async`');
      expect(error.message).toContain('`canon task.return`');
      expect(error.message).toContain('build it for WASIp2 with synchronous exports');
      // Refused before transpiling: nothing of jco's in the message or the cause.
      expect(error.message).not.toMatch(/\n|component\.js|AsyncTask/);
      expect(error.cause).toBeUndefined();
    });

    it(`are refused through ${via} when a function takes a stream`, async () => {
      const error = await refusal(() => load(watComponent('stream-param')));
      expect(error.code).toBe('WITKIT_ASYNC_UNSUPPORTED');
      expect(error.message).toContain('`consume` takes or returns a `stream` or `future`');
    });

    it(`reports another jco failure through ${via} as WITKIT_LOAD_FAILED in one line`, async () => {
      const error = await refusal(() => load(watComponent('bad-signature')));
      expect(error.code).toBe('WITKIT_LOAD_FAILED');
      expect(error.message).toMatch(
        /is not a loadable component: failed to extract interface information from component: lowered parameter types/,
      );
      expect(error.message).not.toContain('\n');
    });
  }
});
