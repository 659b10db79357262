/**
 * End to end: a Rust crate on the generated bindings, built for wasm32-wasi with Debian's Rust
 * 1.63, componentized with wasm-tools and run through jco. Values make the full trip
 * host → guest → host (and guest → host → guest for imports).
 */

import { join } from 'node:path';
import { resolveWitPath, selectWorld, worldCoreFunctions } from '@witkit/wit';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BuiltComponent, buildFixture, fixtures, instantiate } from './build.js';
import { coreFuncs, renderFuncs } from './core-funcs.js';

type Fn = (...args: never[]) => unknown;
type Api = Record<string, Fn>;

/** What the host side saw, for assertions. */
const hostLog = {
  counterDrops: 0,
  consumed: [] as number[],
};

class Counter {
  #value: number;
  constructor(start: number) {
    this.#value = start;
  }
  increment(by: number): number {
    this.#value += by;
    return this.#value;
  }
  value(): number {
    return this.#value;
  }
  [Symbol.dispose](): void {
    hostLog.counterDrops++;
  }
}

const hostImports = {
  'witkit:bindgen-test/host': {
    Counter,
    echoString: (s: string) => s,
    echoList: (l: Uint32Array | number[]) => [...l].map((x) => x * 2),
    echoPairs: (p: { key: string; value: Uint8Array }[]) => p,
    maybe: (o: string | undefined) => (o === undefined ? undefined : `host saw ${o}`),
    peek: (c: Counter) => c.value(),
    consume: (c: Counter) => {
      hostLog.consumed.push(c.value());
      return c.value() + 1000;
    },
    many: (...args: unknown[]) => {
      const nums = args.slice(0, 16) as bigint[];
      return `${nums.reduce((a, b) => a + b, 0n)}/${args[16] as string}`;
    },
  },
  'host-name': { default: () => 'node test host' },
};

let built: BuiltComponent;
let api: Api;
let version: () => string;

beforeAll(async () => {
  built = await buildFixture('roundtrip', 'roundtrip-plugin');
  const exports = await instantiate(built.component, 'roundtrip', hostImports);
  api = exports['witkit:bindgen-test/roundtrip@0.1.0'] as Api;
  version = exports.version as () => string;
  console.info(
    `roundtrip fixture: cargo ${built.cargoMs.toFixed(0)} ms, componentize ${built.componentizeMs.toFixed(0)} ms, core ${built.coreSize} B, component ${built.component.length} B`,
  );
});

const call = <T>(name: string, ...args: unknown[]): T => (api[name] as (...a: unknown[]) => T)(...args);

describe('the core module cargo built', () => {
  it('imports and exports exactly the functions @witkit/wit computes for the world, with the same types', async () => {
    const world = selectWorld(await resolveWitPath(join(fixtures, 'roundtrip/wit')), 'roundtrip-plugin');
    const expected = worldCoreFunctions(world).map((f) => ({
      ...f,
      module: f.dir === 'export' ? '' : f.module,
    }));
    const actual = (await coreFuncs(built.core)).filter(
      // WASI comes in through std; `_initialize` runs the constructors (see the export macro).
      (f) => f.module !== 'wasi_snapshot_preview1' && f.name !== '_initialize',
    );
    expect(renderFuncs(actual)).toEqual(renderFuncs(expected));
  });
});

