// Hot reload from a plugin folder: the watcher swaps a changed component in under steady
// traffic with zero failed calls, loads a plugin that appears, and never switches to a broken one.
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PluginDirChange, watchPluginDir } from '@witkit/deploy';
import { PluginHost } from '@witkit/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { wordStats } from './fixtures.js';

const tmp = tempDir('witkit-watch-');
afterAll(() => tmp.cleanup());
const built = (v: 1 | 2 | 3) => wordStats(v).component;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Replaces `dest` the way deploy tools do: write a temp file beside it, then rename. */
function replaceAtomically(src: Uint8Array, dest: string) {
  writeFileSync(`${dest}.tmp`, src);
  renameSync(`${dest}.tmp`, dest);
}

describe('watchPluginDir', () => {
  it('hot-swaps a changed component under traffic with zero failed calls, and refuses a broken one', async () => {
    const dir = join(tmp.dir, 'plugins');
    mkdirSync(join(dir, 'word-stats'), { recursive: true });
    copyFileSync(built(1), join(dir, 'word-stats', 'word-stats.wasm'));
    writeFileSync(
      join(dir, 'word-stats', 'plugin.toml'),
      '[plugin]\nname = "word-stats"\nversion = "1.0.0"\nentrypoint = "word-stats.wasm"\n',
    );
    const { logger } = captureLogger();
    const host = new PluginHost({
      pluginDir: dir,
      dataDir: join(tmp.dir, 'data'),
      cacheDir: join(tmp.dir, 'cache'),
      logger,
    });
    await host.start();
    const changes: PluginDirChange[] = [];
    const watcher = watchPluginDir(host, dir, {
      onChange: (c) => changes.push(c),
      settleMs: 100,
      drainMs: 2000,
    });
    await watcher.ready;

    const seen = new Map<string, number>();
    const failures: unknown[] = [];
    let running = true;
    const traffic = (async () => {
      while (running) {
        try {
          const res = await host
            .get('word-stats', { world: 'processor-plugin' })
            .exports.dataProcessor.process({
              input: enc.encode('a b c'),
              contentType: 'text/plain',
              options: [],
            });
          const { version } = JSON.parse(dec.decode(res.output)) as { version: string };
          seen.set(version, (seen.get(version) ?? 0) + 1);
        } catch (error) {
          failures.push(error);
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(done()).toBe(true);
    };

    // The 2.0.0 build replaces the file: it is loaded first, then swapped in.
    replaceAtomically(readFileSync(built(2)), join(dir, 'word-stats', 'word-stats.wasm'));
    await until(() => changes.some((c) => c.kind === 'reloaded'));
    await until(() => (seen.get('2.0.0') ?? 0) > 10);

    // A truncated component never replaces the serving one.
    replaceAtomically(readFileSync(built(3)).subarray(0, 1000), join(dir, 'word-stats', 'word-stats.wasm'));
    await until(() => changes.some((c) => c.kind === 'failed'));
    const before = seen.get('2.0.0')!;
    await until(() => seen.get('2.0.0')! > before + 10);

    // A new plugin folder is picked up.
    mkdirSync(join(dir, 'word-stats-next'));
    writeFileSync(
      join(dir, 'word-stats-next', 'plugin.toml'),
      '[plugin]\nname = "word-stats-next"\nversion = "3.0.0"\nentrypoint = "ws.wasm"\n',
    );
    copyFileSync(built(3), join(dir, 'word-stats-next', 'ws.wasm'));
    await until(() => changes.some((c) => c.kind === 'loaded' && c.plugin === 'word-stats-next'));

    running = false;
    await traffic;
    await watcher.close();
    await host.shutdown({ deadlineMs: 1000 });
    expect(failures).toEqual([]);
    expect(seen.get('1.0.0')).toBeGreaterThan(0);
    const failed = changes.find((c) => c.kind === 'failed');
    expect(failed && 'error' in failed && String((failed.error as Error).message)).toMatch(/word-stats/);
  });
});
