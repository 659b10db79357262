// The hostile-plugin suite (issue 6, item 5; the table in docs/security.md): hostile plugins in
// Rust (tests/e2e/fixtures/hostile-rs) and TypeScript (tests/e2e/fixtures/hostile-js), loaded by a
// PluginHost from a plugin folder with real plugin.toml manifests, make every attack of the
// threat model. Each must be refused or contained, and audited or logged, while well-behaved
// plugins (the real text-transformer, in the host's thread and in a worker) are called without
// pause in the background and must answer every call correctly.
import { once } from 'node:events';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildRustPlugin } from '@witkit/build';
import { isPluginError, type Plugin, type PluginError, PluginHost, type StartReport } from '@witkit/host';
import type { SecurityViolation } from '@witkit/security';
import { witDir } from '@witkit/wit-types';
import {
  captureLogger,
  type LogLine,
  levels,
  startTestHttpServer,
  type TestHttpServer,
  tempDir,
} from '@witkit-internal/test-support';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { textTransformer } from './fixtures.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const fixtures = new URL('../fixtures/', import.meta.url).pathname;
// Shared with the other Rust suites: one cargo target folder, dependencies compile once.
const targetDir = new URL('../target', import.meta.url).pathname;
const hostileJs = join(fixtures, 'hostile-js/dist/hostile-js.wasm');

const work = tempDir('witkit-hostile-');
const httpTimeoutMs = 400;
/** Root of the host paths the hostile plugins are granted (`ro`, `rw`) and are after (`outside`). */
let fs: string;
let host: PluginHost;
let lines: LogLine[];
let server: TestHttpServer;
let redirector: HttpServer;
let redirectorPort: number;
let tcp: TcpServer;
let tcpConnections = 0;
let startReport: StartReport;
/** `security.violation` events from the bus, with the source the bus gave them. */
const events: Array<{ source: string; violation: SecurityViolation }> = [];

/**
 * Builds a Rust fixture crate from a temp copy (the build writes `dist/` and the bindings).
 * With `hostApi`, its world imports the host services, whose WIT comes from the contracts.
 */
async function buildCrate(from: string, { hostApi = false } = {}): Promise<string> {
  const crate = join(work.dir, 'crates', basename(from));
  for (const part of ['Cargo.toml', 'src', 'wit'])
    cpSync(join(from, part), join(crate, part), { recursive: true });
  if (hostApi) cpSync(join(witDir, 'deps/host-api'), join(crate, 'wit/deps/host-api'), { recursive: true });
  return (await buildRustPlugin(crate, { targetDir })).componentPath;
}

