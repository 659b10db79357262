import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isWitError, type WitError } from './errors.js';
import { resolveWitPath, resolveWitSource, selectWorld } from './load.js';
import type { WitFunction, WitInterface, WitResolve } from './model.js';
import { unaliasTypeDef } from './resolver.js';

const contracts = fileURLToPath(new URL('../../../wit', import.meta.url));

function iface(resolve: WitResolve, pkgId: string, name: string): WitInterface {
  const found = resolve.packages.find((p) => p.id === pkgId)?.interfaces.get(name);
  if (found === undefined) throw new Error(`no interface \`${name}\` in \`${pkgId}\``);
  return found;
}

function fn(i: WitInterface, name: string): WitFunction {
  const found = i.functions.get(name);
  if (found === undefined) throw new Error(`no function \`${name}\``);
  return found;
}

function resolveError(files: string | Record<string, string>): WitError {
  try {
    resolveWitSource(files);
  } catch (e) {
    if (isWitError(e)) return e;
    throw e;
  }
  throw new Error('expected a resolve error');
}

describe('resolveWitPath on the witkit contracts', () => {
  it('resolves every package with dependencies first', async () => {
    const resolve = await resolveWitPath(contracts);
    expect(resolve.root.id).toBe('witkit:plugin-system@0.1.0');
    expect(resolve.packages.map((p) => p.id).at(-1)).toBe('witkit:plugin-system@0.1.0');
    expect(resolve.packages.map((p) => p.id).sort()).toEqual([
      'witkit:host-api@0.1.0',
      'witkit:plugin-api@1.0.0',
      'witkit:plugin-api@2.0.0',
      'witkit:plugin-system@0.1.0',
    ]);
  });

  it('lists interfaces and worlds in source order, not dependency order', () => {
    const resolve = resolveWitSource(
      'package a:b;\ninterface late { use early.{t}; }\ninterface early { type t = u8; }\nworld z {}\nworld a { include z; }',
    );
    expect([...resolve.root.interfaces.keys()]).toEqual(['late', 'early']);
    expect([...resolve.root.worlds.keys()]).toEqual(['z', 'a']);
  });

  it('gives each world its imports and exports by versioned interface id', async () => {
    const world = selectWorld(await resolveWitPath(contracts), 'plugin-v2');
    expect([...world.imports.keys()]).toEqual(['witkit:host-api/host-services@0.1.0']);
    expect([...world.exports.keys()]).toEqual(['witkit:plugin-api/plugin@2.0.0']);
    expect(world.id).toBe('witkit:plugin-system/plugin-v2@0.1.0');
  });

  it('resolves resource functions with `self` and constructor results', async () => {
    const hs = iface(await resolveWitPath(contracts), 'witkit:host-api@0.1.0', 'host-services');
    const log = fn(hs, '[method]logger.log');
    expect(log.kind).toBe('method');
    expect(log.params.map((p) => p.name)).toEqual(['self', 'level', 'message']);
    expect(log.params[0]?.type).toMatchObject({ kind: 'borrow', resource: { name: 'logger' } });
    const level = log.params[1]?.type;
    expect(
      level?.kind === 'ref' && level.def.body.kind === 'enum' && level.def.body.cases.map((c) => c.name),
    ).toEqual(['trace', 'debug', 'info', 'warn', 'error']);
    expect(fn(hs, '[constructor]config-store').result).toMatchObject({
      kind: 'own',
      resource: { name: 'config-store' },
    });
  });

  it('binds `use`d names to the definitions they come from', async () => {
    const resolve = await resolveWitPath(contracts);
    const dp = iface(resolve, 'witkit:plugin-system@0.1.0', 'data-processor');
    const base = iface(resolve, 'witkit:plugin-system@0.1.0', 'base-plugin');
    const alias = dp.types.get('plugin-metadata');
    expect(alias?.body).toMatchObject({ kind: 'alias', usedFrom: base });
    expect(alias && unaliasTypeDef(alias)).toBe(base.types.get('plugin-metadata'));
    expect(dp.uses).toEqual([base]);
  });

  it('keeps doc comments on items', async () => {
    const resolve = await resolveWitPath(contracts);
    const base = iface(resolve, 'witkit:plugin-system@0.1.0', 'base-plugin');
    expect(base.docs).toBe('Identity and lifecycle, exported by every plugin.');
    expect(fn(base, 'shutdown').docs).toBe('Called once before the host drops the instance.');
    const outcome = iface(resolve, 'witkit:plugin-system@0.1.0', 'plugin-api').types.get(
      'process-outcome',
    )?.body;
    expect(outcome?.kind === 'variant' && outcome.cases.map((c) => c.docs)).toEqual([
      undefined,
      'The result, and a warning about it.',
      undefined,
      'A message, and an error code.',
    ]);
    expect(resolve.root.docs?.split('\n')[0]).toBe(
      'The plugin contracts of witkit (patterns 1 and 4 of the reference design).',
    );
  });
});

