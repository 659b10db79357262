import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPluginError, type PluginEvent, PluginHost, prometheusRegistry } from '@witkit/host';
import { parseManifest } from '@witkit/security';
import {
  captureLogger,
  levels,
  startTestHttpServer,
  type TestHttpServer,
  tempDir,
} from '@witkit-internal/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventLogger, fixtureComponent, textTransformer } from './fixtures.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const tmp = tempDir('witkit-plugin-host-');
afterAll(() => tmp.cleanup());

let hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.shutdown({ deadlineMs: 1000 })));
  hosts = [];
});

function newHost(extra: ConstructorParameters<typeof PluginHost>[0] = {}) {
  const { logger, lines } = captureLogger();
  const host = new PluginHost({
    dataDir: join(tmp.dir, `data-${hosts.length}-${Date.now()}`),
    cacheDir: join(tmp.dir, 'cache'),
    logger,
    ...extra,
  });
  hosts.push(host);
  return { host, lines };
}

const manifest = (name: string, extra = '') =>
  parseManifest(`[plugin]\nname = "${name}"\nversion = "1.0.0"\n${extra}`);

/** Loads host-probe and returns a function that runs one `action` through its `process`. */
async function probe(host: PluginHost, manifestExtra = '') {
  await host.load({ path: fixtureComponent('host-probe'), manifest: manifest('host-probe', manifestExtra) });
  const plugin = host.get('host-probe', { world: 'processor-plugin' });
  return async (action: string, input = '', options: [string, string][] = []) => {
    const res = await plugin.exports.dataProcessor.process({
      input: enc.encode(input),
      contentType: 'text/plain',
      options: [['action', action], ...options],
    });
    return dec.decode(res.output);
  };
}

describe('PluginHost start-up', () => {
  it('discovers plugin folders and bare components; one broken plugin never stops the others', async () => {
    const dir = join(tmp.dir, 'plugins');
    mkdirSync(join(dir, 'text-transformer'), { recursive: true });
    copyFileSync(textTransformer, join(dir, 'text-transformer', 'tt.wasm'));
    writeFileSync(
      join(dir, 'text-transformer', 'plugin.toml'),
      '[plugin]\nname = "text-transformer"\nversion = "0.3.0"\nentrypoint = "tt.wasm"\n[config]\ndefault-mode = "snake"\n',
    );
    copyFileSync(eventLogger, join(dir, 'event-logger.wasm'));
    mkdirSync(join(dir, 'bad-manifest'));
    writeFileSync(
      join(dir, 'bad-manifest', 'plugin.toml'),
      '[plugin]\nname = "bad-manifest"\nversion = "1.0.0"\ncolour = "red"\n',
    );
    writeFileSync(join(dir, 'garbage.wasm'), 'not a component');

    const { host } = newHost({ pluginDir: dir });
    const report = await host.start();
    expect(report.loaded.map((p) => `${p.name}@${p.version}`).sort()).toEqual([
      'event-logger@0.0.0',
      'text-transformer@0.3.0',
    ]);
    expect(report.failed.map((f) => f.name).sort()).toEqual(['bad-manifest', 'garbage']);
    const bad = report.failed.find((f) => f.name === 'bad-manifest')!.error as Error;
    expect(bad.message).toMatch(/bad-manifest\/plugin\.toml:4: `plugin\.colour`: unknown key/);

    expect(host.list()).toEqual([
      expect.objectContaining({
        name: 'event-logger',
        status: 'ready',
        world: 'witkit:plugin-system/event-plugin@0.1.0',
      }),
      expect.objectContaining({
        name: 'text-transformer',
        version: '0.3.0',
        status: 'ready',
        world: 'witkit:plugin-system/processor-plugin@0.1.0',
      }),
    ]);
    // The manifest's [config] reached initialize.
    const tt = host.get('text-transformer', { world: 'processor-plugin' });
    const res = await tt.exports.dataProcessor.process({
      input: enc.encode('Hello World'),
      contentType: 'text/plain',
      options: [],
    });
    expect(dec.decode(res.output)).toBe('hello_world');
    expect(host.failures().map((f) => f.name)).toEqual(['garbage']);
  });

  it('serves several versions of a plugin side by side, the highest by default', async () => {
    const { host } = newHost();
    await host.load({ path: textTransformer, version: '1.0.0' });
    await host.load({ path: textTransformer, version: '1.10.0' });
    await host.load({ path: textTransformer, version: '1.9.2' });
    expect(host.get('text-transformer').version).toBe('1.10.0');
    expect(host.get('text-transformer', { version: '1.0.0' }).version).toBe('1.0.0');
    await expect(host.load({ path: textTransformer, version: '1.0.0' })).rejects.toMatchObject({
      code: 'WITKIT_ALREADY_LOADED',
    });
    expect(() => host.get('text-transformer', { version: '3.0.0' })).toThrow(
      /version 3\.0\.0 is not loaded \(loaded: 1\.0\.0, 1\.10\.0, 1\.9\.2\)/,
    );
    await host.unload('text-transformer', { version: '1.10.0' });
    expect(host.get('text-transformer').version).toBe('1.9.2');
  });

  it('detects the world from the component when neither manifest nor caller names it', async () => {
    const { host } = newHost();
    const plugin = await host.load({ path: fixtureComponent('echo-service') });
    expect(plugin.world).toBe('witkit:plugin-system/service-plugin@0.1.0');
    expect(() => host.get('echo-service', { world: 'processor-plugin' })).toThrow(
      /implements `witkit:plugin-system\/service-plugin@0\.1\.0`, not `processor-plugin`/,
    );
  });
});