/** A plugin folder entry: `<name>/plugin.toml` and `<name>/<name>.wasm`, as `host.start()` finds them. */
function installPlugin(pluginDir: string, name: string, component: string, permissions: string): void {
  const dir = join(pluginDir, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(component, join(dir, `${name}.wasm`));
  writeFileSync(
    join(dir, 'plugin.toml'),
    `[plugin]\nname = "${name}"\nversion = "1.0.0"\n\n[permissions]\n${permissions}`,
  );
}

/** The well-behaved plugins, called one after the other without pause while the suite runs. */
const good = { answered: 0, wrong: [] as string[], stop: false, done: Promise.resolve() };
const goodPlugins = ['text-transformer', 'text-transformer-worker'] as const;
/** The resource of the violation hostile-js forges on the event bus. */
const forgedResource = '/forged-by-hostile-js';

async function askGood(name: (typeof goodPlugins)[number], i: number): Promise<void> {
  const text = `request ${i} to ${name}`;
  try {
    const plugin = host.get(name, { world: 'processor-plugin' });
    const res = await plugin.exports.dataProcessor.process({
      input: enc.encode(text),
      contentType: 'text/plain',
      options: [['mode', i % 2 ? 'upper' : 'reverse']],
    });
    const expected = i % 2 ? text.toUpperCase() : [...text].reverse().join('');
    if (dec.decode(res.output) === expected) good.answered++;
    else good.wrong.push(`${name} #${i}: ${dec.decode(res.output)}`);
  } catch (error) {
    good.wrong.push(`${name} #${i}: ${(error as Error).message}`);
  }
}

async function keepAskingGood(): Promise<void> {
  for (let i = 0; !good.stop; i++) {
    await askGood(goodPlugins[i % 2]!, i);
    // A short pause: the suite runs on 2 cores, and the attacks need them too.
    await new Promise((r) => setTimeout(r, 3));
  }
}

beforeAll(async () => {
  // One after the other: cargo locks the shared target folder anyway.
  const hostileRs = await buildCrate(join(fixtures, 'hostile-rs'), { hostApi: true });
  const socketsProbe = await buildCrate(join(fixtures, 'hostile-rs/sockets'));
  // Real paths: the sandbox reports real paths, and tmpdir() may go through a symlink.
  fs = join(realpathSync(work.dir), 'fs');
  for (const d of ['ro/sub', 'rw/secret', 'outside']) mkdirSync(join(fs, d), { recursive: true });
  writeFileSync(join(fs, 'ro/hello.txt'), 'hello from the host');
  writeFileSync(join(fs, 'rw/secret/key.txt'), 'denied key');
  writeFileSync(join(fs, 'outside/secret.txt'), 'TOP SECRET');

  server = await startTestHttpServer();
  // Redirects every request to a destination no plugin is granted (the test server, by name).
  redirector = createHttpServer((_req, res) => {
    res.writeHead(302, { location: `http://localhost:${server.port}/followed` });
    res.end();
  });
  redirector.listen(0, '127.0.0.1');
  await once(redirector, 'listening');
  redirectorPort = (redirector.address() as { port: number }).port;
  tcp = createTcpServer((socket) => {
    tcpConnections++;
    socket.destroy();
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const tcpPort = (tcp.address() as { port: number }).port;

  const pluginDir = join(work.dir, 'plugins');
  const net = `net = ["connect:127.0.0.1:${server.port}", "connect:127.0.0.1:${redirectorPort}"]\n`;
  const limits = 'memory = "16MB"\ncpu-time = "500ms"\nwall-time = "1500ms"\nmax-instances = 2\n';
  installPlugin(
    pluginDir,
    'hostile-rs',
    hostileRs,
    `isolation = "worker"\nfs = ["read:${fs}/ro", "write:${fs}/rw"]\nenv = ["HOSTILE_*"]\n${net}${limits}\n[permissions.deny]\nfs = ["read:${fs}/rw/secret"]\n`,
  );
  installPlugin(
    pluginDir,
    'hostile-js',
    hostileJs,
    `isolation = "worker"\nenv = ["HOSTILE_*"]\n${net}${limits}`,
  );
  // Its grant names the very port it connects to: `net` grants cover the host's http-client only.
  installPlugin(
    pluginDir,
    'sockets-probe',
    socketsProbe,
    `isolation = "worker"\nnet = ["connect:127.0.0.1:${tcpPort}"]\n`,
  );
  installPlugin(pluginDir, 'text-transformer', textTransformer, 'isolation = "in-thread"\n');
  installPlugin(pluginDir, 'text-transformer-worker', textTransformer, 'isolation = "worker"\n');

  const captured = captureLogger();
  lines = captured.lines;
  host = new PluginHost({
    pluginDir,
    dataDir: join(work.dir, 'data'),
    cacheDir: join(work.dir, 'cache'),
    logger: captured.logger,
    environment: {
      HOSTILE_VISIBLE: 'granted',
      SECRET_TOKEN: 'hunter2',
      AWS_SECRET_ACCESS_KEY: 'not for plugins',
      HOME: '/root',
    },
    queueLimit: 8,
    // Short, so a plugin waiting on a server that never answers waits a known time.
    httpTimeoutMs,
  });
  host.events.subscribe('security.violation', (event) => {
    events.push({ source: event.source, violation: JSON.parse(event.payload) as SecurityViolation });
  });
  startReport = await host.start();
  for (const name of ['hostile-rs', 'hostile-js', 'text-transformer-worker'])
    expect(host.get(name).isolation, name).toBe('worker');
  expect(host.get('text-transformer').isolation).toBe('in-thread');
  good.done = keepAskingGood();
});

afterAll(async () => {
  good.stop = true;
  await good.done;
  await host?.shutdown({ deadlineMs: 2000 });
  await server?.close();
  redirector?.close();
  tcp?.close();
  work.cleanup();
});

// What each attack added to the audit log: everything after the mark.
let mark = 0;
beforeEach(() => {
  mark = host.audit.query().length;
});
const audited = () => host.audit.query().slice(mark);

// After every attack, both well-behaved plugins still answer, right now.
afterEach(async () => {
  await Promise.all(goodPlugins.map((name) => askGood(name, 1)));
  expect(good.wrong).toEqual([]);
});

const rs = (fn: string, ...args: unknown[]) => host.get('hostile-rs').call('', fn, args);
const jsPlugin = () => host.get('hostile-js', { world: 'processor-plugin' });
const js = async (action: string, input = '') =>
  dec.decode(
    (
      await jsPlugin().exports.dataProcessor.process({
        input: enc.encode(input),
        contentType: 'text/plain',
        options: [['action', action]],
      })
    ).output,
  );
const jsValidate = (command: string) => jsPlugin().exports.dataProcessor.validate(enc.encode(command));

/** The plugin's own `err` (the OS error it got) rather than a value. */
const refused = (payload: string | RegExp) => ({
  code: 'WITKIT_PLUGIN_ERROR',
  payload: typeof payload === 'string' ? payload : expect.stringMatching(payload),
});
// WASI errnos (wasi_snapshot_preview1), as the plugin sees them.
const EPERM = /^errno 63\b/;
const EROFS = /^errno 69\b/;
const ENOENT = /^errno 44\b/;

const fsDenied = (reason: string, resource: string) =>
  expect.objectContaining({
    plugin: 'hostile-rs',
    type: 'fs-access-denied',
    resource,
    action: 'denied',
    detail: expect.objectContaining({ reason }),
  });

/** The most instances `plugin` had at once: sampled as `calls` start and whenever one settles. */
function peakInstances(plugin: Plugin, calls: Promise<unknown>[]): Promise<number> {
  let peak = 0;
  const sample = () => {
    const { busy, idle } = plugin.metrics.snapshot().instances;
    peak = Math.max(peak, busy + idle);
  };
  sample();
  return Promise.allSettled(calls.map((c) => c.finally(sample))).then(() => peak);
}

describe('a hostile Rust plugin on the filesystem (std::fs and raw WASI calls)', () => {
  it('reads what it was granted, and nothing is audited for that', async () => {
    expect(await rs('readFile', `${fs}/ro/hello.txt`)).toBe('hello from the host');
    expect(await rs('rawRead', `${fs}/ro`, 'hello.txt')).toBe('hello from the host');
    expect(audited()).toEqual([]);
  });

  it('is refused `..` escapes, through std and through path_open', async () => {
    await expect(rs('readFile', `${fs}/ro/../outside/secret.txt`)).rejects.toMatchObject(refused(EPERM));
    await expect(rs('readFile', `${fs}/ro/sub/../../outside/secret.txt`)).rejects.toMatchObject(
      refused(EPERM),
    );
    await expect(rs('rawRead', `${fs}/ro`, '../outside/secret.txt')).rejects.toMatchObject(refused(EPERM));
    await expect(rs('writeFile', `${fs}/rw/../outside/secret.txt`, 'pwned')).rejects.toMatchObject(
      refused(EPERM),
    );
    expect(readFileSync(join(fs, 'outside/secret.txt'), 'utf8')).toBe('TOP SECRET');
    expect(audited()).toEqual(Array(4).fill(fsDenied('outside-grants', fs)));
  });

  it('is refused absolute paths: wasi-libc stops them in the plugin, the sandbox stops raw ones', async () => {
    // std maps an absolute path onto a preopen; with none that covers it, nothing reaches the host.
    for (const path of ['/etc/passwd', `${fs}/outside/secret.txt`]) {
      await expect(rs('readFile', path)).rejects.toMatchObject(
        refused(/failed to find a pre-opened file descriptor/),
      );
    }
    expect(audited()).toEqual([]);
    // Handed to path_open as it is, an absolute path reaches the host, which refuses it.
    await expect(rs('rawRead', `${fs}/ro`, '/etc/passwd')).rejects.toMatchObject(refused('errno 63'));
    await expect(rs('rawRead', `${fs}/rw`, `${fs}/outside/secret.txt`)).rejects.toMatchObject(
      refused('errno 63'),
    );
    expect(audited()).toEqual([
      fsDenied('absolute-path', '/etc/passwd'),
      fsDenied('absolute-path', `${fs}/outside/secret.txt`),
    ]);
  });

  it('is refused symlinks that lead out, whether the host left them or the plugin plants them', async () => {
    symlinkSync('/etc', join(fs, 'rw/etc'));
    symlinkSync('../outside', join(fs, 'rw/up'));
    await expect(rs('readFile', `${fs}/rw/etc/passwd`)).rejects.toMatchObject(refused(EPERM));
    await expect(rs('readFile', `${fs}/rw/up/secret.txt`)).rejects.toMatchObject(refused(EPERM));
    await expect(rs('writeFile', `${fs}/rw/up/planted.txt`, 'pwned')).rejects.toMatchObject(refused(EPERM));
    await expect(rs('rawSymlink', `${fs}/rw`, '/etc', 'planted-abs')).rejects.toMatchObject(
      refused('errno 63'),
    );
    await expect(rs('rawSymlink', `${fs}/rw`, '../outside', 'planted-rel')).rejects.toMatchObject(
      refused('errno 63'),
    );
    expect(readdirSync(join(fs, 'outside'))).toEqual(['secret.txt']);
    expect(existsSync(join(fs, 'rw/planted-abs')) || existsSync(join(fs, 'rw/planted-rel'))).toBe(false);
    expect(audited()).toEqual([
      fsDenied('outside-grants', '/etc'),
      fsDenied('outside-grants', fs),
      fsDenied('outside-grants', fs),
      fsDenied('absolute-path', '/etc'),
      fsDenied('outside-grants', `${fs}/outside`),
    ]);
  });

  it('never reaches a file outside through a symlink another thread swaps in between check and use', async () => {
    mkdirSync(join(fs, 'rw/d'));
    writeFileSync(join(fs, 'rw/d/file.txt'), 'inside');
    writeFileSync(join(fs, 'outside/file.txt'), 'OUTSIDE');
    writeFileSync(join(fs, 'outside/victim.txt'), 'intact');
    // An accomplice with write access to the grant (another plugin, a host process), in a loop.
    const swapper = new Worker(
      `const fs = require('node:fs');
       const { d, real, outside } = require('node:worker_threads').workerData;
       for (;;) {
         try { fs.renameSync(d, real); fs.symlinkSync(outside, d); fs.unlinkSync(d); fs.renameSync(real, d); } catch {}
       }`,
      { eval: true, workerData: { d: `${fs}/rw/d`, real: `${fs}/rw/d-real`, outside: `${fs}/outside` } },
    );
    const outcomes = new Map<string, number>();
    let rounds = 0;
    try {
      // Until the race was really run (a refusal came back), and at least 1000 reads.
      while ((rounds < 1000 || !outcomes.has('errno 63')) && rounds < 8000) {
        for (const [outcome, n] of (await rs('readRace', `${fs}/rw/d/file.txt`, 25)) as [string, number][])
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + n);
        await rs('writeFile', `${fs}/rw/d/victim.txt`, 'pwned').catch(() => {});
        rounds += 25;
      }
    } finally {
      await swapper.terminate();
    }
    expect(outcomes.has('OUTSIDE')).toBe(false);
    expect(outcomes.get('inside')).toBeGreaterThan(0);
    expect(outcomes.get('errno 63')).toBeGreaterThan(0);
    expect(readFileSync(join(fs, 'outside/victim.txt'), 'utf8')).toBe('intact');
    expect(readdirSync(join(fs, 'outside')).sort()).toEqual(['file.txt', 'secret.txt', 'victim.txt']);
    const reasons = new Set(audited().map((v) => (v.detail as { reason: string }).reason));
    expect([...reasons].every((r) => r === 'outside-grants' || r === 'swapped')).toBe(true);
    expect(audited().length).toBeGreaterThan(0);
  });

  it('gets EROFS for writes under its read grant, and the files stay as they were', async () => {
    await expect(rs('writeFile', `${fs}/ro/hello.txt`, 'pwned')).rejects.toMatchObject(refused(EROFS));
    await expect(rs('writeFile', `${fs}/ro/new.txt`, 'pwned')).rejects.toMatchObject(refused(EROFS));
    expect(readFileSync(join(fs, 'ro/hello.txt'), 'utf8')).toBe('hello from the host');
    expect(readdirSync(join(fs, 'ro')).sort()).toEqual(['hello.txt', 'sub']);
    expect(audited()).toEqual([
      fsDenied('read-only', `${fs}/ro/hello.txt`),
      fsDenied('read-only', `${fs}/ro/new.txt`),
    ]);
  });

  it('cannot see a deny-listed path inside its write grant', async () => {
    await expect(rs('readFile', `${fs}/rw/secret/key.txt`)).rejects.toMatchObject(refused(ENOENT));
    await expect(rs('writeFile', `${fs}/rw/secret/planted.txt`, 'pwned')).rejects.toMatchObject(
      refused(ENOENT),
    );
    await expect(rs('rawRead', `${fs}/rw`, 'secret/key.txt')).rejects.toMatchObject(refused('errno 44'));
    expect(readdirSync(join(fs, 'rw/secret'))).toEqual(['key.txt']);
    expect(audited()).toEqual(Array(3).fill(fsDenied('denied', `${fs}/rw/secret`)));
  });
});

describe('a hostile TypeScript plugin (QuickJS)', () => {
  it('has no API that reaches files, processes or the network: only the host services', async () => {
    expect(JSON.parse(await js('globals'))).toEqual([]);
  });
});

describe('environment variables', () => {
  const visible = [['HOSTILE_VISIBLE', 'granted']];

  it('only the granted ones are visible to Rust, through WASI and the host services', async () => {
    expect(await rs('envVar', 'SECRET_TOKEN')).toBeUndefined();
    expect(await rs('envVar', 'AWS_SECRET_ACCESS_KEY')).toBeUndefined();
    expect(await rs('envVar', 'HOSTILE_VISIBLE')).toBe('granted');
    expect(await rs('envAll')).toEqual(visible);
    expect(await rs('hostEnv')).toEqual(visible);
    expect(audited()).toEqual([]);
  });

  it('only the granted ones are visible to TypeScript', async () => {
    expect(JSON.parse(await js('env'))).toEqual(visible);
  });
});

describe('the network', () => {
  const netDenied = (plugin: string, resource: string) =>
    expect.objectContaining({ plugin, type: 'net-access-denied', resource, action: 'denied' });

  it.each([
    ['hostile-rs', (url: string) => rs('httpGet', url)],
    ['hostile-js', (url: string) => js('http-get', url)],
  ] as const)('%s reaches granted destinations only, through the host services', async (plugin, get) => {
    expect(await get(`http://127.0.0.1:${server.port}/hello`)).toBe('200 hello from the test server');
    const notGranted = (target: string) =>
      refused(new RegExp(`^outbound HTTP to \`${target.replaceAll('.', '\\.')}\` is not granted`));
    // Another host, another port of a granted host, and a granted host as userinfo in front of another.
    await expect(get(`http://127.0.0.2:${server.port}/`)).rejects.toMatchObject(
      notGranted(`127.0.0.2:${server.port}`),
    );
    await expect(get(`http://localhost:${server.port}/`)).rejects.toMatchObject(
      notGranted(`localhost:${server.port}`),
    );
    await expect(get('http://127.0.0.1:9/')).rejects.toMatchObject(notGranted('127.0.0.1:9'));
    await expect(get(`http://127.0.0.1:${server.port}@127.0.0.2:${server.port}/`)).rejects.toMatchObject(
      notGranted(`127.0.0.2:${server.port}`),
    );
    await expect(get('file:///etc/passwd')).rejects.toMatchObject(refused(/^only http and https URLs/));
    // A granted server that redirects elsewhere: the redirect comes back, it is not followed.
    expect(await get(`http://127.0.0.1:${redirectorPort}/`)).toBe('302 ');
    expect((await server.requests()).some((r) => r.includes('/followed'))).toBe(false);
    expect(audited()).toEqual([
      netDenied(plugin, `127.0.0.2:${server.port}`),
      netDenied(plugin, `localhost:${server.port}`),
      netDenied(plugin, '127.0.0.1:9'),
      netDenied(plugin, `127.0.0.2:${server.port}`),
    ]);
  });

  it('a component importing wasi:sockets is refused at load, even with a grant for the port it names', async () => {
    // Every other plugin of the folder loaded; this one failed alone.
    expect(startReport.failed.map((f) => f.name)).toEqual(['sockets-probe']);
    const error = startReport.failed[0]!.error as PluginError;
    expect(error.code).toBe('WITKIT_UNKNOWN_IMPORT');
    expect(error.message).toMatch(
      /imports .*`wasi:sockets\/network`.*`wasi:sockets\/tcp`.*: plugins get no raw sockets or wasi:http; use the http-client/,
    );
    expect(tcpConnections).toBe(0);
    // Audited at load, before any test ran, once per raw network import.
    const refusals = host.audit.query({ plugin: 'sockets-probe' });
    expect(refusals.length).toBeGreaterThan(0);
    expect(
      refusals.every((v) => v.type === 'net-access-denied' && v.resource.startsWith('wasi:sockets/')),
    ).toBe(true);
  });
});

describe('resource limits', () => {
  it('stops memory bombs at the manifest cap (16MB): refused growth, audited, the plugin recovers', async () => {
    expect(await rs('memoryBomb', 4)).toBe(4);
    await expect(rs('memoryBomb', 64)).rejects.toMatchObject({
      code: 'WITKIT_MEMORY_LIMIT_EXCEEDED',
      message: expect.stringMatching(
        /`memoryBomb` ran out of memory: its instance uses [\d.]+ MiB of its 16 MiB limit/,
      ),
    });
    await expect(jsValidate('bomb:64')).rejects.toMatchObject({ code: 'WITKIT_MEMORY_LIMIT_EXCEEDED' });
    // Inside a function with an error result, QuickJS's own out-of-memory error is the plugin's answer.
    await expect(js('bomb', '64')).rejects.toMatchObject(refused('out of memory'));
    expect(await rs('echo', 'recovered')).toBe('recovered');
    expect(await js('echo', 'recovered')).toBe('recovered');
    expect(audited()).toEqual([
      expect.objectContaining({
        plugin: 'hostile-rs',
        type: 'memory-exceeded',
        resource: 'memoryBomb',
        action: 'terminated',
      }),
      expect.objectContaining({
        plugin: 'hostile-js',
        type: 'memory-exceeded',
        resource: 'dataProcessor.validate',
        action: 'terminated',
      }),
    ]);
  });

  it('stops infinite loops at cpu-time (500ms) while the good plugins keep answering; a fresh worker serves next', async () => {
    const created = () =>
      ['hostile-rs', 'hostile-js'].map((p) => host.get(p).metrics.snapshot().instances.created);
    const before = created();
    const answeredBefore = good.answered;
    const loops = [rs('spinForever'), jsValidate('spin-forever')];
    await expect(loops[0]).rejects.toMatchObject({
      code: 'WITKIT_CPU_LIMIT_EXCEEDED',
      message:
        'plugin `hostile-rs`: `spinForever` ran longer than its 500 ms CPU budget and was stopped; raise `cpu-time` in plugin.toml if it needs more',
    });
    await expect(loops[1]).rejects.toMatchObject({ code: 'WITKIT_CPU_LIMIT_EXCEEDED' });
    // The host thread was free all along: the in-thread plugin answered while both loops spun.
    expect(good.answered).toBeGreaterThan(answeredBefore);
    expect(await rs('echo', 'fresh')).toBe('fresh');
    expect(await js('echo', 'fresh')).toBe('fresh');
    const after = created();
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[1]).toBeGreaterThan(before[1]!);
    expect(audited()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ plugin: 'hostile-rs', type: 'cpu-time-exceeded', action: 'terminated' }),
        expect.objectContaining({ plugin: 'hostile-js', type: 'cpu-time-exceeded', action: 'terminated' }),
      ]),
    );
    expect(audited()).toHaveLength(2);
  });

  it('stops a call that keeps waiting on host services at its wall-clock budget, not its CPU budget', async () => {
    // Two requests to a granted server that never answers: each waits out the host's HTTP
    // timeout (400 ms), 800 ms in all: past the 500 ms CPU budget, which waits do not count.
    expect(await rs('httpLoop', `http://127.0.0.1:${server.port}/hang`, 2)).toBe(2);
    expect(audited()).toEqual([]);
    // Ten of them would take 4 s: stopped at the 1.5 s wall-clock budget, waits included.
    await expect(rs('httpLoop', `http://127.0.0.1:${server.port}/hang`, 10)).rejects.toMatchObject({
      code: 'WITKIT_CALL_TIMEOUT',
      message: expect.stringMatching(/`httpLoop` took longer than its 1500 ms wall-clock budget/),
    });
    expect(audited()).toEqual([
      expect.objectContaining({
        plugin: 'hostile-rs',
        type: 'wall-time-exceeded',
        resource: 'httpLoop',
        action: 'terminated',
      }),
    ]);
    expect(await rs('echo', 'recovered')).toBe('recovered');
  });

  it('contains deep recursion: a trap, logged, the instance replaced', async () => {
    expect(await rs('recurse', 100)).toBe(100);
    await expect(rs('recurse', 10_000_000)).rejects.toMatchObject({ code: 'WITKIT_EXECUTION_FAILED' });
    await expect(jsValidate('recurse')).rejects.toMatchObject({ code: 'WITKIT_EXECUTION_FAILED' });
    expect(await rs('echo', 'recovered')).toBe('recovered');
    expect(await js('echo', 'recovered')).toBe('recovered');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.error,
        plugin: 'hostile-rs',
        function: 'recurse',
        msg: 'plugin call failed; its instance is discarded',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.error,
        plugin: 'hostile-js',
        function: 'dataProcessor.validate',
      }),
    );
    // A fault the plugin did to itself is not a security violation.
    expect(audited()).toEqual([]);
  });

  it('contains panics: a Rust panic and a TypeScript throw trap; a thrown error result does not', async () => {
    const discarded = () => host.get('hostile-js').metrics.snapshot().instances.discarded;
    await expect(rs('panicNow', 'hostile panic')).rejects.toMatchObject({
      code: 'WITKIT_EXECUTION_FAILED',
      message: expect.stringContaining('`panicNow` trapped'),
    });
    await expect(jsValidate('throw')).rejects.toMatchObject({ code: 'WITKIT_EXECUTION_FAILED' });
    const afterTrap = discarded();
    await expect(js('throw', 'x')).rejects.toMatchObject(refused('deliberate error: x'));
    expect(discarded()).toBe(afterTrap);
    expect(await rs('echo', 'recovered')).toBe('recovered');
    expect(await js('echo', 'recovered')).toBe('recovered');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: levels.error, plugin: 'hostile-rs', function: 'panicNow' }),
    );
    expect(audited()).toEqual([]);
  });

  it.each([
    ['hostile-rs', () => rs('spin', 50)],
    ['hostile-js', () => js('spin', '50')],
  ] as const)(
    'turns a flood of 200 calls to %s into 2 instances, 8 queued and 190 audited refusals',
    async (name, call) => {
      const plugin = host.get(name);
      const createdBefore = plugin.metrics.snapshot().instances.created;
      const answeredBefore = good.answered;
      const calls = Array.from({ length: 200 }, call);
      const peak = peakInstances(plugin, calls);
      const settled = await Promise.allSettled(calls);
      expect(await peak).toBe(2);
      const rejected = settled.filter((s) => s.status === 'rejected');
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(10);
      expect(rejected).toHaveLength(190);
      for (const r of rejected) {
        expect(isPluginError(r.reason) && r.reason.code).toBe('WITKIT_INSTANCE_LIMIT_EXCEEDED');
      }
      expect(plugin.metrics.snapshot().instances).toMatchObject({ busy: 0, waiting: 0 });
      expect(plugin.metrics.snapshot().instances.created - createdBefore).toBeLessThanOrEqual(2);
      expect(good.answered).toBeGreaterThan(answeredBefore);
      expect(audited()).toEqual(
        Array(190).fill(
          expect.objectContaining({ plugin: name, type: 'instance-limit-exceeded', action: 'denied' }),
        ),
      );
    },
  );
});