describe('world elaboration', () => {
  const wit = `package a:b;
interface base { type id = u64; }
interface mid { use base.{id}; }
interface top { use mid.{id}; f: func(x: id); }
world exports-top { export top; }
world imports-top { import top; }
world world-a { import log: func(); export run: func(); import base; }
world world-b { include world-a with { log as log2 } import log: func(); }`;

  it('imports what an exported interface uses, dependencies first, and marks them implicit', () => {
    const w = selectWorld(resolveWitSource(wit), 'exports-top');
    expect([...w.imports].map(([k, v]) => [k, v.kind === 'interface' && v.implicit])).toEqual([
      ['a:b/base', true],
      ['a:b/mid', true],
    ]);
    expect([...w.exports.keys()]).toEqual(['a:b/top']);
  });

  it('puts the dependencies of an imported interface before it', () => {
    const w = selectWorld(resolveWitSource(wit), 'imports-top');
    expect([...w.imports.keys()]).toEqual(['a:b/base', 'a:b/mid', 'a:b/top']);
  });

  it('merges included worlds and applies `with` renames', () => {
    const w = selectWorld(resolveWitSource(wit), 'world-b');
    expect([...w.imports.keys()].sort()).toEqual(['a:b/base', 'log', 'log2']);
    expect([...w.exports.keys()]).toEqual(['run']);
  });
});

describe('types', () => {
  it('records flags beyond 32 members without rejecting them', () => {
    const flags = Array.from({ length: 40 }, (_, i) => `f${i}x`).join(', ');
    const resolve = resolveWitSource(`package a:b;\ninterface x { flags many { ${flags} } }`);
    const def = resolve.root.interfaces.get('x')?.types.get('many');
    expect(def?.body.kind === 'flags' && def.body.flags.length).toBe(40);
  });

  it('resolves forward references and keeps list lengths', () => {
    const resolve = resolveWitSource('package a:b;\ninterface x { type a = list<b, 3>; record b { v: u8 } }');
    const a = resolve.root.interfaces.get('x')?.types.get('a');
    expect(a?.body).toMatchObject({
      kind: 'alias',
      type: { kind: 'list', length: 3, element: { kind: 'ref' } },
    });
  });

  it('reports a cycle between types at the reference that closes it', () => {
    const err = resolveError('package a:b;\ninterface x {\n  type a = b;\n  type b = a;\n}');
    expect([err.code, err.message, err.line, err.column]).toEqual([
      'WITKIT_WIT_RESOLVE',
      'type `a` depends on itself',
      4,
      12,
    ]);
  });

  it('rejects `borrow` in results', () => {
    expect(
      resolveError('package a:b;\ninterface x { resource r; f: func() -> option<borrow<r>>; }').message,
    ).toMatch(/returns a type that contains a `borrow<T>`/);
  });
});

describe('gates', () => {
  const wit = `package a:b@1.0.0;
interface x {
  @unstable(feature = fancy)
  f: func();
  @since(version = 0.9.0)
  g: func();
}
world w { export x; }`;

  it('leaves out unstable items unless their feature is enabled', () => {
    expect([...(resolveWitSource(wit).root.interfaces.get('x')?.functions.keys() ?? [])]).toEqual(['g']);
    const enabled = resolveWitSource(wit, { features: ['fancy'] }).root.interfaces.get('x');
    expect([...(enabled?.functions.keys() ?? [])]).toEqual(['f', 'g']);
    expect(enabled?.functions.get('f')?.stability).toEqual({ unstable: 'fancy' });
    expect([
      ...(resolveWitSource(wit, { features: 'all' }).root.interfaces.get('x')?.functions.keys() ?? []),
    ]).toEqual(['f', 'g']);
  });

  it('records `@since` on the resolved item', () => {
    expect(resolveWitSource(wit).root.interfaces.get('x')?.functions.get('g')?.stability).toEqual({
      since: '0.9.0',
    });
  });
});