describe('faults', () => {
  it('discards a trapped instance, reports the trap, and serves the next call from a fresh one', async () => {
    const { host, lines } = newHost();
    const run = await probe(host);
    const plugin = host.get('host-probe', { world: 'processor-plugin' });
    let error: unknown;
    try {
      await plugin.exports.dataProcessor.validate(enc.encode('trap'));
    } catch (e) {
      error = e;
    }
    expect(isPluginError(error) && error.code).toBe('WITKIT_EXECUTION_FAILED');
    expect((error as Error).message).toMatch(/^plugin `host-probe`: `dataProcessor\.validate` trapped: /);
    expect(plugin.status).toBe('errored');
    expect(plugin.metrics.snapshot()).toMatchObject({
      calls: 1,
      errors: 1,
      traps: 1,
      instances: { discarded: 1 },
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.error,
        plugin: 'host-probe',
        msg: 'plugin call failed; its instance is discarded',
      }),
    );

    expect(await run('echo', 'alive')).toBe('alive');
    expect(plugin.status).toBe('ready');
    expect(plugin.metrics.snapshot().instances.created).toBe(2);
  });

  it('turns unbounded recursion into a trap the host survives', async () => {
    const { host } = newHost();
    const run = await probe(host);
    await expect(run('recurse')).rejects.toMatchObject({ code: 'WITKIT_EXECUTION_FAILED' });
    expect(await run('echo', 'still here')).toBe('still here');
  });

  it("keeps the plugin's own errors apart from faults: the instance stays", async () => {
    const { host } = newHost();
    const run = await probe(host);
    await expect(run('no-such-action')).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      payload: 'unknown action `no-such-action`',
    });
    const plugin = host.get('host-probe');
    expect(plugin.status).toBe('ready');
    expect(plugin.metrics.snapshot()).toMatchObject({
      errors: 1,
      traps: 0,
      instances: { discarded: 0, created: 1 },
    });
  });

  it("caps a plugin's memory at its manifest's limit: a memory bomb fails, the plugin keeps answering", async () => {
    const { host } = newHost();
    const small = await probe(host, '[permissions]\nmemory = "16MB"\n');
    expect(await small('alloc', '4')).toBe('4');
    // QuickJS turns the refused grow into its own out-of-memory error; a Rust plugin traps.
    await expect(small('alloc', '64')).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      payload: 'out of memory',
    });
    expect(await small('alloc', '2')).toBe('2');
    expect(host.get('host-probe').status).toBe('ready');

    // The same request fits under a larger limit: the cap is what stopped it.
    const { host: roomy } = newHost();
    const big = await probe(roomy, '[permissions]\nmemory = "256MB"\n');
    expect(await big('alloc', '64')).toBe('64');
  });

  it('refuses to load a component that cannot even start within its memory limit', async () => {
    const { host } = newHost();
    await expect(
      host.load({ path: eventLogger, manifest: manifest('event-logger', '[permissions]\nmemory = "4MB"\n') }),
    ).rejects.toMatchObject({
      code: 'WITKIT_MEMORY_LIMIT_EXCEEDED',
      message: expect.stringMatching(/needs \d+ pages .* more than the 4 MiB limit/),
    });
  });

  it('reports a plugin whose initialize fails, with its reason', async () => {
    const { host } = newHost();
    await expect(
      host.load({
        path: fixtureComponent('host-probe'),
        manifest: manifest('host-probe', '[config]\nfail-init = "yes"\n'),
      }),
    ).rejects.toMatchObject({
      code: 'WITKIT_INIT_FAILED',
      message: expect.stringContaining('asked to fail in initialize'),
    });
  });

  it('recovers an errored plugin in the health loop', async () => {
    const { host, lines } = newHost();
    await probe(host);
    const plugin = host.get('host-probe', { world: 'processor-plugin' });
    await plugin.exports.dataProcessor.validate(enc.encode('trap')).catch(() => {});
    expect(plugin.status).toBe('errored');
    host.startHealthChecks({ intervalMs: 20 });
    await expect.poll(() => host.get('host-probe').status, { timeout: 2000 }).toBe('ready');
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'errored plugin recovered', plugin: 'host-probe' }),
    );
  });
});

