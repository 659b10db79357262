// A plugin's stdout and stderr go to the host's log, tagged with the plugin, and never to the
// host process's own streams: a Rust fixture printing through std (tests/e2e/fixtures/stdio-rust)
// and a TypeScript one using `console` (tests/e2e/fixtures/stdio-js, StarlingMonkey), each in
// the host's thread and in a worker. The Rust fixture also calls `exit`, which must not end the host.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildJsPlugin, buildRustPlugin } from '@witkit/build';
import { PluginHost, stdioLimits } from '@witkit/host';
import { parseManifest } from '@witkit/security';
import { captureLogger, type LogLine, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
// Shared with rust-build.test.ts: one cargo target folder for every temp crate.
const targetDir = new URL('../target', import.meta.url).pathname;
const work = tempDir('witkit-stdio-');
afterAll(() => work.cleanup());

let rustComponent: string;
let jsComponent: string;
let quickjsComponent: string;
beforeAll(async () => {
  // Built from copies: the builds write `dist/` next to the sources.
  const crate = join(work.dir, 'stdio-rust');
  for (const part of ['Cargo.toml', 'src', 'wit'])
    cpSync(join(fixture('stdio-rust'), part), join(crate, part), { recursive: true });
  rustComponent = (await buildRustPlugin(crate, { targetDir })).componentPath;
  // StarlingMonkey's `console` writes to WASI stdout and stderr; QuickJS has none, and our
  // build gives it one that writes to the plugin's host logger.
  const qjs = join(work.dir, 'stdio-qjs');
  cpSync(fixture('stdio-js'), qjs, { recursive: true });
  quickjsComponent = (await buildJsPlugin(qjs)).componentPath;
  const js = join(work.dir, 'stdio-js');
  cpSync(fixture('stdio-js'), js, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(js, 'package.json'), 'utf8'));
  writeFileSync(
    join(js, 'package.json'),
    JSON.stringify({ ...pkg, witkit: { ...pkg.witkit, engine: 'starlingmonkey' } }),
  );
  jsComponent = (await buildJsPlugin(js)).componentPath;
});

let hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.shutdown({ deadlineMs: 2000 })));
  hosts = [];
});

async function load(path: string, name: string, isolation: 'in-thread' | 'worker', permissions = '') {
  const { logger, lines } = captureLogger();
  const host = new PluginHost({
    dataDir: join(work.dir, `data-${hosts.length}`),
    cacheDir: join(work.dir, 'cache'),
    logger,
  });
  hosts.push(host);
  await host.load({
    path,
    manifest: parseManifest(
      `[plugin]\nname = "${name}"\nversion = "1.2.0"\n[permissions]\nisolation = "${isolation}"\n${permissions}`,
    ),
  });
  const plugin = host.get(name);
  expect(plugin.isolation).toBe(isolation);
  return { host, plugin, lines };
}

/** The log lines of what the plugin wrote to `stream`. */
const output = (lines: LogLine[], stream: 'stdout' | 'stderr') => lines.filter((l) => l.stream === stream);

describe.each(['in-thread', 'worker'] as const)('stdio of a plugin %s', (isolation) => {
  it('reaches the host log line by line, tagged with the plugin and the stream', async () => {
    const { plugin, lines } = await load(rustComponent, 'stdio-rust', isolation);
    const write = (stream: number, text: string, times = 1) =>
      plugin.call('', 'write', [stream, text, times]);
    await write(1, 'first line\nsecond, unfinished');
    // The partial line was flushed when its call ended; lines are logged before the call returns.
    expect(output(lines, 'stdout')).toEqual([
      expect.objectContaining({
        level: levels.info,
        plugin: 'stdio-rust',
        version: '1.2.0',
        stream: 'stdout',
        msg: 'first line',
      }),
      expect.objectContaining({ level: levels.info, plugin: 'stdio-rust', msg: 'second, unfinished' }),
    ]);
    await write(2, 'something failed\r\n', 2);
    expect(output(lines, 'stderr')).toEqual([
      expect.objectContaining({
        level: levels.warn,
        plugin: 'stdio-rust',
        version: '1.2.0',
        stream: 'stderr',
        msg: 'something failed',
      }),
      expect.objectContaining({ level: levels.warn, stream: 'stderr', msg: 'something failed' }),
    ]);
    await write(1, 'ünïcödé ✓\n');
    expect(output(lines, 'stdout').at(-1)?.msg).toBe('ünïcödé ✓');
  });

  it('caps a line and the bytes of one call, and says what it dropped', async () => {
    const { plugin, lines } = await load(rustComponent, 'stdio-rust', isolation);
    const write = (text: string, times = 1) => plugin.call('', 'write', [1, text, times]);
    await write(`${'x'.repeat(stdioLimits.maxLineBytes + 500)}\nafter the long line\n`);
    expect(output(lines, 'stdout').map((l) => [l.msg.length, l.truncated])).toEqual([
      [stdioLimits.maxLineBytes, true],
      ['after the long line'.length, undefined],
    ]);

    // A flood: 1000 lines of 1001 bytes in one call, four times the per-call cap.
    const line = 'y'.repeat(1000);
    lines.length = 0;
    await write(`${line}\n`, 1000);
    const kept = output(lines, 'stdout').filter((l) => l.msg.startsWith('y'));
    const full = Math.floor(stdioLimits.maxBytesPerCall / 1001);
    expect(kept).toHaveLength(full + 1);
    expect(kept.slice(0, full).every((l) => l.msg === line)).toBe(true);
    expect(kept[full]!.msg).toBe('y'.repeat(stdioLimits.maxBytesPerCall - full * 1001));
    expect(output(lines, 'stdout').at(-1)).toMatchObject({
      level: levels.warn,
      plugin: 'stdio-rust',
      droppedBytes: 1001 * 1000 - stdioLimits.maxBytesPerCall,
    });

    // The cap is per call: the next call logs again.
    lines.length = 0;
    await write('next call\n');
    expect(output(lines, 'stdout').map((l) => l.msg)).toEqual(['next call']);
  });

  it("carries a TypeScript plugin's console output", async () => {
    const { plugin, lines } = await load(jsComponent, 'stdio-js', isolation);
    await plugin.call('plugin', 'process', ['hello from the guest', []]);
    await plugin.call('plugin', 'process', ['something is off', [['stream', 'stderr']]]);
    expect(lines.filter((l) => l.plugin === 'stdio-js' && l.stream)).toEqual([
      expect.objectContaining({ level: levels.info, stream: 'stdout', msg: 'hello from the guest' }),
      expect.objectContaining({ level: levels.warn, stream: 'stderr', msg: 'something is off' }),
    ]);
  });
});