describe('resolveWitSource', () => {
  it('treats `deps/` entries as dependency packages', () => {
    const resolve = resolveWitSource({
      'app.wit': 'package my:app;\nworld app { import my:log/logger@1.0.0; }',
      'deps/log/log.wit': 'package my:log@1.0.0;\ninterface logger { log: func(msg: string); }',
    });
    expect([...selectWorld(resolve).imports.keys()]).toEqual(['my:log/logger@1.0.0']);
  });

  it('names the missing package and the packages it knows', () => {
    const err = resolveError('package a:b;\nworld w { import c:d/e; }');
    expect(err.message).toBe('package `c:d` not found; known packages: `a:b`');
    expect([err.line, err.column]).toEqual([2, 18]);
  });

  it('requires a package header somewhere', () => {
    expect(resolveError({ 'a.wit': 'interface x {}' }).message).toMatch(/no `package` header/);
  });
});

describe('selectWorld', () => {
  const resolve = resolveWitSource('package a:b@1.0.0;\nworld one {}\nworld two {}');

  it('finds a world by name or by id', () => {
    expect(selectWorld(resolve, 'one').name).toBe('one');
    expect(selectWorld(resolve, 'a:b/two@1.0.0').name).toBe('two');
  });

  it('refuses to guess between several worlds', () => {
    expect(() => selectWorld(resolve)).toThrow(/several worlds \(`one`, `two`\)/);
  });

  it('says which world is missing', () => {
    expect(() => selectWorld(resolve, 'three')).toThrow('world `three` not found in package `a:b@1.0.0`');
  });
});

describe('resolveWitPath on disk', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('reads a single file as one package', async () => {
    dir = await mkdtemp(join(tmpdir(), 'witkit-wit-'));
    const file = join(dir, 'one.wit');
    await writeFile(file, 'package a:b;\nworld w { export f: func(); }');
    expect([...selectWorld(await resolveWitPath(file)).exports.keys()]).toEqual(['f']);
  });

  it('ignores files that are not `.wit` in `deps/`', async () => {
    dir = await mkdtemp(join(tmpdir(), 'witkit-wit-'));
    await mkdir(join(dir, 'deps'));
    await writeFile(join(dir, 'main.wit'), 'package a:b;\nworld w { import c:d/e; }');
    await writeFile(join(dir, 'deps', 'd.wit'), 'package c:d;\ninterface e {}');
    await writeFile(join(dir, 'deps', 'README.md'), '# not wit');
    expect([...selectWorld(await resolveWitPath(dir)).imports.keys()]).toEqual(['c:d/e']);
  });

  it('refuses WIT packages encoded as wasm in `deps/` rather than skipping them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'witkit-wit-'));
    await mkdir(join(dir, 'deps'));
    await writeFile(join(dir, 'main.wit'), 'package a:b;\nworld w {}');
    await writeFile(join(dir, 'deps', 'c.wasm'), new Uint8Array([0, 0x61, 0x73, 0x6d]));
    const err = await resolveWitPath(dir).catch((e: unknown) => e);
    expect(isWitError(err) && [err.code, err.message]).toEqual([
      'WITKIT_WIT_IO',
      expect.stringMatching(/c\.wasm` is a WIT package encoded as wasm/),
    ]);
  });

  it('reports a missing path as `WITKIT_WIT_IO` with the cause', async () => {
    const err = await resolveWitPath('/nonexistent/witkit/wit').catch((e: unknown) => e);
    expect(isWitError(err) && err.code).toBe('WITKIT_WIT_IO');
    expect(isWitError(err) && err.message).toBe('cannot read `/nonexistent/witkit/wit` (ENOENT)');
    expect((err as Error).cause).toBeInstanceOf(Error);
  });
});
