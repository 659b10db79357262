import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { witDir } from '@witkit/wit-types';
import { afterEach, describe, expect, it } from 'vitest';
import { type BuildError, isBuildError } from '../errors.js';
import { pluginKind } from './build-plugin.js';
import { isRustPluginDir, readRustPluginManifest } from './manifest.js';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A temp folder holding `files` (path → content); returns its path. */
function testdir(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'witkit-rust-manifest-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const cargo = (extra: string, pkg = 'name = "shout"\nversion = "1.2.3"') =>
  `[package]\n${pkg}\nedition = "2021"\n\n[lib]\ncrate-type = ["cdylib"]\n\n${extra}\n`;

async function manifestError(dir: string): Promise<BuildError> {
  const error = await readRustPluginManifest(dir).catch((e: unknown) => e);
  if (isBuildError(error)) return error;
  throw new Error(`expected a BuildError, got ${String(error)}`);
}

describe('readRustPluginManifest', () => {
  it('reads a crate of a contracts world', async () => {
    const dir = testdir({ 'Cargo.toml': cargo('[package.metadata.witkit]\nworld = "processor-plugin"') });
    expect(await readRustPluginManifest(dir)).toEqual({
      dir,
      manifestPath: join(dir, 'Cargo.toml'),
      name: 'shout',
      crateName: 'shout',
      version: '1.2.3',
      world: {
        name: 'processor-plugin',
        id: 'witkit:plugin-system/processor-plugin@0.1.0',
        witPath: witDir,
        local: false,
      },
      optimize: 'size',
      kind: 'reactor',
    });
  });

  it('reads a command crate: its binary target, the wasi:cli/command world', async () => {
    const dir = testdir({
      'Cargo.toml':
        '[package]\nname = "tool"\nversion = "0.2.0"\n\n[package.metadata.witkit]\ncommand = true\n',
      'src/main.rs': 'fn main() {}\n',
    });
    const manifest = await readRustPluginManifest(dir);
    expect(manifest).toMatchObject({ kind: 'command', bin: 'tool', name: 'tool', version: '0.2.0' });
    expect(manifest.world.id).toBe('wasi:cli/command');
  });

  it('refuses a command crate without a binary target, and `command` with `bindings`', async () => {
    const noMain = testdir({
      'Cargo.toml': '[package]\nname = "tool"\n\n[package.metadata.witkit]\ncommand = true\n',
    });
    const error = await manifestError(noMain);
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toContain('has no binary target: add `src/main.rs`');
    const withBindings = testdir({
      'Cargo.toml':
        '[package]\nname = "tool"\n\n[package.metadata.witkit]\ncommand = true\nbindings = "src/b.rs"\n',
      'src/main.rs': 'fn main() {}\n',
    });
    expect((await manifestError(withBindings)).message).toContain(
      '`package.metadata.witkit.bindings` in `' +
        join(withBindings, 'Cargo.toml') +
        '` cannot be combined with `command = true`',
    );
  });

  it('asks for a world or `command = true` when the metadata has neither', async () => {
    const error = await manifestError(
      testdir({ 'Cargo.toml': cargo('[package.metadata.witkit]\noptimize = "none"') }),
    );
    expect(error.message).toContain('`package.metadata.witkit.world`');
    expect(error.message).toContain('`command = true`');
  });

  it('reads a world of the crate’s own WIT, with bindings, a name and an optimize level', async () => {
    const dir = testdir({
      'Cargo.toml': cargo(
        '[package.metadata.witkit]\nworld = "calc"\nwit = "wit"\nbindings = "src/gen.rs"\nname = "calc-plugin"\noptimize = "speed"',
      ),
      'wit/a.wit':
        '// world commented { }\npackage acme:calc@2.0.0;\n\nworld calc {\n  export add: func(a: u32) -> u32;\n}\n',
    });
    expect(await readRustPluginManifest(dir)).toMatchObject({
      name: 'calc-plugin',
      crateName: 'shout',
      world: { name: 'calc', id: 'acme:calc/calc@2.0.0', witPath: join(dir, 'wit'), local: true },
      bindings: join(dir, 'src', 'gen.rs'),
      optimize: 'speed',
    });
  });

  it('resolves a version inherited from the workspace', async () => {
    const dir = testdir({
      'Cargo.toml': '[workspace]\nmembers = ["p"]\n\n[workspace.package]\nversion = "4.5.6"\n',
      'p/Cargo.toml': cargo(
        '[package.metadata.witkit]\nworld = "minimal-plugin"',
        'name = "p"\nversion.workspace = true',
      ),
    });
    expect((await readRustPluginManifest(join(dir, 'p'))).version).toBe('4.5.6');
  });

  it('says how to make a crate without witkit metadata a plugin', async () => {
    const error = await manifestError(testdir({ 'Cargo.toml': cargo('') }));
    expect(error.code).toBe('WITKIT_BUILD_NOT_A_PLUGIN');
    expect(error.message).toMatch(
      /^shout: `.*Cargo\.toml` has no `\[package\.metadata\.witkit\]`; add one with `world = "<world>"`/,
    );
  });

  it('tells a workspace manifest apart from a plugin crate', async () => {
    const error = await manifestError(testdir({ 'Cargo.toml': '[workspace]\nmembers = []\n' }));
    expect(error.code).toBe('WITKIT_BUILD_NOT_A_PLUGIN');
    expect(error.message).toContain('it is a workspace: build its member crates');
  });

  it('names the field and what it allows when metadata is wrong', async () => {
    const error = await manifestError(
      testdir({
        'Cargo.toml': cargo('[package.metadata.witkit]\nworld = "minimal-plugin"\noptimize = "max"'),
      }),
    );
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toMatch(/`package\.metadata\.witkit\.optimize` in `.*Cargo\.toml`: .*"size"/);
  });

  it('refuses an unknown metadata key', async () => {
    const error = await manifestError(
      testdir({
        'Cargo.toml': cargo('[package.metadata.witkit]\nworld = "minimal-plugin"\nengine = "rust"'),
      }),
    );
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toContain('engine');
  });

  it('asks for a cdylib, without which the exports never reach the wasm module', async () => {
    const dir = testdir({
      'Cargo.toml':
        '[package]\nname = "x"\nversion = "0.1.0"\n\n[package.metadata.witkit]\nworld = "minimal-plugin"\n',
    });
    const error = await manifestError(dir);
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toContain('add `[lib] crate-type = ["cdylib"]`');
  });

  it('points at the position of a TOML syntax error', async () => {
    const error = await manifestError(testdir({ 'Cargo.toml': '[package\nname = "x"\n' }));
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toMatch(/Cargo\.toml` is not valid TOML: .+/);
  });

  it('says when the crate’s `wit` folder does not exist', async () => {
    const error = await manifestError(
      testdir({ 'Cargo.toml': cargo('[package.metadata.witkit]\nworld = "calc"\nwit = "nope"') }),
    );
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toContain('`package.metadata.witkit.wit` in');
  });
});

describe('pluginKind', () => {
  it('tells TypeScript plugins, Rust plugins and other folders apart', async () => {
    const dir = testdir({
      'js/package.json': JSON.stringify({ name: 'a', witkit: { world: 'minimal-plugin' } }),
      'rust/package.json': JSON.stringify({ name: 'b', private: true }),
      'rust/Cargo.toml': cargo('[package.metadata.witkit]\nworld = "minimal-plugin"'),
      'crate/Cargo.toml': cargo(''),
      'empty/.keep': '',
    });
    expect(await pluginKind(join(dir, 'js'))).toBe('js');
    expect(await pluginKind(join(dir, 'rust'))).toBe('rust');
    expect(await pluginKind(join(dir, 'crate'))).toBeUndefined();
    expect(await pluginKind(join(dir, 'empty'))).toBeUndefined();
    expect(await isRustPluginDir(join(dir, 'rust'))).toBe(true);
  });
});
