import { BinaryReader } from './binary-reader.js';
import { builtinImmediates } from './canon-opcodes.js';

/**
 * Reads how a component wires its core modules to its exports: per exported function, the
 * `canon lift` that defines it (string encoding, memory, realloc, post-return, async, callback,
 * each resolved to the core instance export it aliases), and which canonical built-ins the
 * component defines anywhere, nested components included. This is the information a host
 * needs to call a core export directly and still behave as the canonical ABI says.
 *
 * Only the outermost component's exports are resolved; nested components are counted and
 * scanned for built-ins, not evaluated.
 *
 * @module
 */

/** How a `canon lift` or `canon lower` encodes strings. */
export type CanonStringEncoding = 'utf8' | 'utf16' | 'latin1+utf16';

/** A core export of a core instance made by instantiating a module (`(core instance (instantiate …))`). */
export interface CoreExportRef {
  /** Index of the core instance in the component's core instance index space. */
  readonly instance: number;
  /** The export's name in that instance. */
  readonly name: string;
}

/**
 * A core item a canonical option or lift names: the export it aliases, or `'other'` when it is
 * not an export of an instantiated core module (a built-in, a lowered function, an import).
 */
export type CoreItemRef = CoreExportRef | 'other';

/** A `canon lift`: the core function it lifts and its canonical options. */
export interface CanonLift {
  readonly core: CoreItemRef;
  readonly stringEncoding: CanonStringEncoding;
  readonly memory?: CoreItemRef;
  readonly realloc?: CoreItemRef;
  readonly postReturn?: CoreItemRef;
  /** The `async` option (a WASIp3 async export). */
  readonly async: boolean;
  /** The `callback` option, when given. */
  readonly callback?: CoreItemRef;
}

/** What {@link describeComponentCanon} reads. */
export interface ComponentCanon {
  /** Nested component definitions and imported components, all levels. */
  readonly nestedComponents: number;
  /** Component instances made by instantiating a component, all levels. */
  readonly componentInstances: number;
  /**
   * Every canonical definition other than `lift`, all levels, once each by its name in the
   * text format: `lower`, `lower async`, `resource.new`, `context.get`, `task.return`, …
   * (`canon 0x..` for one this reader knows only by its opcode).
   */
  readonly builtins: readonly string[];
  /** Whether any `canon lift` (at any level) has the `async` or `callback` option. */
  readonly asyncLift: boolean;
  /** Functions the outermost component exports directly, by name; `undefined` when not defined by a lift here. */
  readonly exportFunctions: ReadonlyMap<string, CanonLift | undefined>;
  /** Instances it exports (its interfaces), by name, each with its functions as above. */
  readonly exportInterfaces: ReadonlyMap<string, ReadonlyMap<string, CanonLift | undefined>>;
}

type CoreInstance =
  | { readonly k: 'instantiate'; readonly index: number }
  | { readonly k: 'exports'; readonly exports: ReadonlyMap<string, { sort: number; ref: CoreItemRef }> }
  | { readonly k: 'other' };

type CompInstance = ReadonlyMap<string, { sort: string; index: number }> | 'other';

/** Names of the canonical built-ins by opcode (Binary.md), besides `lift` and `lower`. */
const builtinNames: Readonly<Record<number, string>> = {
  2: 'resource.new',
  3: 'resource.drop',
  4: 'resource.rep',
  5: 'task.cancel',
  6: 'subtask.cancel',
  7: 'resource.drop async',
  8: 'backpressure.set',
  9: 'task.return',
  10: 'context.get',
  11: 'context.set',
  12: 'thread.yield',
  13: 'subtask.drop',
  14: 'stream.new',
  15: 'stream.read',
  16: 'stream.write',
  17: 'stream.cancel-read',
  18: 'stream.cancel-write',
  19: 'stream.drop-readable',
  20: 'stream.drop-writable',
  21: 'future.new',
  22: 'future.read',
  23: 'future.write',
  24: 'future.cancel-read',
  25: 'future.cancel-write',
  26: 'future.drop-readable',
  27: 'future.drop-writable',
  28: 'error-context.new',
  29: 'error-context.debug-message',
  30: 'error-context.drop',
  31: 'waitable-set.new',
  32: 'waitable-set.wait',
  33: 'waitable-set.poll',
  34: 'waitable-set.drop',
  35: 'waitable.join',
  36: 'backpressure.inc',
  37: 'backpressure.dec',
  64: 'thread.spawn-ref',
  65: 'thread.spawn-indirect',
  66: 'thread.available-parallelism',
};

