/**
 * Syntax tree of one WIT file, as produced by {@link parseWit}. Names are unresolved; the
 * resolver turns a set of these into a {@link WitResolve}.
 *
 * @module
 */

/** An identifier with the offset it was written at. */
export interface AstIdent {
  readonly name: string;
  readonly start: number;
}

/** Feature gates from `@since`, `@unstable` and `@deprecated` attributes. */
export interface AstGate {
  readonly since?: string;
  readonly unstable?: string;
  readonly deprecated?: string;
  /** Offset of the first gate attribute, for errors. */
  readonly start: number;
}

/** `ns:name@version` as written; `version` is the normalized semver text. */
export interface AstPackageName {
  readonly namespace: string;
  readonly name: string;
  readonly version?: string;
  readonly start: number;
}

/** A reference to an interface or world: a local name, or `ns:pkg/item@version`. */
export type AstUsePath =
  | { readonly kind: 'local'; readonly name: AstIdent }
  | { readonly kind: 'package'; readonly package: AstPackageName; readonly name: AstIdent };

/** A type expression. */
export type AstType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName; readonly start: number }
  | { readonly kind: 'named'; readonly name: AstIdent }
  | { readonly kind: 'list'; readonly element: AstType; readonly length?: number; readonly start: number }
  | { readonly kind: 'option'; readonly type: AstType; readonly start: number }
  | { readonly kind: 'result'; readonly ok?: AstType; readonly err?: AstType; readonly start: number }
  | { readonly kind: 'tuple'; readonly types: readonly AstType[]; readonly start: number }
  | {
      readonly kind: 'handle';
      readonly handle: 'own' | 'borrow';
      readonly resource: AstIdent;
      readonly start: number;
    }
  | { readonly kind: 'future' | 'stream'; readonly type?: AstType; readonly start: number }
  | { readonly kind: 'error-context'; readonly start: number };

/** Names of the primitive types. */
export type PrimitiveName =
  | 'bool'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 'f32'
  | 'f64'
  | 'char'
  | 'string';

/** Common fields of items that carry docs and gates. */
export interface AstItemBase {
  readonly docs?: string;
  readonly gate?: AstGate;
}

/** A named field, case, flag or parameter. */
export interface AstNamed extends AstItemBase {
  readonly name: AstIdent;
}

/** A function signature. */
export interface AstFunc {
  readonly async: boolean;
  readonly params: readonly (AstNamed & { readonly type: AstType })[];
  readonly result?: AstType;
  readonly start: number;
}

/** A method, static function or constructor inside a `resource { ... }` block. */
export interface AstResourceFunc extends AstItemBase {
  readonly kind: 'method' | 'static' | 'constructor';
  /** For constructors, the `constructor` keyword as an identifier. */
  readonly name: AstIdent;
  readonly func: AstFunc;
}

/** A type definition. */
export type AstTypeDef = AstItemBase & { readonly name: AstIdent } & (
    | { readonly kind: 'alias'; readonly type: AstType }
    | { readonly kind: 'record'; readonly fields: readonly (AstNamed & { readonly type: AstType })[] }
    | { readonly kind: 'variant'; readonly cases: readonly (AstNamed & { readonly type?: AstType })[] }
    | { readonly kind: 'enum'; readonly cases: readonly AstNamed[] }
    | { readonly kind: 'flags'; readonly flags: readonly AstNamed[] }
    | { readonly kind: 'resource'; readonly funcs: readonly AstResourceFunc[] }
  );

/** `use path.{a, b as c};` inside an interface or world. */
export interface AstUse extends AstItemBase {
  readonly kind: 'use';
  readonly path: AstUsePath;
  readonly names: readonly { readonly name: AstIdent; readonly as?: AstIdent }[];
  readonly start: number;
}

/** An item of an interface body. */
export type AstInterfaceItem =
  | AstUse
  | { readonly kind: 'typedef'; readonly def: AstTypeDef }
  | (AstItemBase & { readonly kind: 'func'; readonly name: AstIdent; readonly func: AstFunc });

/** `interface name { ... }`. */
export interface AstInterface extends AstItemBase {
  readonly kind: 'interface';
  readonly name: AstIdent;
  readonly items: readonly AstInterfaceItem[];
}

/** What a world imports or exports. */
export type AstExtern =
  | { readonly kind: 'path'; readonly path: AstUsePath }
  | { readonly kind: 'func'; readonly name: AstIdent; readonly func: AstFunc }
  | { readonly kind: 'interface'; readonly name: AstIdent; readonly items: readonly AstInterfaceItem[] };

/** An item of a world body. */
export type AstWorldItem =
  | (AstItemBase & { readonly kind: 'import' | 'export'; readonly extern: AstExtern; readonly start: number })
  | AstUse
  | { readonly kind: 'typedef'; readonly def: AstTypeDef }
  | (AstItemBase & {
      readonly kind: 'include';
      readonly path: AstUsePath;
      readonly with: readonly { readonly from: AstIdent; readonly to: AstIdent }[];
      readonly start: number;
    });

/** `world name { ... }`. */
export interface AstWorld extends AstItemBase {
  readonly kind: 'world';
  readonly name: AstIdent;
  readonly items: readonly AstWorldItem[];
}

/** Top-level `use ns:pkg/iface as name;`. */
export interface AstTopUse extends AstItemBase {
  readonly kind: 'top-use';
  readonly path: AstUsePath;
  readonly as?: AstIdent;
  readonly start: number;
}

/** An item at package level. */
export type AstPackageItem = AstInterface | AstWorld | AstTopUse;

/** A nested `package ns:name { ... }` block. */
export interface AstNestedPackage {
  readonly docs?: string;
  readonly name: AstPackageName;
  readonly items: readonly AstPackageItem[];
}

/** One parsed WIT file. */
export interface AstFile {
  /** File name given to the parser, used in error locations. */
  readonly file: string;
  /** Source text, kept for error snippets. */
  readonly source: string;
  /** The `package ns:name@version;` header, if the file has one. */
  readonly package?: AstPackageName;
  readonly packageDocs?: string;
  /** Interfaces, worlds and top-level `use`s of the file's own package. */
  readonly items: readonly AstPackageItem[];
  readonly nestedPackages: readonly AstNestedPackage[];
}