describe('host services through the host', () => {
  let server: TestHttpServer;
  let port: number;
  beforeAll(async () => {
    server = await startTestHttpServer();
    port = server.port;
  });
  afterAll(() => server.close());

  it('makes real HTTP requests to granted destinations only', async () => {
    const { host, lines } = newHost();
    const run = await probe(host, `[permissions]\nnet = ["connect:127.0.0.1:${port}"]\n`);
    expect(await run('http-get', `http://127.0.0.1:${port}/hello`)).toBe('200 hello from the test server');
    expect(await run('http-get', `http://127.0.0.1:${port}/missing`)).toMatch(/^404 /);
    expect(await run('http-post', 'payload', [['url', `http://127.0.0.1:${port}/echo`]])).toBe(
      '200 got payload',
    );
    expect(await server.requests()).toContain('GET /hello yes ');
    await expect(run('http-get', `http://localhost:${port}/hello`)).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      payload: `outbound HTTP to \`localhost:${port}\` is not granted to plugin \`host-probe\`; grant it with \`net = ["connect:localhost:${port}"]\` in its plugin.toml`,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: levels.warn, msg: 'outbound HTTP denied', host: 'localhost' }),
    );
    // The denial is audited: in the JSONL log, and on the event bus.
    expect(host.audit.query({ plugin: 'host-probe', type: 'net-access-denied' })).toEqual([
      expect.objectContaining({
        resource: `localhost:${port}`,
        action: 'denied',
        detail: { url: `http://localhost:${port}/hello` },
      }),
    ]);
    expect(
      readFileSync(host.audit.file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['net-access-denied']);
  });

  it('reports a timeout and an unreachable destination as the request error, not a fault', async () => {
    const { host } = newHost({ httpTimeoutMs: 300 });
    const run = await probe(host, '[permissions]\nnet = ["connect:127.0.0.1:*"]\n');
    await expect(run('http-get', `http://127.0.0.1:${port}/hang`)).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      payload: `GET http://127.0.0.1:${port}/hang failed: no response within 300 ms`,
    });
    // A port nobody listens on: the server's own port once it is closed.
    const gone = await startTestHttpServer();
    await gone.close();
    await expect(run('http-get', `http://127.0.0.1:${gone.port}/`)).rejects.toMatchObject({
      payload: expect.stringMatching(/failed: .*ECONNREFUSED/),
    });
    expect(host.get('host-probe').status).toBe('ready');
  });

  it('shows a plugin only the environment variables its manifest allows', async () => {
    const { host } = newHost({
      environment: { WITKIT_DEMO_A: '1', WITKIT_DEMO_B: '2', SECRET_TOKEN: 'hunter2', LANG: 'C' },
    });
    const run = await probe(host, '[permissions]\nenv = ["WITKIT_DEMO_*", "LANG"]\n');
    expect(JSON.parse(await run('env'))).toEqual([
      ['WITKIT_DEMO_A', '1'],
      ['WITKIT_DEMO_B', '2'],
      ['LANG', 'C'],
    ]);
  });

  it('gives each plugin its own data folder, created on first use', async () => {
    const { host } = newHost();
    const run = await probe(host);
    const dir = await run('data-dir');
    expect(dir).toMatch(/host-probe\/files$/);
    writeFileSync(join(dir, 'probe.txt'), 'x');
  });
});

