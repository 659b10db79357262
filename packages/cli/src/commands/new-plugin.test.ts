import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { worlds } from '@witkit/wit-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isScaffoldError,
  loadScaffoldWorld,
  membersLineWith,
  pluginTestSource,
  runNewPlugin,
  rustPluginSource,
  tsPluginSource,
} from './new-plugin.js';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const silent = { out: (_: string) => {}, err: (_: string) => {} };

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'witkit-new-plugin-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A WIT folder with one world, for types the contracts do not use. */
async function witFolder(name: string, source: string): Promise<string> {
  const dir = join(tmp, `wit-${name}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'world.wit'), source);
  return dir;
}

const EXOTIC = `package test:exotic@0.1.0;

interface shapes {
  enum color { red, green }
  flags perms { read, write }
  variant shape { none, circle(f32), named(tuple<string, u8>) }
  record thing {
    id: u64,
    tag: char,
    label: option<string>,
    ratios: list<f64>,
    parts: list<tuple<s32, bool>>,
    outcome: result<u32, string>,
    color: color,
    perms: perms,
    shape: shape,
  }
  make: func(seed: s16) -> thing;
  pick: func(items: list<string>) -> option<string>;
  check: func() -> result<list<u32>, string>;
}

world exotic {
  export shapes;
  export version: func() -> string;
}
`;

describe('stubs derived from the WIT', () => {
  it('gives every export of a TypeScript plugin a typed object and a zero value', async () => {
    const src = tsPluginSource(await loadScaffoldWorld('processor-plugin'));
    expect(src).toContain("import type { Exports } from '@witkit/wit-types/guest/processor-plugin';");
    expect(src).toContain("export const basePlugin: Exports['basePlugin'] = {");
    expect(src).toContain("export const dataProcessor: Exports['dataProcessor'] = {");
    expect(src).toContain("return { name: '', version: '' };");
    // result<process-response, string>: the ok value; errors would be thrown.
    expect(src).toContain("return { output: new Uint8Array(), contentType: '', itemsProcessed: 0 };");
    expect(src).toContain('initialize(_config) {},');
    expect(src).toContain('validate(_input) {\n    return false;\n  },');
  });

  it('spells every kind of WIT type as jco represents it, for guests and for the host', async () => {
    const world = await loadScaffoldWorld('exotic', await witFolder('exotic', EXOTIC));
    const src = tsPluginSource(world);
    // Too long for one line: laid out as the formatter would, one field per line.
    expect(src).toContain(
      [
        '    return {',
        '      id: 0n,',
        "      tag: '\\0',",
        '      ratios: new Float64Array(),',
        '      parts: [],',
        "      outcome: { tag: 'ok', val: 0 },",
        "      color: 'red',",
        '      perms: {},',
        "      shape: { tag: 'none' },",
        '    };',
      ].join('\n'),
    );
    expect(src).toContain('pick(_items) {\n    return undefined;\n  },');
    expect(src).toContain('check() {\n    return new Uint32Array();\n  },');
    expect(src).toContain("export const version: Exports['version'] = () => {\n  return '';\n};");
    const test = pluginTestSource('exotic', world);
    expect(test).toContain(
      'const result = plugin.exports.shapes.make(0);\n    expect(result).toEqual({\n      id: 0n,',
    );
    expect(test).toContain('      perms: { read: false, write: false },');
    expect(test).toContain("const result = plugin.exports.version();\n    expect(result).toEqual('');");
  });

  it('implements the generated Guest traits in Rust, naming the types the bindings define', async () => {
    const world = await loadScaffoldWorld('exotic', await witFolder('exotic-rs', EXOTIC));
    const src = rustPluginSource(world);
    expect(src).toContain('use bindings::exports::test::exotic::shapes;');
    expect(src).toContain(
      'impl bindings::Guest for Plugin {\n    fn version() -> String {\n        String::new()\n    }',
    );
    expect(src).toContain('impl shapes::Guest for Plugin {');
    expect(src).toContain(
      "shapes::Thing { id: 0, tag: '\\0', label: None, ratios: Vec::new(), parts: Vec::new(), outcome: Ok(0), color: shapes::Color::Red, perms: shapes::Perms::empty(), shape: shapes::Shape::None }",
    );
    expect(src).toContain('fn make(_seed: i16) -> shapes::Thing {');
    expect(src).toContain('fn check() -> Result<Vec<u32>, String> {\n        Ok(Vec::new())');
    expect(src).toContain('bindings::export_exotic!(Plugin);');
  });

  it('stubs every world of the contracts in both languages', async () => {
    for (const w of worlds) {
      const world = await loadScaffoldWorld(w.name);
      expect(tsPluginSource(world)).toContain(`@witkit/wit-types/guest/${w.name}`);
      expect(rustPluginSource(world)).toContain(`export_${w.name.replace(/-/g, '_')}!(Plugin)`);
      expect(pluginTestSource('p', world)).toContain(`world: '${w.name}'`);
    }
  });

  it('stubs exported resources with --wit: a TS class and a Rust struct implementing `Guest<R>`', async () => {
    const wit = await witFolder(
      'res',
      'package test:res;\ninterface counters { resource counter { constructor(start: u32); get: func() -> u32; zero: static func() -> counter; } make: func() -> counter; }\nworld res { export counters; }\n',
    );
    const ts = join(tmp, 'res-ts');
    await runNewPlugin('res-ts', { lang: 'ts', world: 'res', dir: ts, wit, cwd: tmp }, silent);
    const src = await readFile(join(ts, 'src/index.ts'), 'utf8');
    expect(src).toContain("import type { Exports } from './generated/guest/res/index.js';");
    expect(src).toContain('class Counter {\n  constructor(_start: number) {}');
    expect(src).toContain('  static zero(): Counter {\n    return new Counter(0);\n  }');
    expect(src).toContain("export const counters: Exports['counters'] = {\n  Counter,");
    const pkg = JSON.parse(await readFile(join(ts, 'package.json'), 'utf8'));
    expect(pkg.witkit).toEqual({ world: 'res', wit: '../wit-res' });
    const test = await readFile(join(ts, 'test/res-ts.test.ts'), 'utf8');
    expect(test).toContain("import { type Exports, res } from '../src/generated/res.js';");
    expect(test).toContain('const counter = new plugin.exports.counters.Counter(0);');

    const rs = join(tmp, 'res-rs');
    await runNewPlugin('res-rs', { lang: 'rust', world: 'res', dir: rs, wit, cwd: tmp }, silent);
    const lib = await readFile(join(rs, 'src/lib.rs'), 'utf8');
    expect(lib).toContain('impl counters::GuestCounter for CounterImpl {\n    fn new(_start: u32) -> Self {');
    expect(lib).toContain('    type Counter = CounterImpl;');
    expect(lib).toContain('        counters::Counter::new(CounterImpl)');
    expect(await readFile(join(rs, 'Cargo.toml'), 'utf8')).toContain('wit = "../wit-res"');
  });

  it('refuses an export taking a resource of an imported interface, naming it', async () => {
    const wit = await witFolder(
      'imp-res',
      'package test:imp;\ninterface store { resource handle { constructor(); } }\ninterface api { use store.{handle}; take: func(h: handle) -> u32; }\nworld imp { import store; export api; }\n',
    );
    const err = await runNewPlugin(
      'imp',
      { lang: 'ts', world: 'imp', dir: join(tmp, 'imp'), wit, cwd: tmp },
      silent,
    ).catch((e: unknown) => e);
    expect(isScaffoldError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WITKIT_SCAFFOLD_UNSUPPORTED' });
    expect((err as Error).message).toMatch(/resource `handle` of an interface it imports/);
  });
});

describe('runNewPlugin', () => {
  it('writes a TypeScript plugin outside the monorepo with published versions and standalone configs', async () => {
    const dir = join(tmp, 'outside-ts');
    const lines: string[] = [];
    const result = await runNewPlugin(
      'outside-ts',
      { lang: 'ts', world: 'minimal-plugin', dir },
      { ...silent, out: (l) => lines.push(l) },
    );
    expect(result.files).toEqual([
      'package.json',
      'src/index.ts',
      'test/outside-ts.test.ts',
      'tsconfig.json',
      'vitest.config.ts',
    ]);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: '@witkit-plugins/outside-ts',
      private: true,
      witkit: { world: 'minimal-plugin' },
      scripts: { build: 'witkit build', typecheck: 'tsc -p .', test: 'vitest run' },
    });
    expect(pkg.devDependencies['@witkit/host']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(pkg.devDependencies['@witkit-internal/test-support']).toBeUndefined();
    expect(await readFile(join(dir, 'vitest.config.ts'), 'utf8')).toContain("from 'vitest/config'");
    expect(JSON.parse(await readFile(join(dir, 'tsconfig.json'), 'utf8')).compilerOptions.strict).toBe(true);
    expect(lines[0]).toBe(`created TypeScript plugin \`outside-ts\` (world \`minimal-plugin\`) in ${dir}`);
    // Built in a temp sibling and renamed: nothing else is left next to it.
    expect((await readdir(tmp)).filter((f) => f.includes('scaffold'))).toEqual([]);
  });

  it('uses workspace versions and the shared configs inside the monorepo', async () => {
    // Only the file contents are checked: the folder is removed at once.
    const dir = join(repo, 'tests/e2e/.scaffold-tmp', `unit-${process.pid}`);
    try {
      await runNewPlugin('inside', { lang: 'ts', world: 'event-plugin', dir }, silent);
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
      expect(pkg.devDependencies).toEqual({
        '@witkit-internal/test-support': 'workspace:*',
        '@witkit/cli': 'workspace:*',
        '@witkit/host': 'workspace:*',
        '@witkit/wit-types': 'workspace:*',
      });
      expect(await readFile(join(dir, 'vitest.config.ts'), 'utf8')).toBe(
        "export { default } from '../../../../vitest.shared.js';\n",
      );
      expect(JSON.parse(await readFile(join(dir, 'tsconfig.json'), 'utf8'))).toEqual({
        extends: '../../../../plugins-js/tsconfig.plugin.json',
        include: ['src'],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes a standalone Rust crate, with its own workspace, when no Cargo workspace encloses it', async () => {
    const dir = join(tmp, 'alone-rs');
    const result = await runNewPlugin('alone-rs', { lang: 'rust', world: 'processor-plugin', dir }, silent);
    expect(result.files).toEqual([
      '.gitignore',
      'Cargo.toml',
      'package.json',
      'src/lib.rs',
      'test/alone-rs.test.ts',
      'vitest.config.ts',
    ]);
    const cargo = await readFile(join(dir, 'Cargo.toml'), 'utf8');
    expect(cargo).toContain('crate-type = ["cdylib"]');
    expect(cargo).toContain('[package.metadata.witkit]\nworld = "processor-plugin"');
    expect(cargo).toContain('bindings = "src/bindings.rs"');
    expect(cargo).toContain('edition = "2021"');
    expect(cargo).toMatch(/^\[workspace\]$/m);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toContain('src/bindings.rs\ndist/\n');
    expect(await readFile(join(dir, 'src/lib.rs'), 'utf8')).toContain(
      'impl data_processor::Guest for Plugin {',
    );
  });

  it('prints the members line to add, and leaves the workspace alone, inside a Cargo workspace', async () => {
    const ws = join(tmp, 'ws');
    await mkdir(ws, { recursive: true });
    const manifest = '[workspace]\nmembers = ["bench-kernels"]\nresolver = "2"\n';
    await writeFile(join(ws, 'Cargo.toml'), manifest);
    const lines: string[] = [];
    await runNewPlugin(
      'member-rs',
      { lang: 'rust', world: 'minimal-plugin', dir: join(ws, 'member-rs') },
      { ...silent, out: (l) => lines.push(l) },
    );
    expect(lines).toContain('  members = ["bench-kernels", "member-rs"]');
    expect(await readFile(join(ws, 'Cargo.toml'), 'utf8')).toBe(manifest);
    expect(await readFile(join(ws, 'member-rs/Cargo.toml'), 'utf8')).not.toMatch(/^\[workspace\]/m);
  });

  it('defaults to plugins-js/<name> or plugins-rust/<name> under the current folder outside the monorepo', async () => {
    const cwd = join(tmp, 'cwd');
    const ts = await runNewPlugin('dflt', { lang: 'ts', world: 'minimal-plugin', cwd }, silent);
    const rs = await runNewPlugin('dflt', { lang: 'rust', world: 'minimal-plugin', cwd }, silent);
    expect(ts.dir).toBe(join(cwd, 'plugins-js/dflt'));
    expect(rs.dir).toBe(join(cwd, 'plugins-rust/dflt'));
  });

  it('accepts an existing empty folder and refuses a non-empty one', async () => {
    const empty = join(tmp, 'empty');
    await mkdir(empty);
    await runNewPlugin('empty', { lang: 'ts', world: 'minimal-plugin', dir: empty }, silent);
    const err = await runNewPlugin(
      'empty',
      { lang: 'ts', world: 'minimal-plugin', dir: empty },
      silent,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WITKIT_SCAFFOLD_EXISTS' });
    expect((err as Error).message).toMatch(/already exists and is not empty/);
  });

  it('rejects names that are not kebab-case', async () => {
    for (const name of ['MyPlugin', 'my_plugin', '-x', 'x-', '1x', 'a--b', '']) {
      const err = await runNewPlugin(
        name,
        { lang: 'ts', world: 'minimal-plugin', dir: join(tmp, 'bad') },
        silent,
      ).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'WITKIT_SCAFFOLD_BAD_NAME' });
    }
  });

  it('rejects an unknown world, listing the worlds there are, and an unknown language', async () => {
    const err = await runNewPlugin('x', { lang: 'ts', world: 'nope', dir: join(tmp, 'nope') }, silent).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'WITKIT_SCAFFOLD_UNKNOWN_WORLD' });
    expect((err as Error).message).toMatch(
      /^unknown world `nope`; expected one of `minimal-plugin`, `processor-plugin`/,
    );
    const lang = await runNewPlugin('x', { lang: 'go' as never, world: 'minimal-plugin' }, silent).catch(
      (e: unknown) => e,
    );
    expect(lang).toMatchObject({ code: 'WITKIT_SCAFFOLD_BAD_LANG' });
  });
});

describe('membersLineWith', () => {
  it('appends the crate to the members array, once', () => {
    expect(membersLineWith('[workspace]\nmembers = ["a", "b"]\n', 'c')).toBe('members = ["a", "b", "c"]');
    expect(membersLineWith('[workspace]\nmembers = ["a"]\n', 'a')).toBe('members = ["a"]');
    expect(membersLineWith('[workspace]\n', 'c')).toBe('members = ["c"]');
  });
});
