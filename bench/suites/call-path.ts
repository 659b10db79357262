// What one call costs, for the same two kernels (u32 add, string reverse) done six ways in
// one process: plain JS; the Rust core export with the canonical ABI done by hand (the
// floor); jco's transpiled glue called directly; the Extism JS SDK in-thread; and witkit's
// full path (registry lookup, pool, metrics, promise) with its lean lifting/lowering.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import createPlugin from '@extism/extism';
import { ComponentCache, PluginHost } from '@witkit/host';
import { pino } from 'pino';
import { extismKernels } from '../lib/extism-kernels.ts';
import { type BenchResult, measure, measureAsync } from '../lib/measure.ts';

const dist = join(
  dirname(createRequire(import.meta.url).resolve('@witkit-plugins/bench-kernels/package.json')),
  'dist',
);
const TEXT = 'hello, component model';

type Timing = Omit<BenchResult, 'name' | 'ratio' | 'baseline'>;

/** The core module, instantiated with do-nothing WASI stubs (the kernels never call them). */
function rawCore() {
  const module = new WebAssembly.Module(readFileSync(join(dist, 'bench-kernels.core.wasm')));
  const stubs = Object.fromEntries(WebAssembly.Module.imports(module).map((i) => [i.name, () => 0]));
  const { exports } = new WebAssembly.Instance(module, { wasi_snapshot_preview1: stubs });
  const memory = exports.memory as WebAssembly.Memory;
  const add = exports.add as (a: number, b: number) => number;
  const reverse = exports.reverse as (ptr: number, len: number) => number;
  const post = exports.cabi_post_reverse as (area: number) => void;
  const realloc = exports.cabi_realloc as (...a: number[]) => number;
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let words = new Uint32Array(memory.buffer);
  return {
    add: (a: number, b: number) => add(a >>> 0, b >>> 0) >>> 0,
    // The tightest hand-written version: exact-size allocation, encodeInto straight into
    // guest memory, the return area read through a cached view.
    reverse(s: string): string {
      let len = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) len += 1;
        else if (c < 0x800) len += 2;
        else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          len += 4;
          i++;
        } else len += 3;
      }
      const ptr = realloc(0, 0, 1, len);
      enc.encodeInto(s, new Uint8Array(memory.buffer, ptr, len));
      const area = reverse(ptr, len);
      if (words.buffer !== memory.buffer) words = new Uint32Array(memory.buffer);
      const out = dec.decode(new Uint8Array(memory.buffer, words[area >>> 2]!, words[(area >>> 2) + 1]!));
      post(area);
      return out;
    },
  };
}