/** Immediates of each built-in: `u` a u32, `b` a byte, `o` canonical options, `r` a result list. */
const immediates: Readonly<Record<number, string>> = {
  ...builtinImmediates,
  9: 'ro',
};

interface Options {
  stringEncoding: CanonStringEncoding;
  memory?: number;
  realloc?: number;
  postReturn?: number;
  async: boolean;
  callback?: number;
}

function readOptions(r: BinaryReader): Options {
  const out: Options = { stringEncoding: 'utf8', async: false };
  r.vec(() => {
    const opt = r.u8();
    switch (opt) {
      case 0x00:
        out.stringEncoding = 'utf8';
        break;
      case 0x01:
        out.stringEncoding = 'utf16';
        break;
      case 0x02:
        out.stringEncoding = 'latin1+utf16';
        break;
      case 0x03:
        out.memory = r.u32();
        break;
      case 0x04:
        out.realloc = r.u32();
        break;
      case 0x05:
        out.postReturn = r.u32();
        break;
      case 0x06:
        out.async = true;
        break;
      case 0x07:
        out.callback = r.u32();
        break;
      default:
        r.fail(`unknown canonical option 0x${opt.toString(16)}`);
    }
  });
  return out;
}

/** The index spaces of one component body that this reader follows. */
interface Spaces {
  readonly coreFuncs: CoreItemRef[];
  readonly coreMemories: CoreItemRef[];
  /** Tables, globals and tags only need their indices counted. */
  readonly coreOther: Record<number, number>;
  readonly coreInstances: CoreInstance[];
  readonly funcs: (CanonLift | undefined)[];
  readonly instances: CompInstance[];
  /** Nested components: shims (see {@link readShim}) or `'other'`. */
  readonly components: (Map<string, string> | 'other')[];
}

interface Totals {
  nestedComponents: number;
  componentInstances: number;
  asyncLift: boolean;
  readonly builtins: Set<string>;
}

function pushCore(s: Spaces, sort: number, ref: CoreItemRef): void {
  if (sort === 0x00) s.coreFuncs.push(ref);
  else if (sort === 0x02) s.coreMemories.push(ref);
  else if (sort === 0x12) s.coreInstances.push({ k: 'other' });
  else s.coreOther[sort] = (s.coreOther[sort] ?? 0) + 1;
}

function coreAt(s: Spaces, sort: number, index: number): CoreItemRef {
  if (sort === 0x00) return s.coreFuncs[index] ?? 'other';
  if (sort === 0x02) return s.coreMemories[index] ?? 'other';
  return 'other';
}

/** The core export `name` of core instance `index`, followed through instances made of exports. */
function coreExport(s: Spaces, index: number, name: string, sort: number): CoreItemRef {
  const instance = s.coreInstances[index];
  if (!instance) return 'other';
  if (instance.k === 'instantiate') return { instance: index, name };
  if (instance.k === 'exports') {
    const item = instance.exports.get(name);
    return item && item.sort === sort ? item.ref : 'other';
  }
  return 'other';
}

const sortNames: Readonly<Record<number, string>> = {
  1: 'func',
  2: 'value',
  3: 'type',
  4: 'component',
  5: 'instance',
};

/** A component-level sort: `['core', coreSort]` or its name. */
function readSort(r: BinaryReader): ['core', number] | string {
  const sort = r.u8();
  if (sort === 0x00) return ['core', r.u8()];
  return sortNames[sort] ?? r.fail(`unknown sort 0x${sort.toString(16)}`);
}

