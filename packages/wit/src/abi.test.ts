import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CoreFunc, oracleCoreFuncs, oracleCoreFuncsSource, preopen } from '../test/oracle.js';
import {
  type CoreFunction,
  coreSignature,
  flattenType,
  isAbiError,
  layoutOf,
  recordLayout,
  resolveWitPath,
  resolveWitSource,
  selectWorld,
  variantLayout,
  type WitInterface,
  type WitType,
  type WitWorld,
  worldCoreFunctions,
} from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const corpus = resolve(here, '../test/corpus/valid');
const repoWit = resolve(here, '../../../wit');

/** Every kind of type, in params and results, flat and through memory. */
const KITCHEN_SINK = `package test:abi@0.3.1;

interface types {
  record point { x: f32, y: f64 }
  record mixed { a: u8, b: u64, c: u16, d: string, e: list<point> }
  variant shape { none, circle(f32), rect(tuple<f32, f32>), big(f64), id(u32), name(string), wide(u64) }
  variant int-or-float { i(u32), f(f32) }
  enum small { a, b, c }
  flags f1 { a }
  flags f8 { a, b, c, d, e, f, g, h }
  flags f9 { a, b, c, d, e, f, g, h, i }
  flags f16 { a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p }
  flags f17 { a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q }
  flags f32x { a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z, a1, a2, a3, a4, a5, a6 }
  resource res {
    constructor(name: string);
    get: func() -> string;
    set: func(v: option<option<u8>>);
    make: static func() -> res;
  }
  type alias-of-list = list<mixed>;

  prims: func(a: bool, b: s8, c: u8, d: s16, e: u16, f: s32, g: u32, h: s64, i: u64, j: f32, k: f64, l: char) -> char;
  strings: func(s: string, l: list<string>) -> string;
  nested: func(o: option<option<u32>>, r: result, r1: result<_, u8>, r2: result<string, u8>) -> option<option<u32>>;
  variants: func(s: shape, i: int-or-float, e: small) -> shape;
  flags-all: func(a: f1, b: f8, c: f9, d: f16, e: f17, f: f32x) -> f32x;
  records: func(m: mixed, l: alias-of-list) -> list<mixed>;
  many: func(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64, j: u64, k: u64, l: u64, m: u64, n: u64, o: u64, p: u64) -> u64;
  too-many: func(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64, j: u64, k: u64, l: u64, m: u64, n: u64, o: u64, p: u64, q: u8) -> tuple<u8, u8>;
  handles: func(a: borrow<res>, b: res) -> res;
  tuples: func(t: tuple<u8, string, f64>) -> tuple<char, f32>;
  results: func() -> result<f32, u32>;
  unit: func();
}

world kitchen-sink {
  import types;
  export types;
  import top-import: func(x: string) -> list<u32>;
  export top-export: func(x: list<u8>) -> result<string>;
}
`;

/** Abbreviates a version the way the current core name mangling does. */
function abbreviate(v: string): string {
  if (/[-+]/.test(v)) return v;
  const [major, minor, patch] = v.split('.');
  if (major !== '0') return major!;
  if (minor !== '0') return `0.${minor}`;
  return `0.0.${patch}`;
}

function mangleKey(key: string): string {
  const at = key.indexOf('@');
  return at === -1 || !key.includes('/') ? key : `${key.slice(0, at)}@${abbreviate(key.slice(at + 1))}`;
}

/** Our legacy-named function in wasm-tools' current (`cm32p2`) naming, as its dummy module has them. */
function toCm32p2(f: CoreFunction): CoreFunc {
  const sig = { params: [...f.params], results: [...f.results] };
  if (f.dir === 'import') {
    const exported = f.module.startsWith('[export]');
    const key = exported ? f.module.slice('[export]'.length) : f.module;
    const module = key === '$root' ? 'cm32p2' : `cm32p2|${exported ? '_ex_' : ''}${mangleKey(key)}`;
    const handle = /^\[resource-(drop|new|rep)\](.*)$/.exec(f.name);
    return { dir: 'import', module, name: handle ? `${handle[2]}_${handle[1]}` : f.name, ...sig };
  }
  if (f.role === 'realloc') return { dir: 'export', module: '', name: 'cm32p2_realloc', ...sig };
  const exportName = (name: string) => {
    const hash = name.indexOf('#');
    return hash === -1
      ? { module: 'cm32p2|', name }
      : { module: `cm32p2|${mangleKey(name.slice(0, hash))}`, name: name.slice(hash + 1) };
  };
  if (f.role === 'post-return') {
    const e = exportName(f.name.slice('cabi_post_'.length));
    return { dir: 'export', ...e, name: `${e.name}_post`, ...sig };
  }
  if (f.role === 'resource-dtor') {
    const e = exportName(f.name);
    return { dir: 'export', ...e, name: `${e.name.replace('[dtor]', '')}_dtor`, ...sig };
  }
  return { dir: 'export', ...exportName(f.name), ...sig };
}

