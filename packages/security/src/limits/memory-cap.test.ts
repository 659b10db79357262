import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { beforeAll, describe, expect, it } from 'vitest';
import { capMemories, definedMemories, PAGE, splitMemoryBudget } from './memory-cap.js';

// A real core module, assembled by wasm-tools: a memory that grows on request, plus code and
// data after the memory section (which the rewrite must keep byte for byte).
let core: Uint8Array;
beforeAll(async () => {
  core = await parse(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 3)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (data (i32.const 16) "witkit"))`);
});

function instantiate(bytes: Uint8Array): WebAssembly.Memory {
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const stubs = Object.fromEntries(WebAssembly.Module.imports(module).map((i) => [i.name, () => 0]));
  return new WebAssembly.Instance(module, { wasi_snapshot_preview1: stubs }).exports
    .memory as WebAssembly.Memory;
}

describe('memory caps', () => {
  it('reads the memories a module defines', () => {
    const [memory] = definedMemories(core);
    expect(memory).toMatchObject({ plain: true, maximumPages: undefined });
    expect(memory!.initialPages).toBeGreaterThan(0);
  });

  it('makes the engine refuse growth past the cap, and leaves the code intact', () => {
    const initial = definedMemories(core)[0]!.initialPages;
    const capped = capMemories(core, [initial + 2]);
    expect(definedMemories(capped)).toEqual([
      { initialPages: initial, maximumPages: initial + 2, plain: true },
    ]);
    const memory = instantiate(capped);
    expect(memory.grow(2)).toBe(initial);
    expect(() => memory.grow(1)).toThrow(RangeError);
    expect(memory.buffer.byteLength).toBe((initial + 2) * PAGE);
    // The uncapped module grows freely, and both export the same functions.
    expect(() => instantiate(core).grow(64)).not.toThrow();
    expect(WebAssembly.Module.exports(new WebAssembly.Module(capped as Uint8Array<ArrayBuffer>))).toEqual(
      WebAssembly.Module.exports(new WebAssembly.Module(core as Uint8Array<ArrayBuffer>)),
    );
  });

  it('refuses a cap below the initial size', () => {
    expect(() => capMemories(core, [0])).toThrow(/starts at \d+ pages, above the cap of 0 pages/);
  });

  it('keeps a lower maximum a module already declares', () => {
    const initial = definedMemories(core)[0]!.initialPages;
    const once = capMemories(core, [initial + 1]);
    expect(definedMemories(capMemories(once, [initial + 100]))[0]!.maximumPages).toBe(initial + 1);
  });

  it('splits a budget so that all memories together stay within it', () => {
    const mems = [
      [{ initialPages: 100, maximumPages: undefined, plain: true }],
      [
        { initialPages: 0, maximumPages: undefined, plain: true },
        { initialPages: 4, maximumPages: 10, plain: true },
      ],
    ];
    const caps = splitMemoryBudget(mems, 256 * PAGE);
    expect(caps.flat().reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(256);
    expect(caps[0]![0]).toBeGreaterThan(200);
    expect(() => splitMemoryBudget(mems, 50 * PAGE)).toThrow(/needs 104 pages/);
  });
});
