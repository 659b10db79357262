import { BinaryReader } from './binary-reader.js';
import { builtinImmediates } from './canon-opcodes.js';
import type {
  FunctionShape,
  InterfaceShape,
  PrimitiveKind,
  ResourceRef,
  ValueShape,
  WorldShape,
} from './shape.js';

/**
 * Reads what a component imports and exports from its binary type information: the same types
 * the runtime links against, whatever WIT the author believes they built from. (The WIT that
 * `wasm-tools component wit` prints for a component names the interfaces but omits their
 * contents, so it cannot serve a structural comparison.)
 *
 * The reader evaluates the component's definitions at the type level only: core modules are
 * skipped, nested components are instantiated with the arguments they are given (so a
 * composed component, such as a QuickJS plugin, reports what its inner component exports),
 * and resources keep their identity through aliases and instantiation.
 */

/** A resource: abstract (imported) or defined. Its owner is set where an interface names it. */
interface Resource {
  owner?: ResourceRef;
  readonly hint: string;
}

/** A value type during decoding: like {@link ValueShape}, with live resources and names as wrappers. */
type Ir =
  | { readonly k: 'prim'; readonly kind: PrimitiveKind }
  | { readonly k: 'record'; readonly fields: readonly { readonly name: string; readonly type: Ir }[] }
  | { readonly k: 'variant'; readonly cases: readonly { readonly name: string; readonly type?: Ir }[] }
  | { readonly k: 'enum'; readonly cases: readonly string[] }
  | { readonly k: 'flags'; readonly flags: readonly string[] }
  | { readonly k: 'list'; readonly element: Ir; readonly length?: number }
  | { readonly k: 'tuple'; readonly types: readonly Ir[] }
  | { readonly k: 'option'; readonly type: Ir }
  | { readonly k: 'result'; readonly ok?: Ir; readonly err?: Ir }
  | { readonly k: 'handle'; readonly kind: 'own' | 'borrow'; readonly resource: Resource }
  | { readonly k: 'async'; readonly kind: 'future' | 'stream'; readonly type?: Ir }
  | { readonly k: 'named'; readonly name: string; readonly type: Ir };

interface FuncIr {
  readonly params: readonly { readonly name: string; readonly type: Ir }[];
  readonly result?: Ir;
  readonly async: boolean;
}

/** What a type index refers to. */
type TypeEntry =
  | Ir
  | { readonly k: 'resource'; readonly resource: Resource }
  | { readonly k: 'func'; readonly fn: FuncIr }
  | { readonly k: 'instance'; readonly exports: ReadonlyMap<string, Item> }
  | { readonly k: 'component'; readonly def: ComponentDef }
  | { readonly k: 'core' };

/** Something in one of the component-level index spaces. */
type Item =
  | { readonly sort: 'func'; readonly fn: FuncIr }
  | { readonly sort: 'type'; readonly type: TypeEntry }
  | { readonly sort: 'instance'; readonly exports: ReadonlyMap<string, Item> }
  | { readonly sort: 'component'; readonly def: ComponentDef }
  | { readonly sort: 'other' };

/** A component that can be instantiated: a nested definition, or an imported component type. */
type ComponentDef =
  | { readonly k: 'nested'; readonly start: number; readonly end: number; readonly parent: Scope }
  | { readonly k: 'type'; readonly exports: ReadonlyMap<string, Item> };

/** The index spaces of a component or of a type declarator (instance or component type). */
interface Scope {
  readonly parent?: Scope;
  readonly types: TypeEntry[];
  readonly funcs: FuncIr[];
  readonly instances: ReadonlyMap<string, Item>[];
  readonly components: ComponentDef[];
}

const newScope = (parent?: Scope): Scope => ({
  ...(parent ? { parent } : {}),
  types: [],
  funcs: [],
  instances: [],
  components: [],
});

const primitives: Readonly<Record<number, PrimitiveKind>> = {
  127: 'bool',
  126: 's8',
  125: 'u8',
  124: 's16',
  123: 'u16',
  122: 's32',
  121: 'u32',
  120: 's64',
  119: 'u64',
  118: 'f32',
  117: 'f64',
  116: 'char',
  115: 'string',
  100: 'error-context',
};