export async function callPathSuite(): Promise<BenchResult[]> {
  const timings: Array<{ name: string; kernel: 'add' | 'reverse'; way: string } & Timing> = [];
  const record = (kernel: 'add' | 'reverse', way: string, t: Timing) =>
    timings.push({ name: `${kernel}: ${way}`, kernel, way, ...t });
  const check = (label: string, got: unknown, want: unknown) => {
    if (got !== want) throw new Error(`${label} gave ${String(got)}, expected ${String(want)}`);
  };
  const expected = Array.from(TEXT).reverse().join('');

  // Plain JS.
  const jsAdd = (a: number, b: number) => (a + b) >>> 0;
  const jsReverse = (s: string) => Array.from(s).reverse().join('');
  record(
    'add',
    'plain JS',
    measure(() => jsAdd(1, 2)),
  );
  record(
    'reverse',
    'plain JS',
    measure(() => jsReverse(TEXT)),
  );

  // The floor: the core export, canonical ABI by hand.
  const core = rawCore();
  check('raw core reverse', core.reverse(TEXT), expected);
  record(
    'add',
    'raw core export',
    measure(() => core.add(1, 2)),
  );
  record(
    'reverse',
    'raw core export',
    measure(() => core.reverse(TEXT)),
  );

  // jco's glue, called directly.
  const compiled = await new ComponentCache({
    cacheDir: join(import.meta.dirname, '..', '.cache', 'transpiled'),
  }).get(readFileSync(join(dist, 'bench-kernels.wasm')));
  const jco = compiled.instantiate(new WASIShim({ sandbox: { preopens: {}, env: {} } }).getImportObject())
    .exports as {
    add(a: number, b: number): number;
    reverse(s: string): string;
  };
  check('jco reverse', jco.reverse(TEXT), expected);
  record(
    'add',
    'jco glue, direct',
    measure(() => jco.add(1, 2)),
  );
  record(
    'reverse',
    'jco glue, direct',
    measure(() => jco.reverse(TEXT)),
  );

  // Extism JS SDK 1.0.3, in-thread. Its CallContext keeps every input and output block until
  // `reset()`; without resets the 2^15th block overflows its i64 addresses and calls fail, so
  // the loop resets every 1000 calls (cost spread over those calls).
  const extism = await createPlugin(
    { wasm: [{ data: extismKernels() }] },
    { useWasi: false, runInWorker: false },
  );
  const pair = new Uint8Array(8);
  new DataView(pair.buffer).setUint32(0, 1, true);
  new DataView(pair.buffer).setUint32(4, 2, true);
  check('extism add', new DataView((await extism.call('add', pair))!.bytes().buffer).getUint32(0, true), 3);
  check('extism reverse', (await extism.call('reverse', TEXT))?.text(), expected);
  let calls = 0;
  const resetting = async <T>(call: () => Promise<T>) => {
    const out = await call();
    if (++calls % 1000 === 0) await extism.reset();
    return out;
  };
  record(
    'add',
    'Extism JS SDK, in-thread',
    await measureAsync(() => resetting(() => extism.call('add', pair))),
  );
  record(
    'reverse',
    'Extism JS SDK, in-thread',
    await measureAsync(() => resetting(() => extism.call('reverse', TEXT))),
  );
  await extism.close();

  // witkit: the registry's full call path.
  const host = new PluginHost({
    cacheDir: join(import.meta.dirname, '..', '.cache', 'transpiled'),
    dataDir: join(import.meta.dirname, '..', '.cache', 'data'),
    logger: pino({ level: 'silent' }),
  });
  await host.load({ path: join(dist, 'bench-kernels.wasm'), isolation: 'in-thread' });
  type Kernels = { add(a: number, b: number): Promise<number>; reverse(s: string): Promise<string> };
  const call = () => host.get('bench-kernels').exports as unknown as Kernels;
  check('witkit reverse', await call().reverse(TEXT), expected);
  if (!host.get('bench-kernels').leanExports.includes('add'))
    throw new Error('the lean path did not take `add`');
  record('add', 'witkit PluginHost (lean path)', await measureAsync(() => call().add(1, 2)));
  record('reverse', 'witkit PluginHost (lean path)', await measureAsync(() => call().reverse(TEXT)));

  // The same plugin isolated in a worker thread: what the shared-memory channel adds.
  await host.load({ path: join(dist, 'bench-kernels.wasm'), version: '1.0.0-worker', isolation: 'worker' });
  const isolated = host.get('bench-kernels', { version: '1.0.0-worker' }).exports as unknown as Kernels;
  check('witkit worker reverse', await isolated.reverse(TEXT), expected);
  record('add', 'witkit PluginHost, worker isolation', await measureAsync(() => isolated.add(1, 2)));
  record('reverse', 'witkit PluginHost, worker isolation', await measureAsync(() => isolated.reverse(TEXT)));
  await host.shutdown();

  // Ratios: against jco's glue called directly, the reference the targets are set against.
  return timings.map((t) => {
    const base = timings.find((b) => b.kernel === t.kernel && b.way === 'jco glue, direct')!;
    return {
      name: t.name,
      medianNs: Math.round(t.medianNs),
      p99Ns: Math.round(t.p99Ns),
      samples: t.samples,
      ratio: t.medianNs / base.medianNs,
      baseline: base.name,
    };
  });
}
