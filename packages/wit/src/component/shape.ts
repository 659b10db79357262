/**
 * The structural model of what a component imports and exports: every type expanded to its
 * shape, so two components can be compared without trusting the names they give their types.
 * Plain data (no maps, no cycles): it serializes to JSON as is.
 *
 * @module
 */

import type { PrimitiveName } from '../model.js';

/** The scalar types of WIT: its primitives, and `error-context`. */
export type PrimitiveKind = PrimitiveName | 'error-context';

/** Where a resource is defined: its interface (or world) and its name there. */
export interface ResourceRef {
  /** Full id of the interface that defines it, e.g. `witkit:host-api/host-services@0.1.0`. */
  readonly interface: string;
  /** The resource's name in that interface. */
  readonly name: string;
}

/**
 * A value type, fully expanded. `name` is the type's name where it had one (a record, an enum,
 * an alias such as `timestamp`); comparisons ignore it and look at the shape alone.
 */
export type ValueShape = (
  | { readonly kind: PrimitiveKind }
  | {
      readonly kind: 'record';
      readonly fields: readonly { readonly name: string; readonly type: ValueShape }[];
    }
  | {
      readonly kind: 'variant';
      readonly cases: readonly { readonly name: string; readonly type?: ValueShape }[];
    }
  | { readonly kind: 'enum'; readonly cases: readonly string[] }
  | { readonly kind: 'flags'; readonly flags: readonly string[] }
  | { readonly kind: 'list'; readonly element: ValueShape; readonly length?: number }
  | { readonly kind: 'tuple'; readonly types: readonly ValueShape[] }
  | { readonly kind: 'option'; readonly type: ValueShape }
  | { readonly kind: 'result'; readonly ok?: ValueShape; readonly err?: ValueShape }
  | { readonly kind: 'own' | 'borrow'; readonly resource: ResourceRef }
  | { readonly kind: 'future' | 'stream'; readonly type?: ValueShape }
) & { readonly name?: string };

/** A function: freestanding, or a constructor, method or static function of a resource. */
export interface FunctionShape {
  /** The component-level name: `process`, `[constructor]logger`, `[method]logger.log`, `[static]r.f`. */
  readonly name: string;
  /** Parameters in order; methods start with `self: borrow<R>`. */
  readonly params: readonly { readonly name: string; readonly type: ValueShape }[];
  readonly result?: ValueShape;
  /** Set for `async` functions. */
  readonly async?: true;
}

/** An imported or exported interface. */
export interface InterfaceShape {
  /** Full id (`ns:pkg/name@version`), or the plain name of an interface defined inline in a world. */
  readonly id: string;
  /** Functions by component-level name. */
  readonly functions: Readonly<Record<string, FunctionShape>>;
  /** Named types (records, variants, resources, aliases) by name, as the interface exports them. */
  readonly types: Readonly<
    Record<string, ValueShape | { readonly kind: 'resource'; readonly name?: string }>
  >;
}

/** What a component (or a world) imports and exports. */
export interface WorldShape {
  /** Imported interfaces by id. */
  readonly imports: Readonly<Record<string, InterfaceShape>>;
  /** Exported interfaces by id. */
  readonly exports: Readonly<Record<string, InterfaceShape>>;
  /** Functions imported directly by the world (not through an interface), by name. */
  readonly importFunctions: Readonly<Record<string, FunctionShape>>;
  /** Functions exported directly by the world, by name. */
  readonly exportFunctions: Readonly<Record<string, FunctionShape>>;
}

/** A value type in WIT syntax: its name when it has one, its structure otherwise. */
export function renderType(type: ValueShape | undefined): string {
  if (type === undefined) return '_';
  if (type.name !== undefined) return type.name;
  return renderStructure(type);
}

/** A value type's structure in WIT syntax, one level deep (named members by their name). */
export function renderStructure(type: ValueShape): string {
  switch (type.kind) {
    case 'record':
      return `record { ${type.fields.map((f) => `${f.name}: ${renderType(f.type)}`).join(', ')} }`;
    case 'variant':
      return `variant { ${type.cases.map((c) => (c.type ? `${c.name}(${renderType(c.type)})` : c.name)).join(', ')} }`;
    case 'enum':
      return `enum { ${type.cases.join(', ')} }`;
    case 'flags':
      return `flags { ${type.flags.join(', ')} }`;
    case 'list':
      return `list<${renderType(type.element)}${type.length === undefined ? '' : `, ${type.length}`}>`;
    case 'tuple':
      return `tuple<${type.types.map(renderType).join(', ')}>`;
    case 'option':
      return `option<${renderType(type.type)}>`;
    case 'result':
      if (type.ok === undefined && type.err === undefined) return 'result';
      if (type.err === undefined) return `result<${renderType(type.ok)}>`;
      return `result<${renderType(type.ok)}, ${renderType(type.err)}>`;
    case 'own':
      return type.resource.name;
    case 'borrow':
      return `borrow<${type.resource.name}>`;
    case 'future':
    case 'stream':
      return type.type === undefined ? type.kind : `${type.kind}<${renderType(type.type)}>`;
    default:
      return type.kind;
  }
}

/** A function's signature in WIT syntax, e.g. `func(input: list<u8>) -> bool`. */
export function renderSignature(fn: FunctionShape): string {
  const params = fn.params.map((p) => `${p.name}: ${renderType(p.type)}`).join(', ');
  return `${fn.async ? 'async ' : ''}func(${params})${fn.result ? ` -> ${renderType(fn.result)}` : ''}`;
}

/** How a function is called in prose: `process`, `logger.log`, `logger.constructor`. */
export function functionLabel(name: string): string {
  const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(name);
  if (!m) return name;
  return m[1] === 'constructor' ? `${m[2]}.constructor` : `${m[2]}.${m[3]}`;
}