type Sort = 'core' | 'func' | 'value' | 'type' | 'component' | 'instance';

function readSort(r: BinaryReader): Sort {
  const sort = r.u8();
  switch (sort) {
    case 0x00:
      r.u8();
      return 'core';
    case 0x01:
      return 'func';
    case 0x02:
      return 'value';
    case 0x03:
      return 'type';
    case 0x04:
      return 'component';
    case 0x05:
      return 'instance';
    default:
      return r.fail(`unknown sort 0x${sort.toString(16)}`);
  }
}

/** An import or export name; attributes (`implements`, version suffix) do not change what it is. */
function readExternName(r: BinaryReader): string {
  const tag = r.u8();
  if (tag !== 0x00 && tag !== 0x01 && tag !== 0x02) r.fail(`unknown name encoding 0x${tag.toString(16)}`);
  const name = r.name();
  if (tag === 0x02) {
    r.vec(() => {
      r.u8();
      return r.name();
    });
  }
  return name;
}

function typeAt(r: BinaryReader, scope: Scope, index: number): TypeEntry {
  return scope.types[index] ?? r.fail(`type index ${index} is out of range`);
}

function valueType(r: BinaryReader, scope: Scope): Ir {
  const v = r.s33();
  if (v < 0) {
    const kind = primitives[v + 128];
    return kind ? { k: 'prim', kind } : r.fail(`unknown value type 0x${(v + 128).toString(16)}`);
  }
  const entry = typeAt(r, scope, v);
  if (!isIr(entry)) r.fail(`type index ${v} is not a value type`);
  return entry;
}

function isIr(entry: TypeEntry): entry is Ir {
  return !['resource', 'func', 'instance', 'component', 'core'].includes(entry.k);
}

function resourceAt(r: BinaryReader, scope: Scope): Resource {
  const index = r.u32();
  const entry = typeAt(r, scope, index);
  return entry.k === 'resource' ? entry.resource : r.fail(`type index ${index} is not a resource`);
}

/** A type definition (`deftype`). */
function readDefType(r: BinaryReader, scope: Scope): TypeEntry {
  const op = r.u8();
  const prim = primitives[op];
  if (prim) return { k: 'prim', kind: prim };
  switch (op) {
    case 0x72:
      return { k: 'record', fields: r.vec(() => ({ name: r.name(), type: valueType(r, scope) })) };
    case 0x71:
      return {
        k: 'variant',
        cases: r.vec(() => {
          const name = r.name();
          const type = r.optional(() => valueType(r, scope));
          // Older encoders wrote `0x01 <index>` for a case that refines another; the index says nothing about shape.
          if (r.u8() === 0x01) r.u32();
          return type ? { name, type } : { name };
        }),
      };
    case 0x70:
      return { k: 'list', element: valueType(r, scope) };
    case 0x67:
      return { k: 'list', element: valueType(r, scope), length: r.u32() };
    case 0x6f:
      return { k: 'tuple', types: r.vec(() => valueType(r, scope)) };
    case 0x6e:
      return { k: 'flags', flags: r.vec(() => r.name()) };
    case 0x6d:
      return { k: 'enum', cases: r.vec(() => r.name()) };
    case 0x6b:
      return { k: 'option', type: valueType(r, scope) };
    case 0x6a: {
      const ok = r.optional(() => valueType(r, scope));
      const err = r.optional(() => valueType(r, scope));
      return { k: 'result', ...(ok ? { ok } : {}), ...(err ? { err } : {}) };
    }
    case 0x69:
      return { k: 'handle', kind: 'own', resource: resourceAt(r, scope) };
    case 0x68:
      return { k: 'handle', kind: 'borrow', resource: resourceAt(r, scope) };
    case 0x66:
    case 0x65: {
      const type = r.optional(() => valueType(r, scope));
      return { k: 'async', kind: op === 0x66 ? 'stream' : 'future', ...(type ? { type } : {}) };
    }
    case 0x40:
    case 0x43:
      return { k: 'func', fn: readFuncType(r, scope, op === 0x43) };
    case 0x41:
      return { k: 'component', def: readDeclarator(r, scope, true) };
    case 0x42: {
      const def = readDeclarator(r, scope, false);
      return { k: 'instance', exports: def.exports };
    }
    case 0x3f:
      r.u8(); // representation (i32)
      r.optional(() => r.u32()); // destructor
      return { k: 'resource', resource: { hint: 'resource' } };
    default:
      return r.fail(`unsupported type definition 0x${op.toString(16)}`);
  }
}