/** Async built-ins and the start function: not part of the synchronous ABI this module covers. */
function isAsyncOrStart(f: CoreFunc): boolean {
  return (
    /^\[(async|future|stream|task|waitable|context|error-context|backpressure|subtask|callback)/.test(
      f.name,
    ) ||
    f.module.includes('[async') ||
    f.name === 'cm32p2_initialize'
  );
}

function render(funcs: readonly CoreFunc[]): string[] {
  return funcs
    .map((f) => `${f.dir} ${f.module} ${f.name} (${f.params.join(' ')}) -> (${f.results.join(' ')})`)
    .sort();
}

function hasAsync(world: WitWorld): boolean {
  const fns = [...world.imports.values(), ...world.exports.values()].flatMap((i) =>
    i.kind === 'function' ? [i.function] : i.kind === 'interface' ? [...i.interface.functions.values()] : [],
  );
  return fns.some((f) => f.async);
}

function interfaceOf(world: WitWorld, key: string): WitInterface {
  const item = world.imports.get(key);
  if (item?.kind !== 'interface') throw new Error(`no interface \`${key}\` in \`${world.name}\``);
  return item.interface;
}

const prim = (kind: string) => ({ kind }) as WitType;

describe('layout of every kind of type', () => {
  it('gives primitives their natural size and alignment, strings and lists a (ptr, len) pair', () => {
    const expected: Record<string, [number, number]> = {
      bool: [1, 1],
      s8: [1, 1],
      u8: [1, 1],
      s16: [2, 2],
      u16: [2, 2],
      s32: [4, 4],
      u32: [4, 4],
      s64: [8, 8],
      u64: [8, 8],
      f32: [4, 4],
      f64: [8, 8],
      char: [4, 4],
      string: [8, 4],
    };
    for (const [kind, [size, align]] of Object.entries(expected)) {
      expect({ kind, ...layoutOf(prim(kind)) }).toEqual({ kind, size, align });
    }
    expect(layoutOf({ kind: 'list', element: prim('u64') })).toEqual({ size: 8, align: 4 });
  });

  it('pads record fields to their alignment and the record to its largest alignment', () => {
    const world = selectWorld(resolveWitSource(KITCHEN_SINK), 'kitchen-sink');
    const types = interfaceOf(world, 'test:abi/types@0.3.1').types;
    const ref = (name: string): WitType => ({ kind: 'ref', def: types.get(name)! });
    // a: u8 @0, b: u64 @8, c: u16 @16, d: string @20, e: list @28 → 36, rounded to 40
    expect(recordLayout([prim('u8'), prim('u64'), prim('u16'), prim('string'), prim('string')])).toEqual({
      size: 40,
      align: 8,
      offsets: [0, 8, 16, 20, 28],
    });
    expect(layoutOf(ref('mixed'))).toMatchObject({ size: 40, align: 8 });
    expect(layoutOf(ref('point'))).toMatchObject({ size: 16, align: 8 });
    // shape: u8 discriminant, payload at 8 (f64 alignment), largest payload 8 bytes.
    expect(layoutOf(ref('shape'))).toEqual({ size: 16, align: 8, discriminantSize: 1, payloadOffset: 8 });
    expect(layoutOf(ref('small'))).toEqual({ size: 1, align: 1, discriminantSize: 1, payloadOffset: 1 });
    expect(layoutOf(ref('f1'))).toEqual({ size: 1, align: 1 });
    expect(layoutOf(ref('f8'))).toEqual({ size: 1, align: 1 });
    expect(layoutOf(ref('f9'))).toEqual({ size: 2, align: 2 });
    expect(layoutOf(ref('f16'))).toEqual({ size: 2, align: 2 });
    expect(layoutOf(ref('f17'))).toEqual({ size: 4, align: 4 });
    expect(layoutOf(ref('f32x'))).toEqual({ size: 4, align: 4 });
    expect(layoutOf(ref('res'))).toEqual({ size: 4, align: 4 });
    expect(layoutOf({ kind: 'option', type: { kind: 'option', type: prim('u32') } })).toMatchObject({
      size: 12,
      align: 4,
    });
    expect(layoutOf({ kind: 'result' })).toMatchObject({ size: 1, align: 1 });
    expect(recordLayout([prim('u8'), prim('string'), prim('f64')])).toEqual({
      size: 24,
      align: 8,
      offsets: [0, 4, 16],
    });
  });

  it('widens the discriminant to u16 past 256 cases and to u32 past 65536', () => {
    const cases = (n: number) => Array.from({ length: n }, () => undefined);
    expect(variantLayout(cases(256))).toMatchObject({ size: 1, discriminantSize: 1 });
    expect(variantLayout(cases(257))).toMatchObject({ size: 2, align: 2, discriminantSize: 2 });
    expect(variantLayout(cases(65537))).toMatchObject({ size: 4, align: 4, discriminantSize: 4 });
    expect(variantLayout([...cases(256), prim('u8')])).toMatchObject({ size: 4, align: 2, payloadOffset: 2 });
  });

  it('joins variant payloads: i32 with f32 to i32, anything else mixed to i64', () => {
    expect(flattenType({ kind: 'result', ok: prim('f32'), err: prim('u32') })).toEqual(['i32', 'i32']);
    expect(flattenType({ kind: 'result', ok: prim('f64'), err: prim('u32') })).toEqual(['i32', 'i64']);
    expect(flattenType({ kind: 'result', ok: prim('f32'), err: prim('u64') })).toEqual(['i32', 'i64']);
    expect(flattenType({ kind: 'result', ok: prim('string'), err: prim('f64') })).toEqual([
      'i32',
      'i64',
      'i32',
    ]);
    expect(flattenType({ kind: 'option', type: prim('f32') })).toEqual(['i32', 'f32']);
  });

  it('rejects flags with more than 32 members, naming the type, like `component new`', () => {
    const wide = Array.from({ length: 33 }, (_, i) => `x${i}`).join(', ');
    const world = selectWorld(
      resolveWitSource(
        `package a:b;\ninterface i { flags wide { ${wide} }\n f: func(x: wide); }\nworld w { export i; }`,
      ),
      'w',
    );
    let err: unknown;
    try {
      worldCoreFunctions(world);
    } catch (e) {
      err = e;
    }
    expect(isAbiError(err)).toBe(true);
    expect((err as Error).message).toMatch(
      /flags `wide` in `a:b\/i` cannot have more than 32 flags \(has 33\)/,
    );
    expect((err as { code: string }).code).toBe('WITKIT_WIT_ABI_UNREPRESENTABLE');
  });

  it('spills params past 16 flat values to memory, and results past one', () => {
    const world = selectWorld(resolveWitSource(KITCHEN_SINK), 'kitchen-sink');
    const iface = interfaceOf(world, 'test:abi/types@0.3.1');
    const tooMany = coreSignature(iface.functions.get('too-many')!, 'import');
    expect(tooMany).toMatchObject({
      params: ['i32', 'i32'],
      results: [],
      paramsIndirect: true,
      resultsIndirect: true,
    });
    expect(tooMany.paramsLayout).toMatchObject({ size: 136, align: 8 });
    const many = coreSignature(iface.functions.get('many')!, 'export');
    expect(many.params).toHaveLength(16);
    expect(many).toMatchObject({ results: ['i64'], paramsIndirect: false, resultsIndirect: false });
    expect(coreSignature(iface.functions.get('strings')!, 'export').results).toEqual(['i32']);
  });
});

describe('core signatures of whole worlds match the dummy modules of wasm-tools', () => {
  beforeAll(() => preopen(corpus, repoWit));

  it('for a kitchen-sink world of every type', async () => {
    const world = selectWorld(resolveWitSource(KITCHEN_SINK), 'kitchen-sink');
    const ours = worldCoreFunctions(world, { postReturnForAll: true }).map(toCm32p2);
    const oracle = (await oracleCoreFuncsSource(KITCHEN_SINK, 'kitchen-sink')).filter(
      (f) => !isAsyncOrStart(f),
    );
    expect(render(ours)).toEqual(render(oracle));
  });

  it('names functions in the legacy scheme `component new` accepts', () => {
    const world = selectWorld(resolveWitSource(KITCHEN_SINK), 'kitchen-sink');
    const names = worldCoreFunctions(world).map((f) => `${f.dir} ${f.module} ${f.name}`);
    expect(names).toContain('import test:abi/types@0.3.1 [method]res.get');
    expect(names).toContain('import test:abi/types@0.3.1 [resource-drop]res');
    expect(names).toContain('import $root top-import');
    expect(names).toContain('import [export]test:abi/types@0.3.1 [resource-new]res');
    expect(names).toContain('export  test:abi/types@0.3.1#strings');
    expect(names).toContain('export  cabi_post_test:abi/types@0.3.1#strings');
    expect(names).toContain('export  test:abi/types@0.3.1#[dtor]res');
    expect(names).toContain('export  top-export');
    expect(names).toContain('export  cabi_realloc');
    // Flat results own nothing, so they need no post-return.
    expect(names).not.toContain('export  cabi_post_test:abi/types@0.3.1#prims');
  });

  const cases = [
    { name: 'witkit contracts (repository wit/)', path: repoWit },
    ...readdirSync(corpus)
      .filter((n) => n.endsWith('.wit') || statSync(join(corpus, n)).isDirectory())
      .sort()
      .map((n) => ({ name: n, path: join(corpus, n) })),
  ];

  it.each(cases)('for every world of $name', async (c) => {
    const resolved = await resolveWitPath(c.path);
    let compared = 0;
    for (const world of resolved.root.worlds.values()) {
      let ours: CoreFunc[];
      try {
        ours = worldCoreFunctions(world, { postReturnForAll: true }).map(toCm32p2);
      } catch (e) {
        // Only what components cannot carry may fail; the conformance suite checks wasm-tools agrees.
        expect(isAbiError(e), String(e)).toBe(true);
        continue;
      }
      if (hasAsync(world)) continue;
      const oracle = (await oracleCoreFuncs(c.path, world.name)).filter((f) => !isAsyncOrStart(f));
      expect({ world: world.name, core: render(ours) }).toEqual({ world: world.name, core: render(oracle) });
      compared++;
    }
    expect(compared + [...resolved.root.worlds.values()].length).toBeGreaterThan(0);
  });
});