function pushComponentItem(
  s: Spaces,
  sort: string,
  item: { lift?: CanonLift | undefined; instance?: CompInstance },
): void {
  if (sort === 'func') s.funcs.push(item.lift);
  else if (sort === 'instance') s.instances.push(item.instance ?? 'other');
  else if (sort === 'component') s.components.push('other');
}

function readExternName(r: BinaryReader): string {
  const tag = r.u8();
  if (tag !== 0x00 && tag !== 0x01 && tag !== 0x02) r.fail(`unknown name encoding 0x${tag.toString(16)}`);
  const name = r.name();
  if (tag === 0x02) r.vec(() => [r.u8(), r.name()]);
  return name;
}

/** Skips an `externdesc`, answering the sort of what it describes. */
function readExternDesc(r: BinaryReader): string {
  const tag = r.u8();
  switch (tag) {
    case 0x00:
      r.u8();
      r.u32();
      return 'core';
    case 0x01:
      r.u32();
      return 'func';
    case 0x02:
      if (r.u8() === 0x00) r.u32();
      else r.s33();
      return 'value';
    case 0x03:
      if (r.u8() === 0x00) r.u32();
      return 'type';
    case 0x04:
      r.u32();
      return 'component';
    case 0x05:
      r.u32();
      return 'instance';
    default:
      return r.fail(`unknown external type 0x${tag.toString(16)}`);
  }
}

const preamble = [0x00, 0x61, 0x73, 0x6d];

function checkPreamble(r: BinaryReader): void {
  for (const byte of preamble) if (r.u8() !== byte) r.fail('not a WebAssembly binary');
  r.u8();
  r.u8();
  const layer = r.u8() | (r.u8() << 8);
  if (layer !== 1) r.fail('a core WebAssembly module, not a component');
}

/**
 * A nested component that only re-exports functions it imports, under the types it declares:
 * the shim wit-component wraps each exported interface in. It holds no code, so instantiating
 * it adds no adapter; its exports are its arguments. Answers export name -> import name, or
 * `undefined` for any other component.
 */
function readShim(bytes: Uint8Array, start: number, end: number): Map<string, string> | undefined {
  const r = new BinaryReader(bytes, start, end);
  const funcs: string[] = [];
  const exports = new Map<string, string>();
  while (!r.done) {
    const id = r.u8();
    const section = r.sub(r.u32());
    if (id === 0 || id === 7) continue;
    if (id === 10) {
      section.vec(() => {
        const name = readExternName(section);
        if (readExternDesc(section) === 'func') funcs.push(name);
      });
    } else if (id === 11) {
      let ok = true;
      section.vec(() => {
        const name = readExternName(section);
        const sort = readSort(section);
        const index = section.u32();
        section.optional(() => readExternDesc(section));
        if (sort !== 'func') return;
        const from = funcs[index];
        if (from === undefined) ok = false;
        else {
          exports.set(name, from);
          funcs.push(from);
        }
      });
      if (!ok) return undefined;
    } else return undefined;
  }
  return exports;
}

/**
 * Scans a nested component body for what it defines (built-ins, async lifts, nesting), without
 * following its index spaces.
 */
function scanNested(bytes: Uint8Array, start: number, end: number, totals: Totals): void {
  const r = new BinaryReader(bytes, start, end);
  while (!r.done) {
    const id = r.u8();
    const section = r.sub(r.u32());
    if (id === 4) {
      totals.nestedComponents++;
      checkPreamble(section);
      scanNested(bytes, section.pos, section.end, totals);
    } else if (id === 5) {
      section.vec(() => {
        if (section.u8() === 0x00) {
          totals.componentInstances++;
          section.u32();
          section.vec(() => {
            section.name();
            readSort(section);
            section.u32();
          });
        } else {
          section.vec(() => {
            readExternName(section);
            readSort(section);
            section.u32();
          });
        }
      });
    } else if (id === 8) {
      section.vec(() => readCanon(section, undefined, totals));
    } else if (id === 10) {
      section.vec(() => {
        readExternName(section);
        if (readExternDesc(section) === 'component') totals.nestedComponents++;
      });
    }
  }
}

