import { describe, expect, it } from 'vitest';
import { isBuildError } from '../errors.js';
import { defaultRustFeatures, optimizeCoreModule, targetFeatures } from './optimize.js';
import { adoptReactorInit, coreExportNames } from './reactor.js';
import { leb } from './wasm-binary.js';

// Small core modules assembled byte by byte, so each test states exactly what it feeds in.
const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const name = (s: string) => [...leb(utf8(s).length), ...utf8(s)];
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];

/**
 * A module of functions `(i32) -> i32`, each exported under the given names; `bodies` are
 * the instructions (without locals and `end`).
 */
function module(
  funcs: { exports: string[]; body: number[] }[],
  custom: { name: string; payload: number[] }[] = [],
): Uint8Array {
  const type = section(1, vec([[0x60, 1, 0x7f, 1, 0x7f]]));
  const func = section(3, vec(funcs.map(() => [0])));
  const exports = funcs.flatMap((f, index) => f.exports.map((e) => [...name(e), 0x00, ...leb(index)]));
  const exportSection = section(7, vec(exports));
  const code = section(
    10,
    vec(
      funcs.map((f) => {
        const body = [0, ...f.body, 0x0b];
        return [...leb(body.length), ...body];
      }),
    ),
  );
  const customs = custom.flatMap((c) => section(0, [...name(c.name), ...c.payload]));
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...type,
    ...func,
    ...exportSection,
    ...code,
    ...customs,
  ]);
}

const identity = [0x20, 0]; // local.get 0
const plusOne = [0x20, 0, 0x41, 1, 0x6a]; // local.get 0; i32.const 1; i32.add
const extend8 = [0x20, 0, 0xc0]; // local.get 0; i32.extend8_s (the sign-ext feature)

function call(bytes: Uint8Array, fn: string, arg: number): number {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)));
  return (exports[fn] as (x: number) => number)(arg);
}

describe('adoptReactorInit', () => {
  it('exports the constructors as `_initialize`, keeping every other export', () => {
    const before = module([
      { exports: ['__wasm_call_ctors'], body: identity },
      { exports: ['add-one'], body: plusOne },
    ]);
    const after = adoptReactorInit(before);
    expect(coreExportNames(after)).toEqual(['_initialize', 'add-one']);
    expect(call(after, 'add-one', 41)).toBe(42);
    expect(call(after, '_initialize', 7)).toBe(7);
  });

  it('drops the constructors export when the crate defines its own `_initialize`', () => {
    const after = adoptReactorInit(
      module([
        { exports: ['_initialize'], body: identity },
        { exports: ['__wasm_call_ctors', 'add-one'], body: plusOne },
      ]),
    );
    expect(coreExportNames(after)).toEqual(['_initialize', 'add-one']);
    expect(call(after, 'add-one', 1)).toBe(2);
  });

  it('returns a module without a constructors export unchanged', () => {
    const before = module([{ exports: ['add-one'], body: plusOne }]);
    expect(adoptReactorInit(before)).toBe(before);
  });
});

describe('optimizeCoreModule', () => {
  const signExt = { name: 'target_features', payload: vec([[0x2b, ...name('sign-ext')]]) };

  it('reads the features a module was compiled with from its target_features section', () => {
    expect(targetFeatures(module([{ exports: ['f'], body: extend8 }], [signExt]))).toEqual(['sign-ext']);
    expect(targetFeatures(module([{ exports: ['f'], body: extend8 }]))).toBeUndefined();
  });

  it('assumes the wasm features LLVM enabled by default in the rustc that built a stripped module', () => {
    expect(defaultRustFeatures('1.63.0')).toEqual([]);
    expect(defaultRustFeatures('1.75.0')).toEqual(['sign-ext', 'mutable-globals']);
    expect(defaultRustFeatures('1.95.0')).toContain('bulk-memory');
  });

  it('optimizes within the declared features and keeps the behaviour', async () => {
    const input = module([{ exports: ['f'], body: extend8 }], [signExt]);
    const output = await optimizeCoreModule('t', input, 'size', '1.63.0');
    expect(call(output, 'f', 0x80)).toBe(-128);
    // binaryen writes the features back, so later tools know what the module needs.
    expect(targetFeatures(output)).toEqual(['sign-ext']);
  });

  it('leaves the module alone with `none`', async () => {
    const input = module([{ exports: ['f'], body: plusOne }]);
    expect(await optimizeCoreModule('t', input, 'none', '1.63.0')).toBe(input);
  });

  it('says how to skip binaryen when the module uses features its rustc would not have enabled', async () => {
    const input = module([{ exports: ['f'], body: extend8 }]);
    const error = await optimizeCoreModule('t', input, 'size', '1.63.0').catch((e: unknown) => e);
    expect(isBuildError(error) && error.code).toBe('WITKIT_BUILD_OPTIMIZE');
    expect((error as Error).message).toMatch(
      /^t: wasm-opt \(binaryen\) failed on the core module: .*`optimize = "none"`/,
    );
  });
});