function readFuncType(r: BinaryReader, scope: Scope, isAsync: boolean): FuncIr {
  const params = r.vec(() => ({ name: r.name(), type: valueType(r, scope) }));
  const tag = r.u8();
  let result: Ir | undefined;
  if (tag === 0x00) result = valueType(r, scope);
  else if (tag !== 0x01 || r.u32() !== 0) r.fail('functions with named results are not supported');
  return { params, ...(result ? { result } : {}), async: isAsync };
}

/** The body of an instance type (`0x42`) or a component type (`0x41`), in a scope of its own. */
function readDeclarator(r: BinaryReader, outer: Scope, isComponent: boolean): ComponentDef & { k: 'type' } {
  const scope = newScope(outer);
  const exports = new Map<string, Item>();
  r.vec(() => {
    const tag = r.u8();
    switch (tag) {
      case 0x01:
        scope.types.push(readDefType(r, scope));
        break;
      case 0x02:
        readAlias(r, scope);
        break;
      case 0x03:
        if (!isComponent) r.fail('import declaration in an instance type');
        {
          const name = readExternName(r);
          push(scope, externItem(r, scope, name));
        }
        break;
      case 0x04: {
        const name = readExternName(r);
        const item = externItem(r, scope, name);
        exports.set(name, item);
        push(scope, item);
        break;
      }
      default:
        r.fail(
          tag === 0x00
            ? 'core types inside component types are not supported'
            : `unknown declaration 0x${tag.toString(16)}`,
        );
    }
  });
  return { k: 'type', exports };
}

/** Gives a type the name it is exported or imported under (resources keep their identity). */
function named(entry: TypeEntry, name: string): TypeEntry {
  if (!isIr(entry)) return entry;
  return { k: 'named', name, type: entry.k === 'named' ? entry.type : entry };
}

/** What an `externtype` describes, as an item. */
function externItem(r: BinaryReader, scope: Scope, name: string): Item {
  const tag = r.u8();
  switch (tag) {
    case 0x00:
      r.u8();
      r.u32();
      return { sort: 'other' };
    case 0x01: {
      const index = r.u32();
      const entry = typeAt(r, scope, index);
      return entry.k === 'func'
        ? { sort: 'func', fn: entry.fn }
        : r.fail(`type index ${index} is not a function type`);
    }
    case 0x02:
      if (r.u8() === 0x00) r.u32();
      else valueType(r, scope);
      return { sort: 'other' };
    case 0x03:
      if (r.u8() === 0x00) return { sort: 'type', type: named(typeAt(r, scope, r.u32()), name) };
      return { sort: 'type', type: { k: 'resource', resource: { hint: name } } };
    case 0x04:
    case 0x05: {
      // Instance and component types are told apart by the type they point at, which does not
      // depend on which of the two encodings of this tag an encoder followed.
      const index = r.u32();
      const entry = typeAt(r, scope, index);
      if (entry.k === 'instance') return { sort: 'instance', exports: entry.exports };
      if (entry.k === 'component') return { sort: 'component', def: entry.def };
      return r.fail(`type index ${index} is neither an instance nor a component type`);
    }
    default:
      return r.fail(`unknown external type 0x${tag.toString(16)}`);
  }
}

function push(scope: Scope, item: Item): void {
  switch (item.sort) {
    case 'func':
      scope.funcs.push(item.fn);
      break;
    case 'type':
      scope.types.push(item.type);
      break;
    case 'instance':
      scope.instances.push(item.exports);
      break;
    case 'component':
      scope.components.push(item.def);
      break;
  }
}

