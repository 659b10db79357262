/**
 * The Component Model's Canonical ABI for synchronous functions: how each WIT type is laid out in
 * linear memory, how it flattens to core wasm values, and the core imports and exports a world's
 * module needs. Binding generators build on this; it follows the spec's `CanonicalABI.md`.
 *
 * @module
 */
import type { WitFunction, WitInterface, WitType, WitTypeDef, WitWorld } from './model.js';

/** A core WebAssembly value type, as functions of the canonical ABI use them. */
export type CoreType = 'i32' | 'i64' | 'f32' | 'f64';

/** At most this many flat values are passed as parameters; more go through memory. */
export const MAX_FLAT_PARAMS = 16;
/** At most this many flat values are returned; more go through memory. */
export const MAX_FLAT_RESULTS = 1;
/** Flags may have at most this many members (one `i32`), as `wasm-tools component new` enforces. */
export const MAX_FLAGS = 32;

/**
 * Stable error codes of the ABI layer.
 *
 * - `WITKIT_WIT_ABI_UNREPRESENTABLE`: valid WIT that a component cannot carry (more than 32 flags, an
 *   empty record, flags or tuple, a zero-length list).
 */
export type AbiErrorCode = 'WITKIT_WIT_ABI_UNREPRESENTABLE';

const ABI_BRAND = Symbol.for('witkit.AbiError');

/**
 * Thrown when a type has no canonical ABI representation. The message names the type (and its
 * owner), like `flags \`wide\` in \`a:b/i\` cannot have more than 32 flags (has 33)`.
 * Recognise it with {@link isAbiError}.
 */
export class AbiError extends Error {
  /** Stable machine-readable category of the problem. */
  readonly code: AbiErrorCode;
  readonly [ABI_BRAND] = true;

  constructor(code: AbiErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AbiError';
    this.code = code;
  }
}

/**
 * Whether `value` is an {@link AbiError}, from this or any other copy of the package.
 *
 * @example
 * ```ts
 * try { flattenType(t); } catch (err) { if (isAbiError(err)) console.error(err.code, err.message); }
 * ```
 */
export function isAbiError(value: unknown): value is AbiError {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ABI_BRAND] === true
  );
}

/** Size and alignment of a type in linear memory, in bytes. */
export interface AbiLayout {
  readonly size: number;
  readonly align: number;
}

/** Layout of a record or tuple: its fields at their offsets. */
export interface RecordLayout extends AbiLayout {
  /** Byte offset of each field, in order. */
  readonly offsets: readonly number[];
}

/** Layout of a variant-like type (variant, enum, option, result). */
export interface VariantLayout extends AbiLayout {
  /** Size in bytes of the discriminant: 1, 2 or 4. */
  readonly discriminantSize: 1 | 2 | 4;
  /** Byte offset of the payload: the discriminant rounded up to the largest case alignment. */
  readonly payloadOffset: number;
}

/** Rounds `offset` up to a multiple of `align`. */
export function alignTo(offset: number, align: number): number {
  return Math.ceil(offset / align) * align;
}

function describeDef(def: WitTypeDef): string {
  const owner =
    def.owner.kind === 'world' ? def.owner.id : (def.owner.id ?? def.owner.name ?? 'an inline interface');
  return `${def.body.kind} \`${def.name}\` in \`${owner}\``;
}

/** The discriminant size for `cases` cases: the smallest of u8, u16, u32 that numbers them. */
export function discriminantSize(cases: number): 1 | 2 | 4 {
  if (cases <= 0x100) return 1;
  if (cases <= 0x10000) return 2;
  return 4;
}

function flagsSize(def: WitTypeDef, count: number): 1 | 2 | 4 {
  checkFlags(def, count);
  if (count <= 8) return 1;
  if (count <= 16) return 2;
  return 4;
}

function checkFlags(def: WitTypeDef, count: number): void {
  if (count > MAX_FLAGS) {
    throw new AbiError(
      'WITKIT_WIT_ABI_UNREPRESENTABLE',
      `${describeDef(def)} cannot have more than ${MAX_FLAGS} flags (has ${count}); split it into several flags types`,
    );
  }
  if (count === 0) {
    throw new AbiError('WITKIT_WIT_ABI_UNREPRESENTABLE', `${describeDef(def)} must have at least one flag`);
  }
}