describe('events and requests', () => {
  it('delivers plugin events to event-handler plugins that subscribed and to host subscribers', async () => {
    const { host, lines } = newHost();
    const run = await probe(host);
    await host.load({
      path: eventLogger,
      manifest: manifest('event-logger', '[config]\nevents = "user.created"\n'),
    });
    const received: PluginEvent[] = [];
    host.events.subscribe('user.created', (e) => {
      received.push(e);
    });
    host.events.subscribe('*', () => {
      throw new Error('a broken subscriber');
    });
    expect(await run('emit', '{"id":1}', [['type', 'user.created']])).toBe('emitted');
    expect(await run('emit', '{}', [['type', 'order.placed']])).toBe('emitted');
    await host.events.idle();
    expect(received).toEqual([
      expect.objectContaining({ type: 'user.created', payload: '{"id":1}', source: 'host-probe' }),
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        plugin: 'event-logger',
        msg: expect.stringMatching(/^user\.created from host-probe at \d+: \{"id":1\}$/),
      }),
    );
    expect(
      lines.filter((l) => l.plugin === 'event-logger' && String(l.msg).startsWith('order.placed')),
    ).toEqual([]);
    expect(lines.filter((l) => l.msg === 'event subscriber failed')).toHaveLength(2);
  });

  it('routes a request from one plugin to another with a correlation id, and reports failures as errors', async () => {
    const { host, lines } = newHost();
    const run = await probe(host);
    await host.load({ path: fixtureComponent('echo-service') });
    expect(
      await run('ask', 'ping', [
        ['target', 'echo-service'],
        ['type', 'greet'],
      ]),
    ).toBe('greet:ping');
    const answered = lines.find((l) => l.msg === 'request answered')!;
    expect(answered).toMatchObject({ from: 'host-probe', to: 'echo-service', messageType: 'greet' });
    expect(answered.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toContainEqual(
      expect.objectContaining({
        plugin: 'echo-service',
        msg: `request ${answered.correlationId} from host-probe`,
      }),
    );

    await expect(run('ask', 'x', [['target', 'nobody']])).rejects.toMatchObject({
      payload: 'unknown plugin `nobody`',
    });
    await expect(
      run('ask', 'x', [
        ['target', 'echo-service'],
        ['type', 'fail'],
      ]),
    ).rejects.toMatchObject({
      payload: '`echo-service` answered with an error: cannot `fail` for host-probe',
    });
    await expect(run('ask', 'x', [['target', 'host-probe']])).rejects.toMatchObject({
      payload: expect.stringContaining('does not answer requests'),
    });
  });
});

