// Lean lifting and lowering for component exports whose types are simple enough. A call then
// goes straight to the core wasm export: no per-call task bookkeeping or debug hooks, as jco's
// general glue has. The lean path must never change behaviour, so a function is only planned
// when the component's own binary proves it equivalent (see `planFastExports`); every other
// export keeps jco's glue. Tests check both paths give the same answers.
import {
  type CanonLift,
  type ComponentCanon,
  type CoreItemRef,
  describeComponentCanon,
  describeComponentWorld,
  type FunctionShape,
  type ValueShape,
  type WorldShape,
} from '@witkit/wit';

/** Value kinds the lean path lifts and lowers. */
type Kind =
  | 'bool'
  | 's8'
  | 'u8'
  | 's16'
  | 'u16'
  | 's32'
  | 'u32'
  | 's64'
  | 'u64'
  | 'f32'
  | 'f64'
  | 'char'
  | 'string'
  | 'bytes';

/** One export the lean path can serve, proven equivalent from the component's binary. */
export interface FastExportPlan {
  /** jco's keys of the export object holding it: `''` for a function of the world, else the interface's short name and full id. */
  readonly keys: readonly string[];
  /** jco's (camelCase) function name. */
  readonly fn: string;
  /** Core export the `canon lift` lifts (`add`, `ns:pkg/iface@1.0.0#fn`). */
  readonly core: string;
  /** Core export names of the lift's `memory`, `realloc` and `post-return` options, as they alias them. */
  readonly memory: string | undefined;
  readonly realloc: string | undefined;
  readonly postReturn: string | undefined;
  readonly params: readonly Kind[];
  readonly result: Kind | undefined;
}

const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Canonical built-ins whose jco implementation needs no current task, so a core export entered
 * without jco's glue may call them. Checked against jco 1.35's generated glue:
 * - `lower` (sync): with no current task, `_lowerImportBackwardsCompat` creates one, and the
 *   host-import trampoline creates its own when `getCurrentTask` finds none. Without nested
 *   components or component instances every lowered function is a host import, never an
 *   adapter into another component.
 * - `resource.new`, `resource.rep`, `resource.drop` (sync): `rscTableCreateOwn`,
 *   `rscTableGet`, `rscTableRemove` on the handle table, plus the may-leave flag; a task is
 *   only consulted for borrowed handles, which lean functions never take.
 * Everything else (`context.get`/`set`, task, subtask, waitable, stream, future,
 * error-context, backpressure, yield, threads, async lowers) reads task state.
 */
export const taskFreeBuiltins: ReadonlySet<string> = new Set([
  'lower',
  'resource.new',
  'resource.rep',
  'resource.drop',
]);

function kindOf(type: ValueShape): Kind | undefined {
  switch (type.kind) {
    case 'bool':
    case 's8':
    case 'u8':
    case 's16':
    case 'u16':
    case 's32':
    case 'u32':
    case 's64':
    case 'u64':
    case 'f32':
    case 'f64':
    case 'char':
    case 'string':
      return type.kind;
    case 'list':
      return type.length === undefined && type.element.kind === 'u8' ? 'bytes' : undefined;
    default:
      return undefined;
  }
}

const usesMemory = (k: Kind | undefined) => k === 'string' || k === 'bytes';

/** The export name of `ref` when it belongs to the core instance `instance`. */
function sameInstance(ref: CoreItemRef | undefined, instance: number): string | undefined | false {
  if (ref === undefined) return undefined;
  return ref !== 'other' && ref.instance === instance ? ref.name : false;
}

function plan(fn: FunctionShape, lift: CanonLift | undefined, keys: string[]): FastExportPlan | undefined {
  if (fn.name.startsWith('[') || fn.async || !lift) return undefined;
  // Only what jco does the same way for a synchronous, UTF-8, non-async lift.
  if (lift.async || lift.callback !== undefined || lift.stringEncoding !== 'utf8' || lift.core === 'other')
    return undefined;
  const params = fn.params.map((p) => kindOf(p.type));
  const result = fn.result === undefined ? undefined : kindOf(fn.result);
  if (params.some((k) => k === undefined) || (fn.result !== undefined && result === undefined))
    return undefined;
  // Only shapes whose core signature we know by heart: one flat value per scalar param,
  // (ptr, len) per string or byte list, at most 16 flat params.
  const flat = params.reduce((n, k) => n + (usesMemory(k) ? 2 : 1), 0);
  if (flat > 16) return undefined;
  // Memory, realloc and post-return must be exports of the core instance the function is in:
  // that is the one instance the lean path binds them from.
  const { instance } = lift.core;
  const memory = sameInstance(lift.memory, instance);
  const realloc = sameInstance(lift.realloc, instance);
  const postReturn = sameInstance(lift.postReturn, instance);
  if (memory === false || realloc === false || postReturn === false) return undefined;
  if ((params.some(usesMemory) || usesMemory(result)) && memory === undefined) return undefined;
  if (params.some(usesMemory) && realloc === undefined) return undefined;
  return {
    keys,
    fn: camel(fn.name),
    core: lift.core.name,
    memory,
    realloc,
    postReturn,
    params: params as Kind[],
    result,
  };
}