/** Layout of a sequence of fields (a record or tuple), with the offset of each. */
export function recordLayout(types: readonly WitType[]): RecordLayout {
  let size = 0;
  let align = 1;
  const offsets: number[] = [];
  for (const t of types) {
    const l = layoutOf(t);
    size = alignTo(size, l.align);
    offsets.push(size);
    size += l.size;
    align = Math.max(align, l.align);
  }
  return { size: alignTo(size, align), align, offsets };
}

/** Layout of a variant whose cases carry `cases` (undefined for a case without payload). */
export function variantLayout(cases: readonly (WitType | undefined)[]): VariantLayout {
  const disc = discriminantSize(cases.length);
  let caseAlign = 1;
  let caseSize = 0;
  for (const c of cases) {
    if (c === undefined) continue;
    const l = layoutOf(c);
    caseAlign = Math.max(caseAlign, l.align);
    caseSize = Math.max(caseSize, l.size);
  }
  const payloadOffset = alignTo(disc, caseAlign);
  const align = Math.max(disc, caseAlign);
  return { size: alignTo(payloadOffset + caseSize, align), align, discriminantSize: disc, payloadOffset };
}

/** The cases of a variant-like type (variant, option, result, enum), or undefined for other types. */
export function variantCases(t: WitType): (WitType | undefined)[] | undefined {
  if (t.kind === 'option') return [undefined, t.type];
  if (t.kind === 'result') return [t.ok, t.err];
  if (t.kind !== 'ref') return undefined;
  const b = t.def.body;
  if (b.kind === 'alias') return variantCases(b.type);
  if (b.kind === 'variant') return b.cases.map((c) => c.type);
  if (b.kind === 'enum') return b.cases.map(() => undefined);
  return undefined;
}

/** The field types of a record or tuple, or undefined for other types. */
export function recordFields(t: WitType): readonly WitType[] | undefined {
  if (t.kind === 'tuple') {
    if (t.types.length === 0)
      throw new AbiError('WITKIT_WIT_ABI_UNREPRESENTABLE', 'tuple type must have at least one type');
    return t.types;
  }
  if (t.kind !== 'ref') return undefined;
  const b = t.def.body;
  if (b.kind === 'alias') return recordFields(b.type);
  if (b.kind === 'record') {
    if (b.fields.length === 0)
      throw new AbiError(
        'WITKIT_WIT_ABI_UNREPRESENTABLE',
        `${describeDef(t.def)} must have at least one field`,
      );
    return b.fields.map((f) => f.type);
  }
  return undefined;
}

/**
 * Size and alignment of `t` in linear memory.
 *
 * @throws {@link AbiError} `WITKIT_WIT_ABI_UNREPRESENTABLE` for types components cannot carry.
 *
 * @example
 * ```ts
 * layoutOf({ kind: 'string' }); // { size: 8, align: 4 }: a (ptr, len) pair
 * ```
 */
export function layoutOf(t: WitType): AbiLayout {
  switch (t.kind) {
    case 'bool':
    case 's8':
    case 'u8':
      return { size: 1, align: 1 };
    case 's16':
    case 'u16':
      return { size: 2, align: 2 };
    case 's32':
    case 'u32':
    case 'f32':
    case 'char':
    case 'own':
    case 'borrow':
    case 'future':
    case 'stream':
    case 'error-context':
      return { size: 4, align: 4 };
    case 's64':
    case 'u64':
    case 'f64':
      return { size: 8, align: 8 };
    case 'string':
      return { size: 8, align: 4 };
    case 'list': {
      if (t.length === undefined) return { size: 8, align: 4 };
      if (t.length === 0)
        throw new AbiError(
          'WITKIT_WIT_ABI_UNREPRESENTABLE',
          'fixed-length lists must have more than zero elements',
        );
      const e = layoutOf(t.element);
      return { size: e.size * t.length, align: e.align };
    }
    case 'option':
    case 'result':
      return variantLayout(variantCases(t)!);
    case 'tuple':
      return recordLayout(recordFields(t)!);
    case 'ref': {
      const b = t.def.body;
      switch (b.kind) {
        case 'alias':
          return layoutOf(b.type);
        case 'record':
          return recordLayout(recordFields(t)!);
        case 'variant':
        case 'enum':
          return variantLayout(variantCases(t)!);
        case 'flags': {
          const s = flagsSize(t.def, b.flags.length);
          return { size: s, align: s };
        }
        case 'resource':
          return { size: 4, align: 4 };
      }
    }
  }
}