/** One `canon` definition; with `s`, the index spaces it adds to are kept. */
function readCanon(r: BinaryReader, s: Spaces | undefined, totals: Totals): void {
  const op = r.u8();
  if (op === 0x00) {
    r.u8();
    const core = r.u32();
    const o = readOptions(r);
    r.u32();
    if (o.async || o.callback !== undefined) totals.asyncLift = true;
    if (!s) return;
    const ref = (i: number | undefined, sort = 0x00) => (i === undefined ? undefined : coreAt(s, sort, i));
    const memory = ref(o.memory, 0x02);
    const realloc = ref(o.realloc);
    const postReturn = ref(o.postReturn);
    const callback = ref(o.callback);
    s.funcs.push({
      core: coreAt(s, 0x00, core),
      stringEncoding: o.stringEncoding,
      async: o.async,
      ...(memory ? { memory } : {}),
      ...(realloc ? { realloc } : {}),
      ...(postReturn ? { postReturn } : {}),
      ...(callback ? { callback } : {}),
    });
    return;
  }
  if (op === 0x01) {
    r.u8();
    r.u32();
    const o = readOptions(r);
    totals.builtins.add(o.async ? 'lower async' : 'lower');
    s?.coreFuncs.push('other');
    return;
  }
  const layout = immediates[op] ?? r.fail(`unknown canonical definition 0x${op.toString(16)}`);
  for (const kind of layout) {
    if (kind === 'u') r.u32();
    else if (kind === 'b') r.u8();
    else if (kind === 'o') readOptions(r);
    else if (r.u8() === 0x00) r.s33();
    else r.u8();
  }
  totals.builtins.add(builtinNames[op] ?? `canon 0x${op.toString(16)}`);
  s?.coreFuncs.push('other');
}

/**
 * Reads the canonical definitions of a component: how each export is lifted and which
 * built-ins the component uses.
 *
 * @param bytes - The component (`.wasm`).
 * @throws {MalformedComponent} `WITKIT_WIT_MALFORMED_COMPONENT` when the bytes are not a component this reader understands
 *
 * @example
 * ```ts
 * const canon = describeComponentCanon(await readFile('dist/bench-kernels.wasm'));
 * canon.exportFunctions.get('reverse');
 * // { core: { instance: 0, name: 'reverse' }, stringEncoding: 'utf8', async: false,
 * //   memory: { instance: 0, name: 'memory' }, realloc: { instance: 0, name: 'cabi_realloc' }, … }
 * ```
 */