function lookup(r: BinaryReader, scope: Scope, sort: Sort, index: number): Item {
  const missing = (): never => r.fail(`${sort} index ${index} is out of range`);
  switch (sort) {
    case 'func':
      return { sort, fn: scope.funcs[index] ?? missing() };
    case 'type':
      return { sort, type: scope.types[index] ?? missing() };
    case 'instance':
      return { sort, exports: scope.instances[index] ?? missing() };
    case 'component':
      return { sort, def: scope.components[index] ?? missing() };
    default:
      return { sort: 'other' };
  }
}

function readAlias(r: BinaryReader, scope: Scope): void {
  const sort = readSort(r);
  const tag = r.u8();
  if (tag === 0x00) {
    const instance = r.u32();
    const name = r.name();
    const exports = scope.instances[instance] ?? r.fail(`instance index ${instance} is out of range`);
    const item = exports.get(name);
    if (sort === 'core' || sort === 'value') return;
    if (!item || item.sort !== sort) r.fail(`instance ${instance} has no ${sort} export \`${name}\``);
    push(scope, item);
  } else if (tag === 0x01) {
    r.u32();
    r.name();
  } else if (tag === 0x02) {
    let target: Scope | undefined = scope;
    for (let count = r.u32(); count > 0; count--) target = target?.parent;
    const index = r.u32();
    if (!target) r.fail('outer alias reaches past the outermost component');
    if (sort === 'type' || sort === 'component') push(scope, lookup(r, target, sort, index));
  } else {
    r.fail(`unknown alias target 0x${tag.toString(16)}`);
  }
}

function skipCanonOptions(r: BinaryReader): void {
  r.vec(() => {
    const opt = r.u8();
    if (opt === 0x03 || opt === 0x04 || opt === 0x05 || opt === 0x07) r.u32();
    else if (opt > 0x07) r.fail(`unknown canonical option 0x${opt.toString(16)}`);
  });
}

/**
 * Immediates of the `canon` definitions other than `lift` and `task.return`, which only define
 * core functions: `u` a u32, `b` a byte, `o` canonical options.
 */
const canonImmediates: Readonly<Record<number, string>> = {
  1: 'buo', // lower: the `func` sort byte, the function, options
  ...builtinImmediates,
};

/** A `canon` definition: a lift adds a component function, everything else a core function. */
function readCanon(r: BinaryReader, scope: Scope): void {
  const op = r.u8();
  if (op === 0x00) {
    r.u8();
    r.u32();
    skipCanonOptions(r);
    const index = r.u32();
    const entry = typeAt(r, scope, index);
    if (entry.k !== 'func') r.fail(`type index ${index} is not a function type`);
    scope.funcs.push(entry.fn);
    return;
  }
  if (op === 0x09) {
    // task.return: a result list, then options.
    if (r.u8() === 0x00) valueType(r, scope);
    else r.u8();
    skipCanonOptions(r);
    return;
  }
  const immediates = canonImmediates[op] ?? r.fail(`unknown canonical definition 0x${op.toString(16)}`);
  for (const kind of immediates) {
    if (kind === 'u') r.u32();
    else if (kind === 'b') r.u8();
    else skipCanonOptions(r);
  }
}

/** Sets the owner of the resources an interface exports that no interface has claimed yet. */
function claimResources(interfaceId: string, exports: ReadonlyMap<string, Item>): void {
  for (const [name, item] of exports) {
    if (item.sort === 'type' && item.type.k === 'resource' && !item.type.resource.owner) {
      item.type.resource.owner = { interface: interfaceId, name };
    }
  }
}

interface Evaluated {
  readonly imports: readonly (readonly [string, Item])[];
  readonly exports: ReadonlyMap<string, Item>;
}

const preamble = [0x00, 0x61, 0x73, 0x6d];