/** The type a slot takes when two variant cases put `a` and `b` there. */
export function joinCoreTypes(a: CoreType, b: CoreType): CoreType {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

function flattenVariant(cases: readonly (WitType | undefined)[]): CoreType[] {
  const flat: CoreType[] = [];
  for (const c of cases) {
    if (c === undefined) continue;
    flattenType(c).forEach((t, i) => {
      flat[i] = i < flat.length ? joinCoreTypes(flat[i]!, t) : t;
    });
  }
  return ['i32', ...flat];
}

/**
 * The core values `t` flattens to when passed directly as a parameter or result.
 *
 * @throws {@link AbiError} `WITKIT_WIT_ABI_UNREPRESENTABLE` for types components cannot carry.
 *
 * @example
 * ```ts
 * flattenType({ kind: 'option', type: { kind: 'f32' } }); // ['i32', 'f32']
 * ```
 */
export function flattenType(t: WitType): CoreType[] {
  switch (t.kind) {
    case 'bool':
    case 's8':
    case 'u8':
    case 's16':
    case 'u16':
    case 's32':
    case 'u32':
    case 'char':
    case 'own':
    case 'borrow':
    case 'future':
    case 'stream':
    case 'error-context':
      return ['i32'];
    case 's64':
    case 'u64':
      return ['i64'];
    case 'f32':
      return ['f32'];
    case 'f64':
      return ['f64'];
    case 'string':
      return ['i32', 'i32'];
    case 'list':
      if (t.length === undefined) return ['i32', 'i32'];
      layoutOf(t);
      return Array.from({ length: t.length }, () => flattenType(t.element)).flat();
    case 'option':
    case 'result':
      return flattenVariant(variantCases(t)!);
    case 'tuple':
      return recordFields(t)!.flatMap(flattenType);
    case 'ref': {
      const b = t.def.body;
      switch (b.kind) {
        case 'alias':
          return flattenType(b.type);
        case 'record':
          return recordFields(t)!.flatMap(flattenType);
        case 'variant':
        case 'enum':
          return flattenVariant(variantCases(t)!);
        case 'flags':
          checkFlags(t.def, b.flags.length);
          return ['i32'];
        case 'resource':
          return ['i32'];
      }
    }
  }
}

/** Whether a value of `t` stored in memory refers to allocations (strings, lists) the owner must free. */
export function hasAllocations(t: WitType): boolean {
  switch (t.kind) {
    case 'string':
      return true;
    case 'list':
      return t.length === undefined || hasAllocations(t.element);
    case 'option':
      return hasAllocations(t.type);
    case 'result':
      return (t.ok !== undefined && hasAllocations(t.ok)) || (t.err !== undefined && hasAllocations(t.err));
    case 'tuple':
      return t.types.some(hasAllocations);
    case 'ref': {
      const b = t.def.body;
      if (b.kind === 'alias') return hasAllocations(b.type);
      if (b.kind === 'record') return b.fields.some((f) => hasAllocations(f.type));
      if (b.kind === 'variant') return b.cases.some((c) => c.type !== undefined && hasAllocations(c.type));
      return false;
    }
    default:
      return false;
  }
}

/** Whether a function is called from the guest (`import`, lowered) or by the host (`export`, lifted). */
export type AbiDirection = 'import' | 'export';

/** How a function's parameters and results cross the boundary at the core level. */
export interface CoreSignature {
  /** Core parameter types, including the trailing return pointer of an import with indirect results. */
  readonly params: readonly CoreType[];
  /** Core result types: none, one flat value, or an `i32` pointer to the return area. */
  readonly results: readonly CoreType[];
  /** The flattened parameter types before any spilling to memory. */
  readonly flatParams: readonly CoreType[];
  /** The flattened result types before any spilling to memory. */
  readonly flatResults: readonly CoreType[];
  /** Parameters are stored in memory (a record of all of them) and passed as one `i32` pointer. */
  readonly paramsIndirect: boolean;
  /**
   * Results are stored in memory: an export returns a pointer to its return area; an import
   * takes a last `i32` parameter pointing to where the caller wants them.
   */
  readonly resultsIndirect: boolean;
  /** Layout of the parameters as a record, as stored when `paramsIndirect`. */
  readonly paramsLayout: RecordLayout;
  /** Layout of the result, when there is one. */
  readonly resultLayout?: AbiLayout;
}

/**
 * The core signature of `f` when imported (lowered) or exported (lifted), with the limits
 * {@link MAX_FLAT_PARAMS} and {@link MAX_FLAT_RESULTS}.
 *
 * @throws {@link AbiError} for types components cannot carry.
 *
 * @example
 * ```ts
 * // get: func(key: string) -> option<string>, imported
 * coreSignature(get, 'import'); // params ['i32', 'i32', 'i32'] (key ptr, key len, return pointer), results []
 * ```
 */
export function coreSignature(f: WitFunction, dir: AbiDirection): CoreSignature {
  const flatParams = f.params.flatMap((p) => flattenType(p.type));
  const flatResults = f.result === undefined ? [] : flattenType(f.result);
  const paramsIndirect = flatParams.length > MAX_FLAT_PARAMS;
  const resultsIndirect = flatResults.length > MAX_FLAT_RESULTS;
  let params: CoreType[] = paramsIndirect ? ['i32'] : flatParams;
  let results: CoreType[] = flatResults;
  if (resultsIndirect) {
    if (dir === 'import') {
      params = [...params, 'i32'];
      results = [];
    } else {
      results = ['i32'];
    }
  }
  return {
    params,
    results,
    flatParams,
    flatResults,
    paramsIndirect,
    resultsIndirect,
    paramsLayout: recordLayout(f.params.map((p) => p.type)),
    ...(f.result === undefined ? {} : { resultLayout: layoutOf(f.result) }),
  };
}

/** What a core function of a world's module is for. */
export type CoreFunctionRole =
  | 'function'
  | 'post-return'
  | 'resource-drop'
  | 'resource-new'
  | 'resource-rep'
  | 'resource-dtor'
  | 'realloc';

/** One core import or export a world's module has, with its name in the legacy naming scheme. */
export interface CoreFunction {
  readonly dir: AbiDirection;
  readonly role: CoreFunctionRole;
  /**
   * Import module (`ns:pkg/iface@1.0.0`, `$root` for world-level functions,
   * `[export]ns:pkg/iface@1.0.0` for the handles of exported resources), or `''` for exports.
   */
  readonly module: string;
  /** Import field or export name: `f`, `[method]r.m`, `ns:pkg/iface@1.0.0#f`, `cabi_post_…`, `cabi_realloc`. */
  readonly name: string;
  /** World key of the interface (its id, or its name when inline); undefined for world-level items. */
  readonly interfaceKey?: string;
  /** The interface, for functions and handles of one. */
  readonly interface?: WitInterface;
  /** The WIT function, for `function` and `post-return` roles. */
  readonly function?: WitFunction;
  /** The resource, for resource roles. */
  readonly resource?: WitTypeDef;
  readonly params: readonly CoreType[];
  readonly results: readonly CoreType[];
  /** The full signature, for `function` roles. */
  readonly signature?: CoreSignature;
}

/** Options of {@link worldCoreFunctions}. */
export interface WorldCoreOptions {
  /**
   * Also list a post-return for exports whose results are flat. wasm-tools' dummy modules have
   * one for every export; a module only needs one where results live in memory it must free.
   * @default false
   */
  readonly postReturnForAll?: boolean;
}

/**
 * The core export name of function `f` of the interface with world key `key`:
 * `ns:pkg/iface@1.0.0#f`; for a world-level function (no interface), its world key.
 */
export function coreExportName(key: string | undefined, f: WitFunction): string {
  return key === undefined ? f.qualifiedName : `${key}#${f.qualifiedName}`;
}

/**
 * Every core import and export the module of `world` needs, named in the legacy scheme that
 * `wasm-tools component new` accepts: imports from module `ns:pkg/iface@1.0.0` (or `$root`),
 * exports `ns:pkg/iface@1.0.0#func`, `cabi_post_<export>` post-returns, `cabi_realloc`,
 * `[resource-drop]r` for imported resources and `[resource-new|rep|drop]r` from
 * `[export]ns:pkg/iface@1.0.0` plus an `ns:pkg/iface@1.0.0#[dtor]r` export for exported ones.
 *
 * @throws {@link AbiError} for types components cannot carry.
 *
 * @example
 * ```ts
 * for (const f of worldCoreFunctions(selectWorld(resolve, 'processor-plugin')))
 *   console.log(f.dir, f.module, f.name, f.params, f.results);
 * ```
 */
export function worldCoreFunctions(world: WitWorld, options: WorldCoreOptions = {}): CoreFunction[] {
  const out: CoreFunction[] = [];
  const resourcesOf = (iface: WitInterface) =>
    [...iface.types.values()].filter((t) => t.body.kind === 'resource');

  for (const [key, item] of world.imports) {
    if (item.kind === 'interface') {
      for (const f of item.interface.functions.values()) {
        const signature = coreSignature(f, 'import');
        out.push({
          dir: 'import',
          role: 'function',
          module: key,
          name: f.qualifiedName,
          interfaceKey: key,
          interface: item.interface,
          function: f,
          params: signature.params,
          results: signature.results,
          signature,
        });
      }
      for (const r of resourcesOf(item.interface)) {
        out.push({
          dir: 'import',
          role: 'resource-drop',
          module: key,
          name: `[resource-drop]${r.name}`,
          interfaceKey: key,
          interface: item.interface,
          resource: r,
          params: ['i32'],
          results: [],
        });
      }
    } else if (item.kind === 'function') {
      const signature = coreSignature(item.function, 'import');
      out.push({
        dir: 'import',
        role: 'function',
        module: '$root',
        name: key,
        function: item.function,
        params: signature.params,
        results: signature.results,
        signature,
      });
    } else if (item.type.body.kind === 'resource') {
      out.push({
        dir: 'import',
        role: 'resource-drop',
        module: '$root',
        name: `[resource-drop]${key}`,
        resource: item.type,
        params: ['i32'],
        results: [],
      });
    }
  }

  const addExport = (
    key: string | undefined,
    iface: WitInterface | undefined,
    f: WitFunction,
    worldKey?: string,
  ) => {
    const signature = coreSignature(f, 'export');
    const name = worldKey ?? coreExportName(key, f);
    const ctx = {
      ...(key === undefined ? {} : { interfaceKey: key }),
      ...(iface ? { interface: iface } : {}),
    };
    out.push({
      dir: 'export',
      role: 'function',
      module: '',
      name,
      ...ctx,
      function: f,
      params: signature.params,
      results: signature.results,
      signature,
    });
    if (signature.resultsIndirect || options.postReturnForAll) {
      out.push({
        dir: 'export',
        role: 'post-return',
        module: '',
        name: `cabi_post_${name}`,
        ...ctx,
        function: f,
        params: signature.results,
        results: [],
      });
    }
  };
  for (const [key, item] of world.exports) {
    if (item.kind === 'interface') {
      for (const f of item.interface.functions.values()) addExport(key, item.interface, f);
      for (const r of resourcesOf(item.interface)) {
        const ctx = { interfaceKey: key, interface: item.interface, resource: r };
        for (const [role, results] of [
          ['resource-drop', []],
          ['resource-new', ['i32']],
          ['resource-rep', ['i32']],
        ] as const) {
          out.push({
            dir: 'import',
            role,
            module: `[export]${key}`,
            name: `[${role}]${r.name}`,
            ...ctx,
            params: ['i32'],
            results,
          });
        }
        out.push({
          dir: 'export',
          role: 'resource-dtor',
          module: '',
          name: `${key}#[dtor]${r.name}`,
          ...ctx,
          params: ['i32'],
          results: [],
        });
      }
    } else if (item.kind === 'function') {
      addExport(undefined, undefined, item.function, key);
    }
  }
  out.push({
    dir: 'export',
    role: 'realloc',
    module: '',
    name: 'cabi_realloc',
    params: ['i32', 'i32', 'i32', 'i32'],
    results: ['i32'],
  });
  return out;
}