/**
 * Why no export of the component may take the lean path, or `undefined` when some may:
 * nested components or component instances (calls between components go through adapters that
 * need jco's task state), async lifts, or a built-in not in {@link taskFreeBuiltins}.
 */
export function leanPathBlocker(canon: ComponentCanon): string | undefined {
  if (canon.nestedComponents > 0 || canon.componentInstances > 0) return 'nested components';
  if (canon.asyncLift) return 'an async lift';
  const builtin = canon.builtins.find((b) => !taskFreeBuiltins.has(b));
  return builtin === undefined ? undefined : `the \`${builtin}\` built-in`;
}

/**
 * Finds the exports of a component that the lean path can serve, from the component binary
 * itself: its export types (`describeComponentWorld`) and how each export is lifted
 * (`describeComponentCanon`). A function is planned only when the lean path provably behaves
 * as jco's glue: a synchronous UTF-8 lift of simple types, in a component with no nested
 * components and no task-dependent built-ins, with memory, realloc and post-return bound by the
 * names the lift's options alias. Anything it cannot read is left to jco's glue.
 */
export function planFastExports(bytes: Uint8Array, shapes?: WorldShape): FastExportPlan[] {
  let canon: ComponentCanon;
  let world: WorldShape;
  try {
    canon = describeComponentCanon(bytes);
    world = shapes ?? describeComponentWorld(bytes);
  } catch {
    return [];
  }
  if (leanPathBlocker(canon) !== undefined) return [];
  const plans: FastExportPlan[] = [];
  for (const [name, fn] of Object.entries(world.exportFunctions)) {
    const p = plan(fn, canon.exportFunctions.get(name), ['']);
    if (p) plans.push(p);
  }
  // jco keys an interface by its full id and by its short name; a short name two interfaces
  // share may be renamed by jco, so only the full id is served then.
  const shortOf = (id: string) => camel(/^[^:]+:[^/]+\/([^@]+)/.exec(id)?.[1] ?? id);
  const shorts = Object.keys(world.exports).map(shortOf);
  for (const [id, iface] of Object.entries(world.exports)) {
    const lifts = canon.exportInterfaces.get(id);
    if (!lifts) continue;
    const short = shortOf(id);
    const keys = [
      ...(shorts.filter((s) => s === short).length === 1 ? [short] : []),
      ...(id.includes(':') ? [id] : []),
    ];
    if (keys.length === 0) continue;
    for (const fn of Object.values(iface.functions)) {
      const p = plan(fn, lifts.get(fn.name), keys);
      if (p) plans.push(p);
    }
  }
  return plans;
}

/** Core instances of one component instance, as jco created them. */
export type CoreInstances = readonly WebAssembly.Instance[];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Lower = (value: unknown, out: unknown[]) => void;

/** Bytes `s` takes in UTF-8, lone surrogates counted as U+FFFD (3 bytes), as TextEncoder writes them. */
function utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len += 4;
      i++;
    } else len += 3;
  }
  return len;
}

/** A u32 view of a memory, remade only when the memory grew (which replaces its buffer). */
function u32Of(memory: () => WebAssembly.Memory): () => Uint32Array {
  let view = new Uint32Array(0);
  return () => {
    const buffer = memory().buffer;
    if (view.buffer !== buffer) view = new Uint32Array(buffer);
    return view;
  };
}

/** Converters of the kinds that lower to exactly one core value. */
const scalar: Partial<Record<Kind, (v: unknown) => unknown>> = {
  bool: (v) => (v ? 1 : 0),
  u32: (v) => (v as number) >>> 0,
  s32: (v) => (v as number) >> 0,
  u64: (v) => BigInt.asUintN(64, BigInt(v as bigint)),
  s64: (v) => BigInt.asIntN(64, BigInt(v as bigint)),
  f32: (v) => v,
  f64: (v) => v,
};