function checkPreamble(r: BinaryReader): void {
  for (const byte of preamble) if (r.u8() !== byte) r.fail('not a WebAssembly binary');
  r.u8();
  r.u8();
  const layer = r.u8() | (r.u8() << 8);
  if (layer !== 1) r.fail('a core WebAssembly module, not a component');
}

/** Evaluates a component body at the type level; `args` are what an instantiation supplies. */
function evaluate(
  bytes: Uint8Array,
  start: number,
  end: number,
  parent: Scope | undefined,
  args?: ReadonlyMap<string, Item>,
): Evaluated {
  const r = new BinaryReader(bytes, start, end);
  const scope = newScope(parent);
  const imports: [string, Item][] = [];
  const exports = new Map<string, Item>();
  while (!r.done) {
    const id = r.u8();
    const section = r.sub(r.u32());
    switch (id) {
      case 4: {
        const bodyStart = section.pos;
        checkPreamble(section);
        scope.components.push({ k: 'nested', start: bodyStart + 8, end: section.end, parent: scope });
        continue;
      }
      case 5:
        section.vec(() => scope.instances.push(readInstance(section, scope, bytes)));
        break;
      case 6:
        section.vec(() => readAlias(section, scope));
        break;
      case 7:
        section.vec(() => scope.types.push(readDefType(section, scope)));
        break;
      case 8:
        section.vec(() => readCanon(section, scope));
        break;
      case 10:
        section.vec(() => {
          const name = readExternName(section);
          const declared = externItem(section, scope, name);
          const item = args?.get(name) ?? declared;
          if (item.sort === 'instance') claimResources(name, item.exports);
          push(scope, item);
          imports.push([name, item]);
        });
        break;
      case 11:
        section.vec(() => {
          const name = readExternName(section);
          const sort = readSort(section);
          const actual = lookup(section, scope, sort, section.u32());
          const ascribed = section.optional(() => externItem(section, scope, name));
          // An ascribed function type may carry the export's own type names; an instance keeps
          // its actual items so that resources stay the ones it was built with.
          let item: Item = ascribed?.sort === 'func' ? ascribed : actual;
          if (item.sort === 'type') item = { sort: 'type', type: named(item.type, name) };
          if (item.sort === 'instance') claimResources(name, item.exports);
          push(scope, item);
          exports.set(name, item);
        });
        break;
      default:
        // Core modules, core instances and types, custom sections, start and values: nothing
        // here changes the component-level types.
        continue;
    }
    if (!section.done) section.fail(`section ${id} has trailing bytes`);
  }
  return { imports, exports };
}

function readInstance(r: BinaryReader, scope: Scope, bytes: Uint8Array): ReadonlyMap<string, Item> {
  const tag = r.u8();
  if (tag === 0x00) {
    const index = r.u32();
    const def = scope.components[index] ?? r.fail(`component index ${index} is out of range`);
    const args = new Map<string, Item>();
    r.vec(() => {
      const name = r.name();
      const sort = readSort(r);
      args.set(name, lookup(r, scope, sort, r.u32()));
    });
    if (def.k === 'type') return def.exports;
    return evaluate(bytes, def.start, def.end, def.parent, args).exports;
  }
  if (tag === 0x01) {
    const exports = new Map<string, Item>();
    r.vec(() => {
      const name = readExternName(r);
      const sort = readSort(r);
      const item = lookup(r, scope, sort, r.u32());
      exports.set(name, item.sort === 'type' ? { sort: 'type', type: named(item.type, name) } : item);
    });
    return exports;
  }
  return r.fail(`unknown instance definition 0x${tag.toString(16)}`);
}

/** Turns decoded types into plain shapes, once per type object (types are shared, never cyclic). */
class ShapeBuilder {
  private readonly memo = new Map<Ir, ValueShape>();

  value(ir: Ir): ValueShape {
    let shape = this.memo.get(ir);
    if (!shape) {
      shape = this.build(ir);
      this.memo.set(ir, shape);
    }
    return shape;
  }

