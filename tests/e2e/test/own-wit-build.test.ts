// TypeScript plugins built against the application's own WIT (`witkit.wit` in package.json):
// the world, its exports and its imports come from that WIT, not from witkit's contracts.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildError, buildJsPlugin, isBuildError, type JsEngine } from '@witkit/build';
import { describeComponentWorld } from '@witkit/wit';
import { tempDir } from '@witkit-internal/test-support';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/notes-ts', import.meta.url));

function copyFixture(
  witkit?: Record<string, unknown>,
  source?: string,
): { dir: string; cleanup: () => void } {
  const tmp = tempDir('witkit-own-wit-');
  cpSync(fixture, tmp.dir, { recursive: true });
  if (witkit) {
    const file = join(tmp.dir, 'package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...pkg, witkit: { ...pkg.witkit, ...witkit } }));
  }
  if (source !== undefined) writeFileSync(join(tmp.dir, 'src/index.ts'), source);
  return tmp;
}

async function buildError(dir: string): Promise<BuildError> {
  try {
    await buildJsPlugin(dir);
  } catch (error) {
    if (isBuildError(error)) return error;
    throw error;
  }
  throw new Error('expected the build to fail');
}

describe('a TypeScript plugin against its own WIT', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it.each<JsEngine>(['quickjs', 'starlingmonkey'])(
    'builds with %s into a component exporting the user interfaces and importing the host store',
    async (engine) => {
      const tmp = copyFixture({ engine });
      cleanup = tmp.cleanup;
      const built = await buildJsPlugin(tmp.dir);
      expect(built).toMatchObject({ name: 'notes-ts', engine, world: 'acme:notes/notes-plugin@0.1.0' });
      const world = describeComponentWorld(readFileSync(built.componentPath));
      expect(Object.keys(world.exports)).toEqual(['acme:notes/notes@0.1.0']);
      const notes = world.exports['acme:notes/notes@0.1.0']!;
      expect(Object.keys(notes.functions).sort()).toEqual(
        ['[constructor]notebook', '[method]notebook.add', '[method]notebook.owner', 'save'].sort(),
      );
      // QuickJS components also export their engine's `init`.
      expect(Object.keys(world.exportFunctions)).toEqual(expect.arrayContaining(['word-count']));
      // The user's import stayed external in the bundle: the component imports it from the host.
      expect(world.imports['acme:notes/host-store@0.1.0']?.functions.get).toBeDefined();
      expect(Object.keys(world.imports).filter((id) => !id.startsWith('wasi:'))).toEqual([
        'acme:notes/host-store@0.1.0',
      ]);
    },
    120_000,
  );

  it('refuses a world the WIT does not define, naming the WIT and its worlds', async () => {
    const tmp = copyFixture({ world: 'notes-writer' });
    cleanup = tmp.cleanup;
    const err = await buildError(tmp.dir);
    expect(err.code).toBe('WITKIT_BUILD_UNKNOWN_WORLD');
    expect(err.message).toContain(
      '`witkit.world` in `' +
        join(tmp.dir, 'package.json') +
        '` is `notes-writer`, which `wit` (package `acme:notes@0.1.0`) does not define; known worlds: `notes-plugin`, `notes-reader`',
    );
  });

  it('refuses a module missing an interface export or a world-level function export', async () => {
    const tmp = copyFixture(undefined, "export const notes = { save: () => '' };\n");
    cleanup = tmp.cleanup;
    const err = await buildError(tmp.dir);
    expect(err.code).toBe('WITKIT_BUILD_MISSING_EXPORT');
    expect(err.message).toContain('must export `wordCount` (for `word-count: func`)');
    expect(err.message).toContain('to implement world `notes-plugin`');

    const tmp2 = copyFixture(undefined, 'export const wordCount = () => 0;\n');
    const err2 = await buildError(tmp2.dir);
    tmp2.cleanup();
    expect(err2.message).toContain('must export `notes` (for `acme:notes/notes@0.1.0`)');
  });

  it('reports invalid WIT of the plugin with its file and line', async () => {
    const tmp = copyFixture();
    cleanup = tmp.cleanup;
    writeFileSync(
      join(tmp.dir, 'wit/notes.wit'),
      'package acme:notes;\n\nworld notes-plugin {\n  export f: func() -> nope;\n}\n',
    );
    const err = await buildError(tmp.dir);
    expect(err.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(err.message).toMatch(/`witkit\.wit` .* is `wit`, which cannot be resolved: .*notes\.wit:4:/s);
  });
});
