// The host as a user's own process runs it: a one-off `node --input-type=module -e` script
// (the workers the host starts must not inherit that flag), with the default logger (nothing
// on stdout, warnings on stderr), and plugin folders holding symlinked components.
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { discoverPlugins, isPluginError, PluginHost } from '@witkit/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureComponent, textTransformer, wordStats } from './fixtures.js';

const run = promisify(execFile);
const e2eDir = new URL('..', import.meta.url).pathname;
const work = tempDir('witkit-host-runtime-');
afterAll(() => work.cleanup());

/** Runs `script` as `node <flags> -e script` from this package, so `@witkit/host` resolves. */
async function node(flags: string[], script: string, env: Record<string, string> = {}) {
  const { LOG_LEVEL: _, ...inherited } = process.env;
  return run(process.execPath, [...flags, '-e', script], {
    cwd: e2eDir,
    env: { ...inherited, ...env },
  });
}

describe('a host run as `node --input-type=module -e`', () => {
  // A fresh transpile cache each time: the transpile worker (the one that failed) must run.
  const loadAndCall = (cacheDir: string) => `
    import { loadPlugin, PluginHost } from '@witkit/host';
    const plugin = await loadPlugin(${JSON.stringify(textTransformer)}, {
      world: 'processor-plugin',
      cacheDir: ${JSON.stringify(cacheDir)},
      dataDir: ${JSON.stringify(`${work.dir}/data`)},
    });
    const res = plugin.exports.dataProcessor.process({
      input: new TextEncoder().encode('hello'),
      contentType: 'text/plain',
      options: [['operation', 'uppercase']],
    });
    process.stdout.write(new TextDecoder().decode(res.output));
  `;

  it('loads and calls a built plugin (--input-type=module)', async () => {
    const { stdout } = await node(['--input-type=module'], loadAndCall(`${work.dir}/cache-1`));
    expect(stdout.split('\n').at(-1)).toBe('HELLO');
  });

  it('loads and calls a built plugin (--input-type module)', async () => {
    const { stdout } = await node(['--input-type', 'module'], loadAndCall(`${work.dir}/cache-2`));
    expect(stdout.split('\n').at(-1)).toBe('HELLO');
  });
});

describe('the default logger', () => {
  // A plugin asks for a destination it was not granted: the host logs a warning.
  const deniedFetch = `
    import { loadPlugin } from '@witkit/host';
    const plugin = await loadPlugin(${JSON.stringify(fixtureComponent('host-probe'))}, {
      cacheDir: ${JSON.stringify(`${work.dir}/cache-log`)},
      dataDir: ${JSON.stringify(`${work.dir}/data`)},
    });
    const call = (action, input) => plugin.exports.dataProcessor.process({
      input: new TextEncoder().encode(input),
      contentType: 'text/plain',
      options: [['action', action]],
    });
    try { call('http-get', 'http://127.0.0.1:9/nowhere'); } catch {}
    process.stdout.write(new TextDecoder().decode(call('echo', 'done').output));
  `;

  it('leaves stdout to the application and writes warnings to stderr as text', async () => {
    const { stdout, stderr } = await node(['--input-type=module'], deniedFetch);
    expect(stdout).toBe('done');
    expect(stderr).toMatch(/^witkit WARN \[host-probe\] outbound HTTP denied: .*host=127\.0\.0\.1/m);
    expect(stderr).not.toContain('{"level"');
  });

  it('logs at the level LOG_LEVEL names', async () => {
    const quiet = await node(['--input-type=module'], deniedFetch, { LOG_LEVEL: 'error' });
    expect(quiet.stdout).toBe('done');
    expect(quiet.stderr).toBe('');
  });
});

describe('a plugin directory with symlinks', () => {
  // A bare component linked in, a plugin folder linked in, and a link whose target is gone.
  const pluginDir = join(work.dir, 'linked-plugins');
  const missing = join(work.dir, 'not-built', 'gone.wasm');
  mkdirSync(pluginDir, { recursive: true });
  symlinkSync(textTransformer, join(pluginDir, 'text-transformer.wasm'));
  symlinkSync(dirname(wordStats(1).manifest), join(pluginDir, 'word-stats'));
  symlinkSync(missing, join(pluginDir, 'gone.wasm'));
  // An editor's lock file is a dangling link too, and no plugin.
  symlinkSync('user@host.1234', join(pluginDir, '.#notes.md'));

  it('follows links to components and plugin folders, and reports a dangling one', async () => {
    const found = await discoverPlugins(pluginDir);
    expect(found.map((f) => [f.name, f.error === undefined])).toEqual([
      ['gone', false],
      ['text-transformer', true],
      ['word-stats', true],
    ]);
    const dangling = found[0]?.error;
    expect(isPluginError(dangling) && dangling.code).toBe('WITKIT_PLUGIN_NOT_FOUND');
    expect((dangling as Error).message).toContain(`is a symlink to \`${missing}\`, which does not exist`);
  });

  it('loads the linked plugins and logs the dangling link', async () => {
    const { logger, lines } = captureLogger();
    const host = new PluginHost({
      pluginDir,
      logger,
      cacheDir: join(work.dir, 'cache-links'),
      dataDir: join(work.dir, 'data'),
    });
    try {
      const report = await host.start();
      expect(report.loaded.map((p) => p.name).sort()).toEqual(['text-transformer', 'word-stats']);
      expect(report.failed.map((f) => f.name)).toEqual(['gone']);
      expect(lines.some((l) => l.plugin === 'gone' && l.msg === 'plugin cannot be loaded; skipped')).toBe(
        true,
      );
    } finally {
      await host.shutdown({ deadlineMs: 2000 });
    }
  });
});