  private build(ir: Ir): ValueShape {
    switch (ir.k) {
      case 'prim':
        return { kind: ir.kind };
      case 'named':
        return { ...this.value(ir.type), name: ir.name };
      case 'record':
        return { kind: 'record', fields: ir.fields.map((f) => ({ name: f.name, type: this.value(f.type) })) };
      case 'variant':
        return {
          kind: 'variant',
          cases: ir.cases.map((c) =>
            c.type ? { name: c.name, type: this.value(c.type) } : { name: c.name },
          ),
        };
      case 'enum':
        return { kind: 'enum', cases: [...ir.cases] };
      case 'flags':
        return { kind: 'flags', flags: [...ir.flags] };
      case 'list':
        return {
          kind: 'list',
          element: this.value(ir.element),
          ...(ir.length === undefined ? {} : { length: ir.length }),
        };
      case 'tuple':
        return { kind: 'tuple', types: ir.types.map((t) => this.value(t)) };
      case 'option':
        return { kind: 'option', type: this.value(ir.type) };
      case 'result':
        return {
          kind: 'result',
          ...(ir.ok ? { ok: this.value(ir.ok) } : {}),
          ...(ir.err ? { err: this.value(ir.err) } : {}),
        };
      case 'handle':
        return { kind: ir.kind, resource: ir.resource.owner ?? { interface: '', name: ir.resource.hint } };
      case 'async':
        return { kind: ir.kind, ...(ir.type ? { type: this.value(ir.type) } : {}) };
    }
  }

  func(name: string, fn: FuncIr): FunctionShape {
    return {
      name,
      params: fn.params.map((p) => ({ name: p.name, type: this.value(p.type) })),
      ...(fn.result ? { result: this.value(fn.result) } : {}),
      ...(fn.async ? { async: true as const } : {}),
    };
  }

  interface(id: string, exports: ReadonlyMap<string, Item>): InterfaceShape {
    const functions: Record<string, FunctionShape> = {};
    const types: Record<string, InterfaceShape['types'][string]> = {};
    for (const [name, item] of exports) {
      if (item.sort === 'func') functions[name] = this.func(name, item.fn);
      else if (item.sort === 'type' && item.type.k === 'resource') types[name] = { kind: 'resource', name };
      else if (item.sort === 'type' && isIr(item.type)) types[name] = this.value(item.type);
    }
    return { id, functions, types };
  }
}

/**
 * What a component really imports and exports, read from its binary: each interface by its full
 * id (version included) with every function's parameters and result expanded to their shapes,
 * and the functions the world imports or exports directly.
 *
 * @param bytes - The component (`.wasm`).
 * @throws {MalformedComponent} `WITKIT_WIT_MALFORMED_COMPONENT` when the bytes are not a component this reader understands
 *
 * @example
 * ```ts
 * const world = describeComponentWorld(await readFile('dist/text-transformer.wasm'));
 * world.exports['witkit:plugin-system/data-processor@0.1.0']?.functions.validate;
 * // { name: 'validate', params: [{ name: 'input', type: { kind: 'list', element: { kind: 'u8' } } }],
 * //   result: { kind: 'bool' } }
 * ```
 */
export function describeComponentWorld(bytes: Uint8Array): WorldShape {
  const r = new BinaryReader(bytes, 0, bytes.byteLength);
  checkPreamble(r);
  const evaluated = evaluate(bytes, 8, bytes.byteLength, undefined);
  const build = new ShapeBuilder();
  const world = {
    imports: {} as Record<string, InterfaceShape>,
    exports: {} as Record<string, InterfaceShape>,
    importFunctions: {} as Record<string, FunctionShape>,
    exportFunctions: {} as Record<string, FunctionShape>,
  };
  for (const [name, item] of evaluated.imports) {
    if (item.sort === 'instance') world.imports[name] = build.interface(name, item.exports);
    else if (item.sort === 'func') world.importFunctions[name] = build.func(name, item.fn);
  }
  for (const [name, item] of evaluated.exports) {
    if (item.sort === 'instance') world.exports[name] = build.interface(name, item.exports);
    else if (item.sort === 'func') world.exportFunctions[name] = build.func(name, item.fn);
  }
  return world;
}
