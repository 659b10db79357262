import type { WorldExports } from '@witkit/wit-types/host';
import type { AsyncExports } from './plugin.js';

/** A value, or a promise of it: what a host function may return (promises need worker isolation). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A world from the application's own WIT package, as `witkit wit types` generates it: plain data
 * at run time (what the world imports and exports), with the TypeScript types of its exports
 * and of the imports the host must implement attached at the type level.
 *
 * @example
 * ```ts
 * import { notesPlugin } from './generated/notes-plugin.js'; // written by `witkit wit types wit --out src/generated`
 * const plugin = await loadPlugin('dist/notes.wasm', {
 *   world: notesPlugin,
 *   imports: { 'acme:notes/host-store@0.1.0': { get: (key) => store.get(key), set: (k, v) => void store.set(k, v) } },
 * });
 * plugin.exports.notes.save({ title: 'a', body: 'b' }); // typed by the world
 * ```
 */
export interface WorldBinding<Exports = unknown, AsyncExports = unknown, Imports = unknown> {
  /** Short name, as written after `world` in the WIT (`notes-plugin`). */
  readonly name: string;
  /** Fully qualified id (`acme:notes/notes-plugin@0.1.0`). */
  readonly id: string;
  /** Versioned ids of the interfaces the world imports. */
  readonly imports: readonly string[];
  /** Versioned ids of the interfaces the world exports. */
  readonly exports: readonly string[];
  /** Functions the world exports directly, by WIT (kebab-case) name. */
  readonly exportFunctions: readonly string[];
  /** Functions the world imports directly, by WIT (kebab-case) name. */
  readonly importFunctions: readonly string[];
  /** Type-level only, never present at run time: the world's export and import types. */
  readonly __types?: {
    /** Exports as {@link loadPlugin} serves them: synchronous, resources as classes. */
    readonly exports: Exports;
    /** Exports as `Plugin.exports` serves them: every call returns a promise. */
    readonly asyncExports: AsyncExports;
    /** What the host passes as `imports`, by interface id. */
    readonly imports: Imports;
  };
}

/**
 * Host implementations of a component's imports, by versioned (or unversioned) interface id;
 * each an object of functions (lowerCamelCase) and classes (PascalCase, for resources).
 * Functions the world imports directly go under `'$root'`.
 */
export type HostImports = { readonly [id: string]: object };

/** What a world is given as: a name of the witkit contracts, or a binding of your own WIT. */
export type WorldRef = keyof WorldExports | WorldBinding;

type BindingTypes<W> =
  W extends WorldBinding<infer E, infer A, infer I> ? { exports: E; asyncExports: A; imports: I } : never;

/**
 * The exports of a plugin loaded without a world: whatever it exports, untyped. Generate a
 * {@link WorldBinding} with `witkit wit types` to have them typed.
 */
// biome-ignore lint/suspicious/noExplicitAny: untyped on purpose, as jco's glue is
export type UntypedExports = Record<string, any>;

/** The synchronous exports type of a world (what {@link loadPlugin} serves). */
export type ExportsOf<W> = [W] extends [undefined]
  ? UntypedExports
  : W extends keyof WorldExports
    ? WorldExports[W]
    : W extends WorldBinding
      ? BindingTypes<W>['exports']
      : UntypedExports;

/** The asynchronous exports type of a world (what `Plugin.exports` serves). */
export type AsyncExportsOf<W> = [W] extends [undefined]
  ? UntypedExports
  : W extends keyof WorldExports
    ? AsyncExports<WorldExports[W]>
    : W extends WorldBinding
      ? BindingTypes<W>['asyncExports']
      : UntypedExports;

/** The imports a host must pass for a world: exactly typed for a binding, open otherwise. */
export type ImportsOf<W> =
  W extends WorldBinding<unknown, unknown, infer I> ? (unknown extends I ? HostImports : I) : HostImports;

/** Whether `world` is a {@link WorldBinding} rather than a contracts world name. */
export function isWorldBinding(world: unknown): world is WorldBinding {
  return (
    typeof world === 'object' &&
    world !== null &&
    typeof (world as WorldBinding).id === 'string' &&
    Array.isArray((world as WorldBinding).exports)
  );
}