describe('values round-trip through a Rust guest built on the generated bindings', () => {
  it('keeps integer limits of every width', () => {
    const ints = {
      a: 255,
      b: -128,
      c: 65535,
      d: -32768,
      e: 4294967295,
      f: -2147483648,
      g: 2n ** 64n - 1n,
      h: -(2n ** 63n),
    };
    expect(call('echoInts', ints)).toEqual(ints);
    const zeros = { a: 0, b: 127, c: 0, d: 32767, e: 0, f: 2147483647, g: 0n, h: 2n ** 63n - 1n };
    expect(call('echoInts', zeros)).toEqual(zeros);
    expect(call('echoU64', 2n ** 64n - 1n)).toBe(2n ** 64n - 1n);
    expect(call('echoS8', -1)).toBe(-1);
  });

  it('keeps floats, infinities and NaN', () => {
    for (const x of [0, -0, 1.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3.4028234663852886e38]) {
      expect(Object.is(call('echoF32', x), x)).toBe(true);
    }
    for (const x of [Math.PI, Number.MIN_VALUE, Number.MAX_VALUE, -0, Number.NEGATIVE_INFINITY]) {
      expect(Object.is(call('echoF64', x), x)).toBe(true);
    }
    expect(call<number>('echoF32', Number.NaN)).toBeNaN();
    expect(call<number>('echoF64', Number.NaN)).toBeNaN();
    expect(call('echoFloats', { a: Number.POSITIVE_INFINITY, b: Number.NaN })).toEqual({
      a: Number.POSITIVE_INFINITY,
      b: Number.NaN,
    });
  });

  it('keeps chars beyond the BMP and bools', () => {
    for (const c of ['a', '\0', 'é', '\u{FFFF}', '😀', '\u{10FFFF}']) expect(call('echoChar', c)).toBe(c);
    expect(call('echoBool', true)).toBe(true);
    expect(call('echoBool', false)).toBe(false);
  });

  it('keeps empty and 1 MiB strings and lists', () => {
    expect(call('echoString', '')).toBe('');
    const big = 'x😀y'.repeat((1024 * 1024) / 6);
    expect(call('echoString', big)).toBe(big);
    expect(call<Uint8Array>('echoBytes', new Uint8Array())).toHaveLength(0);
    const bytes = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 0xff);
    expect(call('echoBytes', bytes)).toEqual(bytes);
    expect(call('echoStrings', [])).toEqual([]);
    expect(call('echoStrings', ['', 'a', '😀', big])).toEqual(['', 'a', '😀', big]);
  });

  it('keeps nested options and results with and without payloads', () => {
    // jco spells the outer option of a nested one as a variant, the inner one as `T | undefined`.
    expect(call('echoNestedOption', { tag: 'none' })).toEqual({ tag: 'none' });
    expect(call('echoNestedOption', { tag: 'some', val: undefined })).toEqual({
      tag: 'some',
      val: undefined,
    });
    expect(call('echoNestedOption', { tag: 'some', val: 7 })).toEqual({ tag: 'some', val: 7 });
    expect(call('echoOptionString', 'x')).toBe('x');
    expect(call('echoOptionString', undefined)).toBeUndefined();
    expect(call('echoResultUnit', { tag: 'ok', val: undefined })).toBeUndefined();
    expect(() => call('echoResultUnit', { tag: 'err', val: undefined })).toThrow();
    expect(call('echoResult', { tag: 'ok', val: 'fine' })).toBe('fine');
    // jco throws the `err` payload itself.
    let thrown: unknown;
    try {
      call('echoResult', { tag: 'err', val: 4294967295 });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(4294967295);
  });

  it('keeps variants with and without payloads, joined flat slots included', () => {
    const shapes = [
      { tag: 'none' },
      { tag: 'circle', val: 1.5 },
      { tag: 'circle', val: Number.NEGATIVE_INFINITY },
      { tag: 'rect', val: [2.25, -0] },
      { tag: 'named', val: 'square 😀' },
      { tag: 'id', val: 2n ** 64n - 1n },
      { tag: 'nested', val: { tag: 'some', val: 255 } },
      { tag: 'nested', val: { tag: 'some', val: undefined } },
      { tag: 'nested', val: { tag: 'none' } },
    ];
    for (const s of shapes) expect(call('echoShape', s)).toEqual(s);
    expect(call('echoShapes', shapes)).toEqual(shapes);
    for (const c of ['red', 'green', 'blue']) expect(call('echoColor', c)).toBe(c);
  });

  it('keeps flags with 1 and 32 members', () => {
    expect(call('echoOne', { only: true })).toEqual({ only: true });
    expect(call('echoOne', { only: false })).toEqual({ only: false });
    const all = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, true]));
    const some = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`f${i}`, i % 3 === 0 || i === 31]));
    expect(call('echoThirtyTwo', all)).toEqual(all);
    expect(call('echoThirtyTwo', some)).toEqual(some);
  });

  it('keeps records of lists of records, and tuples', () => {
    const drawing = {
      lines: [
        {
          name: 'a',
          points: [
            { x: -1, y: 2147483647 },
            { x: 0, y: 0 },
          ],
        },
        { name: '', points: [] },
      ],
      tags: ['t1', '', 'ω'],
    };
    expect(call('echoDrawing', drawing)).toEqual(drawing);
    expect(call('echoDrawing', { lines: [], tags: [] })).toEqual({ lines: [], tags: [] });
    expect(call('echoTuple', [255, 'ünïcödé', -2.5])).toEqual([255, 'ünïcödé', -2.5]);
  });

  it('passes more than 16 flat parameters through memory, to and from the guest', () => {
    const args = Array.from({ length: 16 }, (_, i) => BigInt(i) * 1_000_000_000_000n);
    const sum = args.reduce((a, b) => a + b, 0n);
    expect(call('manyParams', ...args, 'q😀')).toBe(`${sum}:q😀:${sum}/q😀`);
  });

  it('calls imports from inside exports, with strings, lists, records, options and world functions', () => {
    expect(call('callHost', 'hi', [1, 2, 3])).toEqual([
      'hi',
      '[2, 4, 6]',
      'true',
      'Ok(Some("host saw hi"))',
      'Ok(None)',
      'node test host',
    ]);
    expect(version()).toBe('roundtrip 0.1.0');
  });

  it('owns imported resources: borrows, moves and drops handles', () => {
    const drops = hostLog.counterDrops;
    expect(call('useCounter', 5, 3)).toEqual([8, 8, 1008]);
    expect(hostLog.consumed.at(-1)).toBe(8);
    // The counter dropped inside the guest is disposed on the host; the moved one is not the guest's to drop.
    expect(hostLog.counterDrops - drops).toBeGreaterThanOrEqual(1);
  });
});

