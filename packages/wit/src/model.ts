/**
 * The resolved model of a set of WIT packages: every name is bound to the object it refers to.
 *
 * @module
 */
import type { PrimitiveName } from './ast.js';

export type { PrimitiveName } from './ast.js';

/**
 * Feature gates of an item, from `@since(version = ...)`, `@unstable(feature = ...)` and
 * `@deprecated(version = ...)`. Items without attributes have an empty object.
 */
export interface WitStability {
  readonly since?: string;
  readonly unstable?: string;
  readonly deprecated?: string;
}

/**
 * A type as used in a field, parameter or result. Named types are `ref`s to their
 * {@link WitTypeDef}; anonymous composites (`list<u8>`, `tuple<...>`) are inline.
 * A `ref` to a resource means an owned handle, like `own<T>`.
 */
export type WitType =
  | { readonly kind: PrimitiveName }
  | { readonly kind: 'ref'; readonly def: WitTypeDef }
  | { readonly kind: 'list'; readonly element: WitType; readonly length?: number }
  | { readonly kind: 'option'; readonly type: WitType }
  | { readonly kind: 'result'; readonly ok?: WitType; readonly err?: WitType }
  | { readonly kind: 'tuple'; readonly types: readonly WitType[] }
  | { readonly kind: 'own' | 'borrow'; readonly resource: WitTypeDef }
  | { readonly kind: 'future' | 'stream'; readonly type?: WitType }
  | { readonly kind: 'error-context' };

/** A named field, case or flag with its docs. */
export interface WitNamed {
  readonly name: string;
  readonly docs?: string;
}

/** The definition behind a named type. */
export type WitTypeDefBody =
  | {
      readonly kind: 'alias';
      readonly type: WitType;
      /** Set when the alias was created by `use iface.{name}`: the interface the name came from. */
      readonly usedFrom?: WitInterface;
    }
  | { readonly kind: 'record'; readonly fields: readonly (WitNamed & { readonly type: WitType })[] }
  | { readonly kind: 'variant'; readonly cases: readonly (WitNamed & { readonly type?: WitType })[] }
  | { readonly kind: 'enum'; readonly cases: readonly WitNamed[] }
  | {
      readonly kind: 'flags';
      /**
       * The flags in order. More than 32 is valid WIT, but components cannot carry them; the ABI
       * layer is where that is rejected.
       */
      readonly flags: readonly WitNamed[];
    }
  | {
      readonly kind: 'resource';
      /** Constructor, methods and static functions, in source order. */
      readonly functions: readonly WitFunction[];
    };

/** A named type definition in an interface or world. */
export interface WitTypeDef {
  readonly name: string;
  /** The interface or world the definition lives in. */
  readonly owner: WitInterface | WitWorld;
  readonly docs?: string;
  readonly stability: WitStability;
  /** Filled in during resolution; always set on a returned model. */
  body: WitTypeDefBody;
}

/** A function parameter. */
export interface WitParam {
  readonly name: string;
  readonly type: WitType;
}

/** A function: freestanding, or a constructor, method or static function of a resource. */
export interface WitFunction {
  /** The name as written; `constructor` for constructors. */
  readonly name: string;
  /**
   * The component-level name: `name`, `[constructor]r`, `[method]r.name` or `[static]r.name`.
   * Unique within its interface or world.
   */
  readonly qualifiedName: string;
  readonly kind: 'freestanding' | 'constructor' | 'method' | 'static';
  /** The resource a constructor, method or static function belongs to. */
  readonly resource?: WitTypeDef;
  readonly async: boolean;
  /** Parameters; methods start with the implicit `self: borrow<R>`. */
  readonly params: readonly WitParam[];
  /** The result type; constructors without `->` return `own<R>`. */
  readonly result?: WitType;
  readonly docs?: string;
  readonly stability: WitStability;
}

/** A package, identified by namespace, name and optional version. */
export interface WitPackage {
  readonly namespace: string;
  readonly name: string;
  readonly version?: string;
  /** `namespace:name` or `namespace:name@version`. */
  readonly id: string;
  readonly docs?: string;
  /** Named interfaces, in source order (files in the order given). */
  readonly interfaces: ReadonlyMap<string, WitInterface>;
  readonly worlds: ReadonlyMap<string, WitWorld>;
}

/** An interface: named in a package, or inline in a world (`import x: interface { ... }`). */
export interface WitInterface {
  readonly kind: 'interface';
  /** Absent for inline interfaces of a world. */
  readonly name?: string;
  /** `ns:pkg/name@version` for named interfaces. */
  readonly id?: string;
  readonly package: WitPackage;
  readonly docs?: string;
  readonly stability: WitStability;
  /** Type definitions, including the aliases created by `use`. */
  readonly types: ReadonlyMap<string, WitTypeDef>;
  /** Functions by qualified name, resource functions included. */
  readonly functions: ReadonlyMap<string, WitFunction>;
  /** Interfaces this one takes types from with `use`, in order of first use. */
  readonly uses: readonly WitInterface[];
}

/** Something a world imports or exports. */
export type WitWorldItem =
  | {
      readonly kind: 'interface';
      readonly interface: WitInterface;
      /**
       * True when the world did not name the interface itself: it came in because another item
       * uses its types, or through `include`.
       */
      readonly implicit: boolean;
    }
  | { readonly kind: 'function'; readonly function: WitFunction }
  | { readonly kind: 'type'; readonly type: WitTypeDef };

/** A world with its imports and exports fully elaborated. */
export interface WitWorld {
  readonly kind: 'world';
  readonly name: string;
  /** `ns:pkg/name@version`. */
  readonly id: string;
  readonly package: WitPackage;
  readonly docs?: string;
  readonly stability: WitStability;
  /**
   * Imports by key: the interface id for named interfaces, the kebab name otherwise. Includes
   * interfaces imported implicitly, before the items that need them.
   */
  readonly imports: ReadonlyMap<string, WitWorldItem>;
  /** Exports by key, like `imports`. */
  readonly exports: ReadonlyMap<string, WitWorldItem>;
}

/** The result of resolving a root package and its dependencies. */
export interface WitResolve {
  /** The package the input was about (the directory or file given). */
  readonly root: WitPackage;
  /** Every package, dependencies before the packages that use them. */
  readonly packages: readonly WitPackage[];
}
