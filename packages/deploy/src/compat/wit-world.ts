import {
  unaliasTypeDef,
  type WitFunction,
  type WitInterface,
  type WitType,
  type WitTypeDef,
  type WitWorld,
  type WitWorldItem,
} from '@witkit/wit';
import type { FunctionShape, InterfaceShape, ResourceRef, ValueShape, WorldShape } from './shape.js';

function resourceRef(def: WitTypeDef): ResourceRef {
  const real = unaliasTypeDef(def);
  const owner = real.owner;
  return {
    interface: (owner.kind === 'interface' ? (owner.id ?? owner.name) : owner.id) ?? '',
    name: real.name,
  };
}

function defShape(def: WitTypeDef): ValueShape {
  const body = def.body;
  switch (body.kind) {
    case 'alias':
      // A `use`d resource stays a handle to the resource it names.
      if (unaliasTypeDef(def).body.kind === 'resource') return { kind: 'own', resource: resourceRef(def) };
      return { ...witTypeShape(body.type), name: def.name };
    case 'record':
      return {
        kind: 'record',
        name: def.name,
        fields: body.fields.map((f) => ({ name: f.name, type: witTypeShape(f.type) })),
      };
    case 'variant':
      return {
        kind: 'variant',
        name: def.name,
        cases: body.cases.map((c) =>
          c.type ? { name: c.name, type: witTypeShape(c.type) } : { name: c.name },
        ),
      };
    case 'enum':
      return { kind: 'enum', name: def.name, cases: body.cases.map((c) => c.name) };
    case 'flags':
      return { kind: 'flags', name: def.name, flags: body.flags.map((f) => f.name) };
    case 'resource':
      return { kind: 'own', resource: resourceRef(def) };
  }
}

/** The shape of a type of the resolved WIT model. */
export function witTypeShape(type: WitType): ValueShape {
  switch (type.kind) {
    case 'ref':
      return defShape(type.def);
    case 'list':
      return {
        kind: 'list',
        element: witTypeShape(type.element),
        ...(type.length === undefined ? {} : { length: type.length }),
      };
    case 'option':
      return { kind: 'option', type: witTypeShape(type.type) };
    case 'result':
      return {
        kind: 'result',
        ...(type.ok ? { ok: witTypeShape(type.ok) } : {}),
        ...(type.err ? { err: witTypeShape(type.err) } : {}),
      };
    case 'tuple':
      return { kind: 'tuple', types: type.types.map(witTypeShape) };
    case 'own':
    case 'borrow':
      return { kind: type.kind, resource: resourceRef(type.resource) };
    case 'future':
    case 'stream':
      return { kind: type.kind, ...(type.type ? { type: witTypeShape(type.type) } : {}) };
    default:
      return { kind: type.kind };
  }
}

/** The shape of a function of the resolved WIT model. */
export function witFunctionShape(fn: WitFunction): FunctionShape {
  return {
    name: fn.qualifiedName,
    params: fn.params.map((p) => ({ name: p.name, type: witTypeShape(p.type) })),
    ...(fn.result ? { result: witTypeShape(fn.result) } : {}),
    ...(fn.async ? { async: true as const } : {}),
  };
}

/** The shape of an interface of the resolved WIT model, under `id`. */
export function witInterfaceShape(iface: WitInterface, id: string): InterfaceShape {
  const functions: Record<string, FunctionShape> = {};
  for (const fn of iface.functions.values()) functions[fn.qualifiedName] = witFunctionShape(fn);
  const types: Record<string, InterfaceShape['types'][string]> = {};
  for (const [name, def] of iface.types) {
    types[name] = unaliasTypeDef(def).body.kind === 'resource' ? { kind: 'resource', name } : defShape(def);
  }
  return { id, functions, types };
}

function collect(items: ReadonlyMap<string, WitWorldItem>) {
  const interfaces: Record<string, InterfaceShape> = {};
  const functions: Record<string, FunctionShape> = {};
  for (const [key, item] of items) {
    if (item.kind === 'interface') interfaces[key] = witInterfaceShape(item.interface, key);
    else if (item.kind === 'function') functions[key] = witFunctionShape(item.function);
  }
  return { interfaces, functions };
}

/**
 * What a world of resolved WIT imports and exports, in the same structural model as
 * {@link describeComponentWorld}: what a component built for the world would carry.
 *
 * @example
 * ```ts
 * const resolve = await resolveWitPath(witDir);
 * const expected = describeWitWorld(selectWorld(resolve, 'processor-plugin'));
 * ```
 */
export function describeWitWorld(world: WitWorld): WorldShape {
  const imports = collect(world.imports);
  const exports = collect(world.exports);
  return {
    imports: imports.interfaces,
    exports: exports.interfaces,
    importFunctions: imports.functions,
    exportFunctions: exports.functions,
  };
}
