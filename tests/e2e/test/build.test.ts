import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildError, buildJsPlugin, isBuildError, type JsEngine } from '@witkit/build';
import { loadPlugin } from '@witkit/host';
import { afterEach, describe, expect, it } from 'vitest';
import { copyEchoFixture } from './fixtures.js';

async function buildError(dir: string): Promise<BuildError> {
  try {
    await buildJsPlugin(dir);
  } catch (error) {
    if (isBuildError(error)) return error;
    throw error;
  }
  throw new Error('expected the build to fail');
}

describe('buildJsPlugin', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it.each<JsEngine>(['quickjs', 'starlingmonkey'])(
    'builds a TypeScript plugin with %s into a component the host loads and calls',
    async (engine) => {
      const tmp = copyEchoFixture({ world: 'plugin-v2', engine });
      cleanup = tmp.cleanup;
      const built = await buildJsPlugin(tmp.dir);
      expect(built).toMatchObject({
        name: 'echo',
        version: '1.2.3',
        engine,
        world: 'witkit:plugin-system/plugin-v2@0.1.0',
      });
      expect(readFileSync(built.componentPath).subarray(0, 8)).toEqual(
        // Component binaries: magic, then layer 1 / version 0x0d.
        Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]),
      );
      const info = JSON.parse(readFileSync(join(tmp.dir, 'dist', 'echo.build.json'), 'utf8'));
      expect(info).toMatchObject({ name: 'echo', engine, sha256: built.sha256, size: built.size });

      const plugin = await loadPlugin(built.componentPath, {
        world: 'plugin-v2',
        dataDir: join(tmp.dir, 'data'),
        cacheDir: join(tmp.dir, 'cache'),
      });
      const api = plugin.exports['witkit:plugin-api/plugin@2.0.0'];
      expect(api.getMetadata()).toEqual({ name: 'echo', version: '1.2.3', description: 'echoes its input' });
      expect(
        api.process('ab😀', [
          ['prefix', '>'],
          ['repeat', '2'],
        ]),
      ).toBe('>ab😀>ab😀');
      expect(() => api.process('x', [['shout', 'yes']])).toThrow(/unknown option `shout`/);
    },
  );

  it('names the field when the witkit manifest is wrong', async () => {
    const tmp = copyEchoFixture({ world: 'plugin-v2', engine: 'v8' });
    cleanup = tmp.cleanup;
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toMatch(/^echo: `witkit\.engine` in `.*package\.json`: /);
    expect(error.message).toContain('quickjs');
  });

  it('lists the known worlds when the manifest names an unknown one', async () => {
    const tmp = copyEchoFixture({ world: 'plugin-v9' });
    cleanup = tmp.cleanup;
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_UNKNOWN_WORLD');
    expect(error.message).toContain('`plugin-v9`');
    expect(error.message).toContain('`processor-plugin`');
  });

  it('points at file, line and column of a syntax error and keeps the previous component', async () => {
    const tmp = copyEchoFixture();
    cleanup = tmp.cleanup;
    const good = await buildJsPlugin(tmp.dir);
    const before = readFileSync(good.componentPath);
    writeFileSync(join(tmp.dir, 'src', 'index.ts'), 'export const plugin = {\n  process(: string) {}\n};\n');
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_BUNDLE');
    expect(error.message).toMatch(/src\/index\.ts:2:10: /);
    expect(readFileSync(good.componentPath)).toEqual(before);
  });

  it('refuses a plugin that misses an export of its world, naming the export and interface', async () => {
    const tmp = copyEchoFixture();
    cleanup = tmp.cleanup;
    writeFileSync(join(tmp.dir, 'src', 'index.ts'), 'export const nothing = 1;\n');
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_MISSING_EXPORT');
    expect(error.message).toMatch(
      /^echo: `.*src\/index\.ts` must export `plugin` \(for `witkit:plugin-api\/plugin@2\.0\.0`\) to implement world `plugin-v2`$/,
    );
    expect(existsSync(join(tmp.dir, 'dist', 'echo.wasm'))).toBe(false);
  });

  it('reports what starlingmonkey says when an export does not fit the world', async () => {
    const tmp = copyEchoFixture({ world: 'plugin-v2', engine: 'starlingmonkey' });
    cleanup = tmp.cleanup;
    writeFileSync(join(tmp.dir, 'src', 'index.ts'), 'export const plugin = 42;\n');
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_COMPONENTIZE');
    expect(error.message).toMatch(/^echo: starlingmonkey could not build a `plugin-v2` component: .+/);
  });

  it('leaves a quickjs export that does not fit the world to fail at call time, as a typed execution error', async () => {
    const tmp = copyEchoFixture({ world: 'plugin-v2', engine: 'quickjs' });
    cleanup = tmp.cleanup;
    writeFileSync(join(tmp.dir, 'src', 'index.ts'), 'export const plugin = 42;\n');
    const built = await buildJsPlugin(tmp.dir);
    const plugin = await loadPlugin(built.componentPath, {
      world: 'plugin-v2',
      dataDir: join(tmp.dir, 'data'),
      cacheDir: join(tmp.dir, 'cache'),
    });
    expect(() => plugin.exports.plugin.process('x', [])).toThrowError(
      expect.objectContaining({ code: 'WITKIT_EXECUTION_FAILED', plugin: 'echo' }),
    );
    expect(plugin.status).toBe('errored');
  });

  it('refuses a folder whose package.json is not a plugin, saying how to make it one', async () => {
    const tmp = copyEchoFixture();
    cleanup = tmp.cleanup;
    writeFileSync(join(tmp.dir, 'package.json'), JSON.stringify({ name: 'just-a-lib' }));
    const error = await buildError(tmp.dir);
    expect(error.code).toBe('WITKIT_BUILD_NOT_A_PLUGIN');
    expect(error.message).toContain('"witkit": { "world": "<world>" }');
  });
});