function lowerer(kind: Kind, memory: () => WebAssembly.Memory, realloc: (...a: number[]) => number): Lower {
  switch (kind) {
    case 'bool':
      return (v, out) => out.push(v ? 1 : 0);
    case 'u8':
      return (v, out) => out.push(((v as number) >>> 0) % 256);
    case 's8':
      return (v, out) => {
        let n = ((v as number) >>> 0) % 256;
        if (n >= 128) n -= 256;
        out.push(n);
      };
    case 'u16':
      return (v, out) => out.push(((v as number) >>> 0) % 65536);
    case 's16':
      return (v, out) => {
        let n = ((v as number) >>> 0) % 65536;
        if (n >= 32768) n -= 65536;
        out.push(n);
      };
    case 'u32':
      return (v, out) => out.push((v as number) >>> 0);
    case 's32':
      return (v, out) => out.push((v as number) >> 0);
    case 'u64':
      return (v, out) => out.push(BigInt.asUintN(64, BigInt(v as bigint)));
    case 's64':
      return (v, out) => out.push(BigInt.asIntN(64, BigInt(v as bigint)));
    case 'f32':
    case 'f64':
      return (v, out) => out.push(v as number);
    case 'char':
      // As jco 1.35 does: the first code point of any string (an empty one lowers as 0).
      return (v, out) => {
        if (typeof v !== 'string') throw new TypeError('must be a string');
        out.push(v.codePointAt(0));
      };
    case 'string':
      return (v, out) => {
        if (typeof v !== 'string') throw new TypeError(`expected a string, received [${typeof v}]`);
        if (v.length === 0) {
          out.push(1, 0);
          return;
        }
        // Allocate the exact UTF-8 size and encode straight into guest memory: one pass, no copy.
        const len = utf8Length(v);
        const ptr = realloc(0, 0, 1, len);
        encoder.encodeInto(v, new Uint8Array(memory().buffer, ptr, len));
        out.push(ptr, len);
      };
    case 'bytes':
      // Step for step as jco 1.35 lowers a `list<u8>`, so that odd arguments (numbers, other
      // typed arrays, ArrayBuffers, arrays with bad elements) fail or succeed as they do there.
      return (v, out) => {
        const val = v as { length: number; byteLength: number; buffer?: ArrayBuffer; byteOffset?: number };
        // `* 1` as jco has it: an argument without a length gives NaN, not undefined, below.
        const len = (Array.isArray(val) ? val.length : val.byteLength) * 1;
        const ptr = realloc(0, 0, 1, len);
        if (Array.isArray(val)) {
          const view = new DataView(memory().buffer);
          let offset = 0;
          for (const x of val) {
            if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 255) {
              throw new TypeError(`invalid u8 value [${x}]`);
            }
            view.setUint8(ptr + offset++, x);
          }
        } else {
          const src = new Uint8Array((val.buffer || val) as ArrayBuffer, val.byteOffset, len);
          new Uint8Array(memory().buffer, ptr, len).set(src);
        }
        out.push(ptr, len);
      };
  }
}

function clampGuest(i: number, min: number, max: number): number {
  if (i < min || i > max) throw new TypeError(`must be between ${min} and ${max}`);
  return i;
}

function lifter(kind: Kind, memory: () => WebAssembly.Memory): (ret: unknown) => unknown {
  const u32 = u32Of(memory);
  switch (kind) {
    case 'bool':
      return (r) => {
        if (r === 0) return false;
        if (r === 1) return true;
        throw new TypeError('invalid variant discriminant for bool');
      };
    // jco 1.35 refuses a small integer with bits set beyond its width (the canonical ABI would
    // mask them); the lean path must answer the same.
    case 'u8':
      return (r) => clampGuest(r as number, 0, 255);
    case 'u16':
      return (r) => clampGuest(r as number, 0, 65535);
    case 's8':
      return (r) => clampGuest(r as number, -128, 127);
    case 's16':
      return (r) => clampGuest(r as number, -32768, 32767);
    case 's32':
    case 'f32':
    case 'f64':
      return (r) => r;
    case 'u32':
      return (r) => (r as number) >>> 0;
    case 'u64':
      return (r) => BigInt.asUintN(64, r as bigint);
    case 's64':
      return (r) => r;
    case 'char':
      return (r) => {
        const cp = r as number;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new TypeError('not a valid char');
        return String.fromCodePoint(cp);
      };
    // The return area is 4-aligned (pointer, length), little-endian like the host.
    case 'string':
      return (r) => {
        const words = u32();
        const at = (r as number) >>> 2;
        return decoder.decode(new Uint8Array(words.buffer, words[at]!, words[at + 1]!));
      };
    case 'bytes':
      return (r) => {
        const words = u32();
        const at = (r as number) >>> 2;
        const ptr = words[at]!;
        return new Uint8Array(words.buffer.slice(ptr, ptr + words[at + 1]!));
      };
  }
}

