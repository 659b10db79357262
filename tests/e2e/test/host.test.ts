import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import { ComponentCache, loadPlugin, PluginError, transpileCacheVersion } from '@witkit/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { eventLogger, textTransformer } from './fixtures.js';

const tmp = tempDir('witkit-host-');
afterAll(() => tmp.cleanup());
const base = { dataDir: join(tmp.dir, 'data'), cacheDir: join(tmp.dir, 'cache') };

async function loadError(path: string, options: Parameters<typeof loadPlugin>[1] = {}): Promise<PluginError> {
  try {
    await loadPlugin(path, { ...base, ...options });
  } catch (error) {
    if (error instanceof PluginError) return error;
    throw error;
  }
  throw new Error('expected the load to fail');
}

describe('loadPlugin', () => {
  it('says which file is missing', async () => {
    const error = await loadError(join(tmp.dir, 'nope.wasm'));
    expect(error.code).toBe('WITKIT_PLUGIN_NOT_FOUND');
    expect(error.message).toBe(`plugin \`nope\`: no component at \`${join(tmp.dir, 'nope.wasm')}\``);
  });

  it('refuses bytes that are not a component, with the cause attached', async () => {
    const file = join(tmp.dir, 'garbage.wasm');
    writeFileSync(file, Buffer.from('definitely not wasm'));
    const error = await loadError(file);
    expect(error.code).toBe('WITKIT_LOAD_FAILED');
    expect(error.message).toMatch(/^plugin `garbage`: `.*garbage\.wasm` is not a loadable component: /);
    expect(error.cause).toBeDefined();
  });

  it('refuses a component that does not implement the requested world, naming the missing export', async () => {
    const error = await loadError(textTransformer, { world: 'event-plugin' });
    expect(error.code).toBe('WITKIT_LOAD_FAILED');
    expect(error.message).toBe(
      'plugin `text-transformer`: the component does not implement world `witkit:plugin-system/event-plugin@0.1.0`: ' +
        'missing export `witkit:plugin-system/event-handler@0.1.0`',
    );
  });

  it('names an import the application must implement, and how, before instantiating', async () => {
    // A real component (wasm-tools' dummy module for a world) that imports an interface of its own WIT.
    const wit = `package test:unknown;
      interface secrets { read: func(key: string) -> string; }
      world needs-secrets { import secrets; export run: func(); }`;
    const core = await componentEmbed({ dummy: true, witSource: wit, world: 'needs-secrets' });
    const file = join(tmp.dir, 'needs-secrets.wasm');
    writeFileSync(file, await componentNew(core));
    const error = await loadError(file);
    expect(error.code).toBe('WITKIT_MISSING_IMPORT');
    expect(error.message).toBe(
      "plugin `needs-secrets`: the component imports `test:unknown/secrets`, which the host was not given: pass `imports: { 'test:unknown/secrets': { read(key) } }` to `loadPlugin` or `PluginHost`",
    );
    const plugin = await loadPlugin(file, {
      ...base,
      imports: { 'test:unknown/secrets': { read: () => 'x' } },
    });
    expect(Object.keys(plugin.exports)).toEqual(['run']);
  });

  it('names a WASI interface the host does not provide before instantiating', async () => {
    const wit = `package test:kv;
      world needs-kv { import wasi:keyvalue/store@0.2.0-draft; export run: func(); }
      package wasi:keyvalue@0.2.0-draft { interface store { get: func(key: string) -> string; } }`;
    const core = await componentEmbed({ dummy: true, witSource: wit, world: 'needs-kv' });
    const file = join(tmp.dir, 'needs-kv.wasm');
    writeFileSync(file, await componentNew(core));
    const error = await loadError(file);
    expect(error.code).toBe('WITKIT_UNKNOWN_IMPORT');
    expect(error.message).toBe(
      'plugin `needs-kv`: the component imports `wasi:keyvalue/store`, which this host does not provide',
    );
  });

  it('transpiles once per component and jco version, then loads from the disk cache', async () => {
    const cacheDir = join(tmp.dir, 'cache-reuse');
    const first = await loadPlugin(textTransformer, { ...base, cacheDir });
    const second = await loadPlugin(textTransformer, { ...base, cacheDir, world: 'processor-plugin' });
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(readdirSync(cacheDir)).toEqual([`${first.sha256}-${transpileCacheVersion}`]);
    expect(existsSync(join(cacheDir, readdirSync(cacheDir)[0]!, 'component.js'))).toBe(true);
    expect(second.exports.basePlugin.getMetadata().name).toBe('text-transformer');
    // A new process (a fresh cache object) finds the glue on disk.
    const bytes = readFileSync(textTransformer);
    expect((await new ComponentCache({ cacheDir }).get(bytes)).fromDiskCache).toBe(true);
    expect(
      (await new ComponentCache({ cacheDir: join(tmp.dir, 'cache-empty') }).get(bytes)).fromDiskCache,
    ).toBe(false);
  });

  it('keeps a plugin working when a host event listener throws, and logs the listener failure', async () => {
    const { logger, lines } = captureLogger();
    const plugin = await loadPlugin(eventLogger, {
      ...base,
      dataDir: join(tmp.dir, 'listener'),
      logger,
      world: 'event-plugin',
      onEvent: () => {
        throw new Error('subscriber exploded');
      },
    });
    const event = { eventType: 'user.created', payload: '{}', timestamp: 1n, source: 'test' };
    for (let i = 0; i < 100; i++) plugin.exports.eventHandler.onEvent(event);
    expect(plugin.status).toBe('ready');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: levels.error, plugin: 'event-logger', msg: 'event listener failed' }),
    );
  });
});
