import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { isPluginError, type LoadedPlugin, loadPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePng, encodePng, type Image, jpegSize, pixel } from './png.js';

const component = fileURLToPath(new URL('../dist/image-processor.wasm', import.meta.url));

const RED = [220, 20, 30];
const BLUE = [10, 40, 200];

/** 40x20, RGB: the left half red, the right half blue. */
function halves(channels = 3, alpha = 255): Image {
  const width = 40;
  const height = 20;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x < width / 2 ? RED : BLUE;
      data.set(channels === 4 ? [...c, alpha] : c, (y * width + x) * channels);
    }
  }
  return { width, height, channels, data };
}

const near = (actual: number[], expected: number[], tolerance: number) => {
  expect(actual).toHaveLength(expected.length);
  for (const [i, v] of actual.entries()) {
    expect(Math.abs(v - expected[i]!), `channel ${i} of ${actual} vs ${expected}`).toBeLessThanOrEqual(
      tolerance,
    );
  }
};

describe('image-processor component', () => {
  const tmp = tempDir();
  const { logger, lines } = captureLogger();
  let plugin: LoadedPlugin<WorldExports['processor-plugin']>;
  const png = encodePng(halves());

  beforeAll(async () => {
    plugin = await loadPlugin(component, {
      world: 'processor-plugin',
      logger,
      dataDir: tmp.dir,
      cacheDir: `${tmp.dir}/cache`,
      config: [],
    });
  });
  afterAll(() => tmp.cleanup());

  const process = (input: Uint8Array, contentType: string, options: [string, string][] = []) =>
    plugin.exports.dataProcessor.process({ input, contentType, options });
  const pluginError = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(isPluginError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'WITKIT_PLUGIN_ERROR', plugin: 'image-processor' });
      return (e as { payload: string }).payload;
    }
    throw new Error('expected a plugin error');
  };

  it('reports its metadata and logs its initialization', () => {
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'image-processor', version: '0.1.0' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.info,
        plugin: 'image-processor',
        msg: 'ready, PNG and JPEG, Lanczos3',
      }),
    );
  });

  it('resizes a PNG to exact dimensions, keeping the colours where they were', () => {
    const res = process(png, 'image/png', [
      ['width', '10'],
      ['height', '6'],
      ['fit', 'exact'],
    ]);
    expect(res.contentType).toBe('image/png');
    expect(res.itemsProcessed).toBe(1);
    const out = decodePng(res.output);
    expect([out.width, out.height, out.channels]).toEqual([10, 6, 3]);
    near(pixel(out, 1, 3), RED, 8);
    near(pixel(out, 8, 3), BLUE, 8);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.debug,
        plugin: 'image-processor',
        msg: '40x20 -> 10x6 image/png',
      }),
    );
  });

  it('fits inside width x height keeping the aspect ratio by default, 800x600 without options', () => {
    const fit = decodePng(
      process(png, 'image/png', [
        ['width', '20'],
        ['height', '20'],
      ]).output,
    );
    expect([fit.width, fit.height]).toEqual([20, 10]);
    const dflt = decodePng(process(png, 'image/png').output);
    expect([dflt.width, dflt.height]).toEqual([800, 400]);
    near(pixel(dflt, 100, 200), RED, 4);
    near(pixel(dflt, 700, 200), BLUE, 4);
  });

  it('keeps the alpha channel of an RGBA PNG', () => {
    const res = process(encodePng(halves(4, 128)), 'image/png', [
      ['width', '8'],
      ['height', '4'],
    ]);
    const out = decodePng(res.output);
    expect([out.width, out.height, out.channels]).toEqual([8, 4, 4]);
    near(pixel(out, 1, 2), [...RED, 128], 8);
  });

  it('re-encodes as JPEG, and decodes JPEG input', () => {
    const res = process(png, 'image/jpeg', [
      ['width', '32'],
      ['height', '16'],
    ]);
    expect(res.contentType).toBe('image/jpeg');
    expect(jpegSize(res.output)).toEqual({ width: 32, height: 16 });
    expect(plugin.exports.dataProcessor.validate(res.output)).toBe(true);
    const back = decodePng(
      process(res.output, 'image/png', [
        ['width', '16'],
        ['height', '8'],
      ]).output,
    );
    expect([back.width, back.height, back.channels]).toEqual([16, 8, 3]);
    near(pixel(back, 2, 4), RED, 24);
    near(pixel(back, 13, 4), BLUE, 24);
  });

  it('answers bad options and unsupported output types with an error naming them', () => {
    expect(pluginError(() => process(png, 'image/png', [['width', 'wide']]))).toBe(
      'option `width` must be an integer from 1 to 4096, got `wide`',
    );
    expect(pluginError(() => process(png, 'image/png', [['height', '0']]))).toBe(
      'option `height` must be an integer from 1 to 4096, got `0`',
    );
    expect(pluginError(() => process(png, 'image/png', [['height', '100000']]))).toMatch(/^option `height`/);
    expect(pluginError(() => process(png, 'image/png', [['fit', 'stretch']]))).toBe(
      'option `fit` must be `contain` or `exact`, got `stretch`',
    );
    expect(pluginError(() => process(png, 'image/webp'))).toBe(
      'unsupported content type `image/webp`; expected image/png or image/jpeg',
    );
  });

  it('answers malformed input with its own error, not a trap, and stays usable', () => {
    expect(pluginError(() => process(new TextEncoder().encode('not an image'), 'image/png'))).toBe(
      'input is not a PNG or JPEG image',
    );
    expect(pluginError(() => process(png.subarray(0, 60), 'image/png'))).toMatch(
      /^cannot decode the image: /,
    );
    expect(pluginError(() => process(new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), 'image/png'))).toBe(
      'input is a Gif image; expected PNG or JPEG',
    );
    expect(plugin.status).toBe('ready');
    expect(
      decodePng(
        process(png, 'image/png', [
          ['width', '4'],
          ['height', '2'],
        ]).output,
      ).width,
    ).toBe(4);
  });

  it('refuses an image too large to decode from its header, before allocating it', () => {
    const huge = Buffer.from(png);
    huge.writeUInt32BE(4200, 16); // IHDR width
    huge.writeUInt32BE(4100, 20); // IHDR height
    huge.writeUInt32BE(crc32(huge.subarray(12, 29)), 29);
    expect(pluginError(() => process(huge, 'image/png'))).toBe(
      'input is 4200x4100 pixels; at most 16777216 pixels are accepted',
    );
    expect(plugin.exports.dataProcessor.validate(huge)).toBe(false);
    // Far larger ones the PNG decoder refuses itself, from the same header.
    huge.writeUInt32BE(100_000, 16);
    huge.writeUInt32BE(50_000, 20);
    huge.writeUInt32BE(crc32(huge.subarray(12, 29)), 29);
    expect(pluginError(() => process(huge, 'image/png'))).toBe(
      'cannot decode the image: Insufficient memory',
    );
    expect(plugin.status).toBe('ready');
  });

  it('validates that the input decodes', () => {
    expect(plugin.exports.dataProcessor.validate(png)).toBe(true);
    expect(plugin.exports.dataProcessor.validate(png.subarray(0, 60))).toBe(false);
    expect(plugin.exports.dataProcessor.validate(new Uint8Array([1, 2, 3]))).toBe(false);
  });
});