export function describeComponentCanon(bytes: Uint8Array): ComponentCanon {
  const r = new BinaryReader(bytes, 0, bytes.byteLength);
  checkPreamble(r);
  const totals: Totals = {
    nestedComponents: 0,
    componentInstances: 0,
    asyncLift: false,
    builtins: new Set(),
  };
  const s: Spaces = {
    coreFuncs: [],
    coreMemories: [],
    coreOther: {},
    coreInstances: [],
    funcs: [],
    instances: [],
    components: [],
  };
  const exportFunctions = new Map<string, CanonLift | undefined>();
  const exportInterfaces = new Map<string, ReadonlyMap<string, CanonLift | undefined>>();
  let modules = 0;
  while (!r.done) {
    const id = r.u8();
    const section = r.sub(r.u32());
    switch (id) {
      case 1:
        modules++;
        continue;
      case 2:
        section.vec(() => {
          const tag = section.u8();
          if (tag === 0x00) {
            const module = section.u32();
            section.vec(() => {
              section.name();
              section.u8(); // 0x12: an instance
              section.u32();
            });
            s.coreInstances.push(module < modules ? { k: 'instantiate', index: module } : { k: 'other' });
          } else if (tag === 0x01) {
            const exports = new Map<string, { sort: number; ref: CoreItemRef }>();
            section.vec(() => {
              const name = section.name();
              const sort = section.u8();
              exports.set(name, { sort, ref: coreAt(s, sort, section.u32()) });
            });
            s.coreInstances.push({ k: 'exports', exports });
          } else section.fail(`unknown core instance definition 0x${tag.toString(16)}`);
        });
        break;
      case 4: {
        checkPreamble(section);
        const shim = readShim(bytes, section.pos, section.end);
        s.components.push(shim ?? 'other');
        if (!shim) {
          totals.nestedComponents++;
          scanNested(bytes, section.pos, section.end, totals);
        }
        continue;
      }
      case 5:
        section.vec(() => {
          const tag = section.u8();
          if (tag === 0x00) {
            const shim = s.components[section.u32()];
            const args = new Map<string, { sort: string; index: number }>();
            section.vec(() => {
              const name = section.name();
              const sort = readSort(section);
              args.set(name, { sort: typeof sort === 'string' ? sort : 'core', index: section.u32() });
            });
            if (shim === undefined || shim === 'other') {
              totals.componentInstances++;
              s.instances.push('other');
            } else {
              const exports = new Map<string, { sort: string; index: number }>();
              for (const [name, from] of shim) {
                const arg = args.get(from);
                if (arg) exports.set(name, arg);
              }
              s.instances.push(exports);
            }
          } else if (tag === 0x01) {
            const exports = new Map<string, { sort: string; index: number }>();
            section.vec(() => {
              const name = readExternName(section);
              const sort = readSort(section);
              exports.set(name, { sort: typeof sort === 'string' ? sort : 'core', index: section.u32() });
            });
            s.instances.push(exports);
          } else section.fail(`unknown instance definition 0x${tag.toString(16)}`);
        });
        break;
      case 6:
        section.vec(() => {
          const sort = readSort(section);
          const target = section.u8();
          if (target === 0x00) {
            const instance = section.u32();
            const name = section.name();
            if (typeof sort === 'string') {
              const from = s.instances[instance];
              const item = from === 'other' ? undefined : from?.get(name);
              pushComponentItem(
                s,
                sort,
                item && item.sort === sort && sort === 'func' ? { lift: s.funcs[item.index] } : {},
              );
            } else if (sort[1] === 0x11) modules++;
            else pushCore(s, sort[1], 'other');
          } else if (target === 0x01) {
            const instance = section.u32();
            const name = section.name();
            if (typeof sort === 'string') return section.fail('core instance alias of a component sort');
            pushCore(s, sort[1], coreExport(s, instance, name, sort[1]));
          } else if (target === 0x02) {
            section.u32();
            section.u32();
            if (typeof sort === 'string') pushComponentItem(s, sort, {});
            else if (sort[1] === 0x11) modules++;
            else pushCore(s, sort[1], 'other');
          } else section.fail(`unknown alias target 0x${target.toString(16)}`);
        });
        break;
      case 8:
        section.vec(() => readCanon(section, s, totals));
        break;
      case 10:
        section.vec(() => {
          readExternName(section);
          const sort = readExternDesc(section);
          if (sort === 'component') totals.nestedComponents++;
          pushComponentItem(s, sort, {});
        });
        break;
      case 11:
        section.vec(() => {
          const name = readExternName(section);
          const sort = readSort(section);
          const index = section.u32();
          section.optional(() => readExternDesc(section));
          if (sort === 'func') {
            const lift = s.funcs[index];
            exportFunctions.set(name, lift);
            s.funcs.push(lift);
          } else if (sort === 'instance') {
            const instance = s.instances[index];
            const functions = new Map<string, CanonLift | undefined>();
            if (instance !== 'other' && instance !== undefined) {
              for (const [fn, item] of instance)
                if (item.sort === 'func') functions.set(fn, s.funcs[item.index]);
            }
            exportInterfaces.set(name, functions);
            s.instances.push(instance ?? 'other');
          }
        });
        break;
      default:
        // Custom sections, core types, types, start and values add nothing this reader follows.
        continue;
    }
    if (!section.done) section.fail(`section ${id} has trailing bytes`);
  }
  return {
    nestedComponents: totals.nestedComponents,
    componentInstances: totals.componentInstances,
    builtins: [...totals.builtins],
    asyncLift: totals.asyncLift,
    exportFunctions,
    exportInterfaces,
  };
}
