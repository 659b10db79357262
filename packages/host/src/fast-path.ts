// Lean lifting and lowering for component exports whose types are simple enough, generated
// from the component's own WIT with our WIT front end. A call then goes straight to the core
// wasm export: no per-call task bookkeeping or debug hooks, as jco's general glue has. Every
// other export keeps jco's glue. Tests check both paths give the same answers.
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import type { WitFunction, WitInterface, WitResolve, WitType } from '@witkit/wit';
import { resolveWitPath, resolveWitSource, unaliasTypeDef } from '@witkit/wit';
import { witDir } from '@witkit/wit-types';

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

/** One export the lean path can serve, found in the component's WIT. */
export interface FastExportPlan {
  /** jco's key of the export object holding it: `''` for a function of the world, else the interface's short name. */
  readonly iface: string;
  /** Also reachable under the interface's full id (jco exposes both keys). */
  readonly ifaceId: string | undefined;
  /** jco's (camelCase) function name. */
  readonly fn: string;
  /** Core export name (`add`, `ns:pkg/iface@1.0.0#fn`). */
  readonly core: string;
  readonly params: readonly Kind[];
  readonly result: Kind | undefined;
}

const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function kindOf(type: WitType): Kind | undefined {
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
    case 'ref': {
      const def = unaliasTypeDef(type.def);
      return def.body.kind === 'alias' ? kindOf(def.body.type) : undefined;
    }
    default:
      return undefined;
  }
}

function plan(
  fn: WitFunction,
  iface: string,
  ifaceId: string | undefined,
  core: string,
): FastExportPlan | undefined {
  if (fn.kind !== 'freestanding' || fn.async) return undefined;
  const params = fn.params.map((p) => kindOf(p.type));
  const result = fn.result === undefined ? undefined : kindOf(fn.result);
  if (params.some((k) => k === undefined) || (fn.result !== undefined && result === undefined))
    return undefined;
  // Only shapes whose core signature we know by heart: one flat value per scalar param,
  // (ptr, len) per string or byte list, at most 16 flat params.
  const flat = params.reduce((n, k) => n + (k === 'string' || k === 'bytes' ? 2 : 1), 0);
  if (flat > 16) return undefined;
  return { iface, ifaceId, fn: camel(fn.name), core, params: params as Kind[], result };
}

let contracts: Promise<WitResolve> | undefined;

/**
 * Finds the exports of a component that the lean path can serve, from the WIT embedded in
 * the component: functions of its world, and functions of exported contract interfaces.
 * Anything it cannot read or does not support is simply left to jco's glue.
 */
export async function planFastExports(bytes: Uint8Array): Promise<FastExportPlan[]> {
  let text: string;
  try {
    text = await componentWit(bytes);
  } catch {
    return [];
  }
  const plans: FastExportPlan[] = [];
  // The world's own functions: keep only `export name: func…` lines, whose types are all
  // built in; imports and interface exports would need packages we do not have here.
  const funcs = text.split('\n').filter((l) => /^\s*export\s+[a-z][a-z0-9-]*\s*:\s*func\b/.test(l));
  if (funcs.length > 0) {
    try {
      const world = resolveWitSource(
        `package root:fast;\nworld root {\n${funcs.join('\n')}\n}\n`,
      ).root.worlds.get('root');
      for (const item of world?.exports.values() ?? []) {
        if (item.kind !== 'function') continue;
        const p = plan(item.function, '', undefined, item.function.name);
        if (p) plans.push(p);
      }
    } catch {
      // Types from elsewhere in the world: leave these functions to jco.
    }
  }
  const exportedIds = [...text.matchAll(/^\s*export\s+([a-z][\w-]*:[\w-]+\/[\w-]+@[\w.+-]+)\s*;/gm)].map(
    (m) => m[1]!,
  );
  if (exportedIds.length > 0) {
    contracts ??= resolveWitPath(witDir);
    const resolved = await contracts;
    const interfaces = new Map<string, WitInterface>();
    for (const pkg of resolved.packages)
      for (const i of pkg.interfaces.values()) if (i.id) interfaces.set(i.id, i);
    for (const id of exportedIds) {
      const iface = interfaces.get(id);
      if (!iface?.name) continue;
      for (const fn of iface.functions.values()) {
        const p = plan(fn, camel(iface.name), id, `${id}#${fn.name}`);
        if (p) plans.push(p);
      }
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
      return (v, out) => {
        if (typeof v !== 'string') throw new TypeError('must be a string');
        const cp = v.codePointAt(0);
        if (cp === undefined || String.fromCodePoint(cp) !== v || (cp >= 0xd800 && cp <= 0xdfff)) {
          throw new TypeError(`not a single unicode scalar value: ${JSON.stringify(v)}`);
        }
        out.push(cp);
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
      return (v, out) => {
        const src = v instanceof Uint8Array ? v : Uint8Array.from(v as ArrayLike<number>);
        const ptr = realloc(0, 0, 1, src.length);
        new Uint8Array(memory().buffer, ptr, src.length).set(src);
        out.push(ptr, src.length);
      };
  }
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
    case 'u8':
    case 'u16':
    case 's8':
    case 's16':
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
    const owner = cores.find((c) => typeof c.exports[p.core] === 'function');
    if (!owner) continue;
    const core = owner.exports[p.core] as (...a: unknown[]) => unknown;
    const post = owner.exports[`cabi_post_${p.core}`] as ((...a: unknown[]) => void) | undefined;
    const mem = owner.exports.memory as WebAssembly.Memory | undefined;
    const realloc = owner.exports.cabi_realloc as ((...a: number[]) => number) | undefined;
    const needsMemory =
      p.params.some((k) => k === 'string' || k === 'bytes') || p.result === 'string' || p.result === 'bytes';
    if (needsMemory && (!mem || !realloc)) continue;
    const memory = () => mem!;
    const lowers = p.params.map((k) => lowerer(k, memory, realloc!));
    const lift = p.result === undefined ? undefined : lifter(p.result, memory);
    const convs = p.params.map((k) => scalar[k]);
    const fast =
      convs.every((c) => c !== undefined) && convs.length <= 3
        ? specialise(core, post, lift, convs as Array<(v: unknown) => unknown>)
        : (...args: unknown[]) => {
            const flat: unknown[] = [];
            for (let i = 0; i < lowers.length; i++) lowers[i]!(args[i], flat);
            const ret = core(...flat);
            if (!lift) {
              post?.(ret);
              return undefined;
            }
            const value = lift(ret);
            post?.(ret);
            return value;
          };
    for (const key of p.ifaceId ? [p.iface, p.ifaceId] : [p.iface]) {
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
