import { fileURLToPath } from 'node:url';
import { isPluginError, type LoadedPlugin, loadPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/text-transformer.wasm', import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();

describe('text-transformer component', () => {
  const tmp = tempDir();
  const { logger, lines } = captureLogger();
  let plugin: LoadedPlugin<WorldExports['processor-plugin']>;

  beforeAll(async () => {
    plugin = await loadPlugin(component, {
      world: 'processor-plugin',
      logger,
      dataDir: tmp.dir,
      cacheDir: `${tmp.dir}/cache`,
      config: [['default-mode', 'title']],
    });
  });
  afterAll(() => tmp.cleanup());

  const run = (text: string, options: [string, string][] = []) =>
    plugin.exports.dataProcessor.process({ input: enc.encode(text), contentType: 'text/plain', options });

  it('reports its metadata and is ready after initialize', () => {
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'text-transformer', version: '0.1.0' });
    expect(plugin.status).toBe('ready');
    expect(plugin.world).toBe('witkit:plugin-system/processor-plugin@0.1.0');
  });

  it('logs its initialization through the host logger, tagged with the plugin name', () => {
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.info,
        plugin: 'text-transformer',
        msg: 'ready, default mode title',
      }),
    );
  });

  it('applies the mode from the options, line by line', () => {
    const res = run('hello world\nsecond line', [['mode', 'upper']]);
    expect(dec.decode(res.output)).toBe('HELLO WORLD\nSECOND LINE');
    expect(res.itemsProcessed).toBe(2);
    expect(res.contentType).toBe('text/plain; charset=utf-8');
    expect(dec.decode(run('HelloWorld parseJSON', [['mode', 'snake']]).output)).toBe(
      'hello_world_parse_json',
    );
    expect(dec.decode(run('Grüße aus Köln', [['mode', 'kebab']]).output)).toBe('grüße-aus-köln');
  });

  it('uses the default mode from its config when the request names none', () => {
    expect(dec.decode(run('the QUICK brown fox').output)).toBe('The Quick Brown Fox');
  });

  it('reverses by code point, keeping characters beyond the BMP whole', () => {
    expect(dec.decode(run('ab😀c', [['mode', 'reverse']]).output)).toBe('c😀ba');
  });

  it('answers an unknown mode with its own error, not a trap', () => {
    let error: unknown;
    try {
      run('x', [['mode', 'shout']]);
    } catch (e) {
      error = e;
    }
    expect(isPluginError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      plugin: 'text-transformer',
      payload: 'unknown mode `shout`; expected one of upper, lower, reverse, title, snake, kebab',
    });
    expect(plugin.status).toBe('ready');
    expect(dec.decode(run('still works', [['mode', 'upper']]).output)).toBe('STILL WORKS');
  });

  it('rejects other content types and invalid UTF-8', () => {
    expect(() =>
      plugin.exports.dataProcessor.process({ input: enc.encode('x'), contentType: 'image/png', options: [] }),
    ).toThrow(/unsupported content type `image\/png`/);
    const invalid = new Uint8Array([0x68, 0xc3, 0x28]);
    expect(() =>
      plugin.exports.dataProcessor.process({ input: invalid, contentType: 'text/plain', options: [] }),
    ).toThrow(/input is not valid UTF-8/);
    expect(plugin.exports.dataProcessor.validate(invalid)).toBe(false);
    expect(plugin.exports.dataProcessor.validate(enc.encode('ok ✓'))).toBe(true);
  });

  it('refuses a config key it does not know at initialize', async () => {
    await expect(
      loadPlugin(component, {
        logger,
        dataDir: tmp.dir,
        cacheDir: `${tmp.dir}/cache`,
        config: [['colour', 'red']],
      }),
    ).rejects.toMatchObject({ code: 'WITKIT_INIT_FAILED', plugin: 'text-transformer' });
  });
});
