/**
 * A Rust plugin for the project's own `processor-plugin` world, on the generated bindings, loaded
 * by `@witkit/host` the way applications load plugins: host services (logger, config store,
 * events) are called from inside its exports.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedPlugin, loadPlugin } from '@witkit/host';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, cacheRoot } from './build.js';

const repoWit = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../wit');

interface ProcessorExports {
  basePlugin: { getMetadata(): { name: string; version: string } };
  dataProcessor: {
    process(req: { input: Uint8Array; contentType: string; options: [string, string][] }): {
      output: Uint8Array;
      contentType: string;
      itemsProcessed: number;
    };
    validate(input: Uint8Array): boolean;
  };
}

const events: { type: string; payload: string; source: string }[] = [];
let plugin: LoadedPlugin<ProcessorExports>;

beforeAll(async () => {
  const built = await buildFixture('processor', 'processor-plugin', { witDir: repoWit });
  const file = join(cacheRoot, 'shout.wasm');
  await writeFile(file, built.component);
  const dataDir = join(cacheRoot, 'host-data');
  await rm(dataDir, { recursive: true, force: true });
  plugin = (await loadPlugin(file, {
    world: 'processor-plugin',
    config: [['suffix', '!']],
    dataDir,
    cacheDir: join(cacheRoot, 'transpiled'),
    onEvent: (e) => events.push(e),
  })) as unknown as LoadedPlugin<ProcessorExports>;
});

describe('a Rust processor plugin loaded by @witkit/host', () => {
  it('exports the world and reads back the config its initialize stored through the host', () => {
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'shout', version: '1.0.0' });
    const res = plugin.exports.dataProcessor.process({
      input: new TextEncoder().encode('hello rust'),
      contentType: 'text/plain',
      options: [],
    });
    expect(new TextDecoder().decode(res.output)).toBe('HELLO RUST!');
    expect(res).toMatchObject({ contentType: 'text/plain', itemsProcessed: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'shout.processed', payload: '11 bytes', source: 'shout' });
  });

  it('returns err results as errors and bools as booleans', () => {
    expect(() =>
      plugin.exports.dataProcessor.process({
        input: new Uint8Array(),
        contentType: 'text/plain',
        options: [],
      }),
    ).toThrow(/empty input/);
    expect(plugin.exports.dataProcessor.validate(new Uint8Array([1]))).toBe(true);
    expect(plugin.exports.dataProcessor.validate(new Uint8Array())).toBe(false);
  });
});