describe('the audit trail', () => {
  it('cannot be written by a plugin, nor forged on the event bus', async () => {
    const forged = {
      plugin: 'text-transformer',
      type: 'fs-access-denied',
      resource: forgedResource,
      action: 'denied',
      timestamp: new Date().toISOString(),
    };
    const seen = events.length;
    const warnings = lines.length;
    // The call succeeds (emit-event has no error result); the host drops the event.
    expect(await js('emit', `security.violation ${JSON.stringify(forged)}`)).toBe('emitted');
    await host.events.idle();
    expect(audited()).toEqual([]);
    expect(events.slice(seen)).toEqual([]);
    expect(lines.slice(warnings)).toContainEqual(
      expect.objectContaining({
        plugin: 'hostile-js',
        eventType: 'security.violation',
        msg: expect.stringMatching(/event dropped/),
      }),
    );
  });
});

describe('throughout the suite', () => {
  it('the well-behaved plugins answered every call correctly', async () => {
    good.stop = true;
    await good.done;
    expect(good.wrong).toEqual([]);
    // Both kept being asked: a few hundred answers over the suite, whatever the machine.
    expect(good.answered).toBeGreaterThan(50);
    console.info(`well-behaved plugins: ${good.answered} correct answers, ${good.wrong.length} wrong`);
  });

  it('every violation went to the audit log, the event bus and the host log', async () => {
    await host.events.idle();
    const all = host.audit.query();
    expect(all.length).toBeGreaterThan(0);
    const fromHost = events.filter((e) => e.violation.resource !== forgedResource);
    expect(fromHost.map((e) => e.violation)).toEqual(all);
    expect(fromHost.every((e) => e.source === e.violation.plugin)).toBe(true);
    expect(lines.filter((l) => l.msg === 'security violation')).toHaveLength(all.length);
    expect(new Set(all.map((v) => v.type))).toEqual(
      new Set([
        'fs-access-denied',
        'net-access-denied',
        'memory-exceeded',
        'cpu-time-exceeded',
        'wall-time-exceeded',
        'instance-limit-exceeded',
      ]),
    );
  });
});