it.each(['in-thread', 'worker'] as const)(
  "gives a QuickJS plugin (%s) a console that writes to the host's logger, tagged with the plugin",
  async (isolation) => {
    const { plugin, lines } = await load(quickjsComponent, 'stdio-js', isolation);
    await plugin.call('plugin', 'process', ['hello from QuickJS', []]);
    await plugin.call('plugin', 'process', ['something is off', [['stream', 'stderr']]]);
    expect(lines.filter((l) => l.plugin === 'stdio-js' && /QuickJS|off/.test(l.msg))).toEqual([
      expect.objectContaining({ level: levels.info, msg: 'hello from QuickJS' }),
      expect.objectContaining({ level: levels.error, msg: 'something is off' }),
    ]);
  },
);

it.each(['in-thread', 'worker'] as const)(
  'ends the call of a plugin %s that calls exit, not the host process',
  async (isolation) => {
    const { plugin, lines } = await load(rustComponent, 'stdio-rust', isolation);
    await expect(plugin.call('', 'exitWith', [3])).rejects.toMatchObject({
      code: 'WITKIT_EXECUTION_FAILED',
      message: expect.stringContaining('the plugin called exit (failure)'),
    });
    expect(output(lines, 'stdout').map((l) => l.msg)).toEqual(['exiting with 3']);
    // Its instance was discarded; a fresh one answers.
    await plugin.call('', 'write', [1, 'still here\n', 1]);
    expect(output(lines, 'stdout').at(-1)?.msg).toBe('still here');
    expect(plugin.metrics.snapshot().instances.discarded).toBe(1);
  },
);

it('forwards what a worker printed before it was stopped over its CPU budget', async () => {
  const { plugin, lines } = await load(rustComponent, 'stdio-rust', 'worker', 'cpu-time = "300ms"\n');
  // Prints until it is stopped; lines are posted in batches while the call runs.
  await expect(plugin.call('', 'write', [1, 'tick\n', 4_000_000_000])).rejects.toMatchObject({
    code: 'WITKIT_CPU_LIMIT_EXCEEDED',
  });
  await expect.poll(() => output(lines, 'stdout').filter((l) => l.msg === 'tick').length).toBeGreaterThan(0);
});

it("never writes to the host process's own stdout or stderr", async () => {
  // A child process loads both fixtures both ways and logs to a file: its own streams stay empty.
  const log = join(work.dir, 'child.log');
  const script = `
    import { PluginHost } from '@witkit/host';
    import { pino } from 'pino';
    const host = new PluginHost({
      dataDir: ${JSON.stringify(join(work.dir, 'child-data'))},
      cacheDir: ${JSON.stringify(join(work.dir, 'cache'))},
      logger: pino(pino.destination({ dest: ${JSON.stringify(log)}, sync: true })),
    });
    for (const isolation of ['in-thread', 'worker']) {
      const rust = await host.load({ path: ${JSON.stringify(rustComponent)}, version: isolation === 'worker' ? '2.0.0' : '1.0.0', isolation });
      await rust.call('', 'write', [1, 'rust stdout ' + isolation + '\\n', 1]);
      await rust.call('', 'write', [2, 'rust stderr ' + isolation + '\\n', 1]);
      const js = await host.load({ path: ${JSON.stringify(jsComponent)}, version: isolation === 'worker' ? '2.0.0' : '1.0.0', isolation });
      await js.call('plugin', 'process', ['js stdout ' + isolation, []]);
      await js.call('plugin', 'process', ['js stderr ' + isolation, [['stream', 'stderr']]]);
    }
    await host.shutdown();
  `;
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: new URL('..', import.meta.url).pathname },
  );
  expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });
  const logged = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.stream)
    .map((l) => l.msg);
  expect(logged.sort()).toEqual(
    ['rust', 'js']
      .flatMap((lang) =>
        ['in-thread', 'worker'].flatMap((iso) => [`${lang} stderr ${iso}`, `${lang} stdout ${iso}`]),
      )
      .sort(),
  );
});