describe('resources the guest implements', () => {
  interface Accumulator {
    add(x: bigint): bigint;
    total(): bigint;
    [Symbol.dispose](): void;
  }
  type AccumulatorClass = (new (
    start: bigint,
  ) => Accumulator) & {
    merge(a: Accumulator, b: Accumulator): Accumulator;
  };

  it('constructs, calls methods and statics, lends and moves handles, and runs destructors', () => {
    const Accumulator = (api as unknown as { Accumulator: AccumulatorClass }).Accumulator;
    const before = call<number>('liveAccumulators');
    const a = new Accumulator(5n);
    expect(a.add(3n)).toBe(8n);
    const b = new Accumulator(-(2n ** 63n) + 10n);
    const merged = Accumulator.merge(a, new Accumulator(10n));
    expect(merged.total()).toBe(18n);
    expect(call('peekAccumulator', b)).toBe(-(2n ** 63n) + 10n);
    // The temporary accumulator passed to merge is still alive: nothing dropped it yet.
    expect(call<number>('liveAccumulators') - before).toBe(4);
    // Moving a handle into the guest: its last handle is dropped there and the destructor runs.
    expect(call('consumeAccumulator', merged)).toBe(18n);
    expect(call<number>('liveAccumulators') - before).toBe(3);
    a[Symbol.dispose]();
    b[Symbol.dispose]();
    expect(call<number>('liveAccumulators') - before).toBe(1);
  });
});

describe('generated values, property-based', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const s32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
  const f64 = fc.double();
  const str = fc.string({ unit: 'grapheme', maxLength: 40 });
  const point = fc.record({ x: s32, y: s32 });
  const drawing = fc.record({
    lines: fc.array(fc.record({ name: str, points: fc.array(point, { maxLength: 5 }) }), { maxLength: 5 }),
    tags: fc.array(str, { maxLength: 5 }),
  });
  const shape = fc.oneof(
    fc.constant({ tag: 'none' }),
    fc.record({ tag: fc.constant('circle'), val: fc.float({ noNaN: true }) }),
    fc.record({ tag: fc.constant('rect'), val: fc.tuple(f64, f64) }),
    fc.record({ tag: fc.constant('named'), val: str }),
    fc.record({ tag: fc.constant('id'), val: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
  );

  it('round-trips drawings (records of lists of records)', () => {
    fc.assert(
      fc.property(drawing, (d) => {
        expect(call('echoDrawing', d)).toEqual(d);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips lists of variants', () => {
    fc.assert(
      fc.property(fc.array(shape, { maxLength: 8 }), (shapes) => {
        expect(call('echoShapes', shapes)).toEqual(shapes);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips strings, chars and integers of every width', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.record({
          a: fc.integer({ min: 0, max: 255 }),
          b: fc.integer({ min: -128, max: 127 }),
          c: fc.integer({ min: 0, max: 65535 }),
          d: fc.integer({ min: -32768, max: 32767 }),
          e: u32,
          f: s32,
          g: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          h: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        }),
        (s, c, ints) => {
          expect(call('echoString', s)).toBe(s);
          expect(call('echoChar', c)).toBe(c);
          expect(call('echoInts', ints)).toEqual(ints);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips nested options and results', () => {
    const nested = fc.oneof(
      fc.constant({ tag: 'none' }),
      fc.record({ tag: fc.constant('some'), val: fc.option(u32, { nil: undefined }) }),
    );
    fc.assert(
      fc.property(nested, fc.option(str, { nil: undefined }), (n, o) => {
        expect(call('echoNestedOption', n)).toEqual(n);
        expect(call('echoOptionString', o)).toEqual(o);
      }),
      { numRuns: 300 },
    );
  });
});

describe('memory', () => {
  it('stays flat over 100,000 calls with strings and lists', () => {
    const text = 'payload 😀 '.repeat(20);
    const list = ['a', 'bb', text];
    const drawing = { lines: [{ name: text, points: [{ x: 1, y: 2 }] }], tags: list };
    // Warm up: the allocator's free lists and the first memory growth settle.
    for (let i = 0; i < 1000; i++) {
      call('echoString', text);
      call('echoStrings', list);
      call('echoDrawing', drawing);
      call('callHost', text, [1, 2, 3]);
    }
    const liveBefore = call<bigint>('liveBytes');
    const pagesBefore = call<number>('memoryPages');
    for (let i = 0; i < 100_000; i++) {
      call('echoString', text);
      call('echoStrings', list);
      if (i % 10 === 0) {
        call('echoDrawing', drawing);
        call('callHost', text, [1, 2, 3]);
        call('useCounter', 1, 1);
        const acc = new (api as unknown as { Accumulator: new (n: bigint) => Disposable }).Accumulator(1n);
        acc[Symbol.dispose]();
      }
    }
    const liveAfter = call<bigint>('liveBytes');
    const pagesAfter = call<number>('memoryPages');
    console.info(
      `memory after 100,000 calls: live ${liveBefore} → ${liveAfter} bytes, pages ${pagesBefore} → ${pagesAfter}`,
    );
    expect(liveAfter).toBe(liveBefore);
    expect(pagesAfter).toBe(pagesBefore);
  });
});