describe('batch, metrics, reload and shutdown', () => {
  it('runs a batch with bounded concurrency and returns results in input order', async () => {
    const { host } = newHost();
    await host.load({ path: textTransformer });
    const calls = Array.from({ length: 20 }, (_, i) => ({
      plugin: 'text-transformer',
      iface: 'dataProcessor',
      fn: 'process',
      args: [
        {
          input: enc.encode(`item ${i}`),
          contentType: 'text/plain',
          options: [['mode', i % 5 === 4 ? 'bogus' : 'upper']],
        },
      ],
    }));
    const results = await host.batch([...calls, { plugin: 'missing', iface: 'x', fn: 'y', args: [] }], {
      concurrency: 4,
    });
    expect(results).toHaveLength(21);
    results.slice(0, 20).forEach((r, i) => {
      if (i % 5 === 4) expect(r).toMatchObject({ ok: false, error: { code: 'WITKIT_PLUGIN_ERROR' } });
      else expect(r.ok && dec.decode((r.value as { output: Uint8Array }).output)).toBe(`ITEM ${i}`);
    });
    expect(results[20]).toMatchObject({ ok: false, error: { code: 'WITKIT_PLUGIN_NOT_FOUND' } });
    expect(host.metrics()[0]).toMatchObject({
      plugin: 'text-transformer',
      calls: 20,
      errors: 4,
      errorRate: 0.2,
    });
  });

  it('exposes figures as Prometheus metrics', async () => {
    const { host } = newHost();
    await host.load({ path: textTransformer, version: '2.0.0' });
    const tt = host.get('text-transformer', { world: 'processor-plugin' });
    for (let i = 0; i < 5; i++) await tt.exports.dataProcessor.validate(enc.encode('ok'));
    const text = await prometheusRegistry(host).metrics();
    expect(text).toContain('witkit_plugin_calls_total{plugin="text-transformer",version="2.0.0"} 5');
    expect(text).toContain('witkit_plugin_errors_total{plugin="text-transformer",version="2.0.0"} 0');
    expect(text).toContain(
      'witkit_plugin_instances{plugin="text-transformer",version="2.0.0",state="idle"} 1',
    );
    expect(text).toContain(
      'witkit_plugin_call_duration_seconds_bucket{plugin="text-transformer",version="2.0.0",le="+Inf"} 5',
    );
    expect(text).toMatch(
      /witkit_plugin_call_duration_seconds_count\{plugin="text-transformer",version="2\.0\.0"\} 5/,
    );
    const snap = tt.metrics.snapshot();
    expect(snap.latencyMs.p50).toBeGreaterThan(0);
    expect(snap.latencyMs.p99).toBeGreaterThanOrEqual(snap.latencyMs.p50);
  });

  it('reloads a plugin by loading the new instance first; a broken replacement leaves the old one serving', async () => {
    const dir = join(tmp.dir, 'reload');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'text-transformer.wasm');
    copyFileSync(textTransformer, file);
    const { host } = newHost();
    const before = await host.load({ path: file });
    const after = await host.reload('text-transformer');
    expect(after).not.toBe(before);
    expect(before.status).toBe('uninitialized');
    expect(host.get('text-transformer')).toBe(after);

    writeFileSync(file, 'broken');
    await expect(host.reload('text-transformer')).rejects.toMatchObject({ code: 'WITKIT_LOAD_FAILED' });
    expect(host.get('text-transformer')).toBe(after);
    const res = await host
      .get('text-transformer', { world: 'processor-plugin' })
      .exports.dataProcessor.validate(enc.encode('x'));
    expect(res).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('broken');
  });

  it('shuts down gracefully: pending events are delivered, plugins shut down, later calls are refused', async () => {
    const { host, lines } = newHost();
    const run = await probe(host);
    await host.load({ path: eventLogger, manifest: manifest('event-logger', '[config]\nevents = "tick"\n') });
    const probePlugin = host.get('host-probe');
    await run('emit', 'last', [['type', 'tick']]);
    expect(await host.shutdown({ deadlineMs: 1000 })).toBe(true);
    hosts = hosts.filter((h) => h !== host);
    expect(lines).toContainEqual(
      expect.objectContaining({
        plugin: 'event-logger',
        msg: expect.stringMatching(/^tick from host-probe/),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ plugin: 'host-probe', msg: 'host-probe shutting down' }),
    );
    await expect(probePlugin.call('dataProcessor', 'validate', [enc.encode('x')])).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_UNAVAILABLE',
    });
    await expect(host.load({ path: textTransformer })).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_UNAVAILABLE',
    });
  });
});
