import { join } from 'node:path';
import { PluginHost } from '@witkit/host';
import { parseManifest } from '@witkit/security';
import { captureLogger, levels, startTestHttpServer, tempDir } from '@witkit-internal/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventLogger, fixtureComponent, textTransformer } from './fixtures.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const tmp = tempDir('witkit-isolation-');
afterAll(() => tmp.cleanup());
let hosts: PluginHost[] = [];
afterEach(async () => {
  await Promise.all(hosts.map((h) => h.shutdown({ deadlineMs: 2000 })));
  hosts = [];
});

function newHost() {
  const { logger, lines } = captureLogger();
  const host = new PluginHost({
    dataDir: join(tmp.dir, `data-${hosts.length}`),
    cacheDir: join(tmp.dir, 'cache'),
    logger,
  });
  hosts.push(host);
  return { host, lines };
}

const workerManifest = (name: string, extra = '') =>
  parseManifest(
    `[plugin]\nname = "${name}"\nversion = "1.0.0"\n[permissions]\nisolation = "worker"\n${extra}`,
  );

async function workerProbe(host: PluginHost, extra = '') {
  await host.load({ path: fixtureComponent('host-probe'), manifest: workerManifest('host-probe', extra) });
  const plugin = host.get('host-probe', { world: 'processor-plugin' });
  return {
    plugin,
    run: async (action: string, input = '', options: [string, string][] = []) =>
      dec.decode(
        (
          await plugin.exports.dataProcessor.process({
            input: enc.encode(input),
            contentType: 'text/plain',
            options: [['action', action], ...options],
          })
        ).output,
      ),
  };
}

describe('plugins in worker threads', () => {
  it('answer exactly as in the host thread', async () => {
    const { host } = newHost();
    await host.load({ path: textTransformer, version: '1.0.0', isolation: 'worker' });
    await host.load({ path: textTransformer, version: '2.0.0', isolation: 'in-thread' });
    const request = {
      input: enc.encode('Hello Worker 😀'),
      contentType: 'text/plain',
      options: [['mode', 'snake']] as [string, string][],
    };
    const inWorker = host.get('text-transformer', { version: '1.0.0', world: 'processor-plugin' });
    const inThread = host.get('text-transformer', { version: '2.0.0', world: 'processor-plugin' });
    expect(inWorker.isolation).toBe('worker');
    expect(await inWorker.exports.dataProcessor.process(request)).toEqual(
      await inThread.exports.dataProcessor.process(request),
    );
    await expect(
      inWorker.exports.dataProcessor.process({ ...request, options: [['mode', 'nope']] }),
    ).rejects.toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      payload: expect.stringContaining('unknown mode `nope`'),
    });
    expect(inWorker.status).toBe('ready');
  });

  it('stop an infinite loop at the CPU budget while other plugins keep answering', async () => {
    const { host } = newHost();
    const { plugin, run } = await workerProbe(host, 'cpu-time = "300ms"\n');
    await host.load({ path: textTransformer });
    const other = host.get('text-transformer', { world: 'processor-plugin' });
    const started = performance.now();
    const looping = run('spin', '60000');
    // While the loop spins in its worker, this thread serves another plugin.
    const meanwhile = await other.exports.dataProcessor.process({
      input: enc.encode('still here'),
      contentType: 'text/plain',
      options: [['mode', 'upper']],
    });
    expect(dec.decode(meanwhile.output)).toBe('STILL HERE');
    expect(performance.now() - started).toBeLessThan(300);
    await expect(looping).rejects.toMatchObject({
      code: 'WITKIT_CPU_LIMIT_EXCEEDED',
      message:
        'plugin `host-probe`: `dataProcessor.process` ran longer than its 300 ms CPU budget and was stopped; raise `cpu-time` in plugin.toml if it needs more',
    });
    expect(plugin.metrics.snapshot().instances.discarded).toBe(1);
    expect(host.audit.query({ plugin: 'host-probe' })).toEqual([
      expect.objectContaining({
        type: 'cpu-time-exceeded',
        resource: 'dataProcessor.process',
        action: 'terminated',
      }),
    ]);
    // A fresh worker serves the next call.
    expect(await run('echo', 'recovered')).toBe('recovered');
  });

  it('reach host services through the host thread: logger, config store, events, HTTP', async () => {
    const server = await startTestHttpServer();
    try {
      const { host, lines } = newHost();
      const { run } = await workerProbe(host, `net = ["connect:127.0.0.1:${server.port}"]\n`);
      await host.load({
        path: eventLogger,
        manifest: workerManifest('event-logger', '[config]\nevents = "user.created"\n'),
      });
      expect(await run('http-get', `http://127.0.0.1:${server.port}/hi`)).toBe(
        '200 hello from the test server',
      );
      await expect(run('http-get', 'http://127.0.0.2:80/')).rejects.toMatchObject({
        payload: expect.stringContaining('is not granted to plugin `host-probe`'),
      });
      expect(await run('emit', '{"id":3}', [['type', 'user.created']])).toBe('emitted');
      await host.events.idle();
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: levels.info,
          plugin: 'event-logger',
          msg: expect.stringMatching(/^user\.created from host-probe/),
        }),
      );
    } finally {
      await server.close();
    }
  });

  it('trap without harming the host: the worker is replaced', async () => {
    const { host } = newHost();
    const { plugin, run } = await workerProbe(host);
    await expect(plugin.exports.dataProcessor.validate(enc.encode('trap'))).rejects.toMatchObject({
      code: 'WITKIT_EXECUTION_FAILED',
    });
    expect(plugin.status).toBe('errored');
    expect(await run('echo', 'ok')).toBe('ok');
    expect(plugin.metrics.snapshot()).toMatchObject({ traps: 1, instances: { discarded: 1 } });
  });

  it('send requests to workers with the caller timeout enforced', async () => {
    const { host } = newHost();
    const { run } = await workerProbe(host);
    await host.load({ path: fixtureComponent('echo-service'), manifest: workerManifest('echo-service') });
    expect(
      await run('ask', 'ping', [
        ['target', 'echo-service'],
        ['type', 'greet'],
      ]),
    ).toBe('greet:ping');
  });

  it('run their shutdown in the worker when the host shuts down', async () => {
    const { host, lines } = newHost();
    await workerProbe(host);
    await host.shutdown({ deadlineMs: 2000 });
    hosts = [];
    expect(lines).toContainEqual(
      expect.objectContaining({ plugin: 'host-probe', msg: 'host-probe shutting down' }),
    );
  });
});