/**
 * A call with up to three scalar parameters, written out per arity so V8 sees a small
 * monomorphic function: this is the path a `u32 add` takes.
 */
function specialise(
  core: (...a: unknown[]) => unknown,
  post: ((...a: unknown[]) => void) | undefined,
  lift: ((r: unknown) => unknown) | undefined,
  c: Array<(v: unknown) => unknown>,
): (...args: unknown[]) => unknown {
  const finish = (ret: unknown) => {
    const value = lift ? lift(ret) : undefined;
    post?.(ret);
    return value;
  };
  switch (c.length) {
    case 0:
      return () => finish(core());
    case 1: {
      const [a] = c as [(v: unknown) => unknown];
      return (x) => finish(core(a(x)));
    }
    case 2: {
      const [a, b] = c as [(v: unknown) => unknown, (v: unknown) => unknown];
      return (x, y) => finish(core(a(x), b(y)));
    }
    default: {
      const [a, b, d] = c as [(v: unknown) => unknown, (v: unknown) => unknown, (v: unknown) => unknown];
      return (x, y, z) => finish(core(a(x), b(y), d(z)));
    }
  }
}

/**
 * Builds the lean functions of one component instance. Only exports whose core function,
 * memory and allocator all live in one core instance are served (the common case for
 * Rust and C components); the others stay with jco's glue.
 *
 * @returns functions by jco's interface key (`''` for world functions) and function name
 */
export function bindFastExports(
  plans: readonly FastExportPlan[],
  cores: CoreInstances,
): Map<string, Map<string, (...args: unknown[]) => unknown>> {
  const out = new Map<string, Map<string, (...args: unknown[]) => unknown>>();
  for (const p of plans) {
    // The core instance that defines the function must be the only one exporting its name:
    // otherwise which one the lift means is not known here.
    const owners = cores.filter((c) => typeof c.exports[p.core] === 'function');
    if (owners.length !== 1) continue;
    const owner = owners[0]!;
    const core = owner.exports[p.core] as (...a: unknown[]) => unknown;
    const post = p.postReturn === undefined ? undefined : owner.exports[p.postReturn];
    const mem = p.memory === undefined ? undefined : owner.exports[p.memory];
    const realloc = p.realloc === undefined ? undefined : owner.exports[p.realloc];
    if (p.postReturn !== undefined && typeof post !== 'function') continue;
    if (p.memory !== undefined && !(mem instanceof WebAssembly.Memory)) continue;
    if (p.realloc !== undefined && typeof realloc !== 'function') continue;
    const memory = () => mem as WebAssembly.Memory;
    const lowers = p.params.map((k) => lowerer(k, memory, realloc as (...a: number[]) => number));
    const lift = p.result === undefined ? undefined : lifter(p.result, memory);
    const convs = p.params.map((k) => scalar[k]);
    const postReturn = post as ((...a: unknown[]) => void) | undefined;
    const fast =
      convs.every((c) => c !== undefined) && convs.length <= 3
        ? specialise(core, postReturn, lift, convs as Array<(v: unknown) => unknown>)
        : (...args: unknown[]) => {
            const flat: unknown[] = [];
            for (let i = 0; i < lowers.length; i++) lowers[i]!(args[i], flat);
            const ret = core(...flat);
            if (!lift) {
              postReturn?.(ret);
              return undefined;
            }
            const value = lift(ret);
            postReturn?.(ret);
            return value;
          };
    for (const key of p.keys) {
      let fns = out.get(key);
      if (!fns) {
        fns = new Map();
        out.set(key, fns);
      }
      fns.set(p.fn, fast);
    }
  }
  return out;
}
