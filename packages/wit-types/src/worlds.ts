import { fileURLToPath } from 'node:url';
import generated from '../generated/worlds.json' with { type: 'json' };

/** A world of the witkit plugin contracts, with the interfaces it imports and exports. */
export interface WorldInfo {
  /** Short name, as written after `world` in the WIT (e.g. `processor-plugin`). */
  readonly name: string;
  /** Fully qualified id, e.g. `witkit:plugin-system/processor-plugin@0.1.0`. */
  readonly id: string;
  /** Versioned ids of the interfaces a component of this world imports. */
  readonly imports: readonly string[];
  /** Versioned ids of the interfaces a component of this world exports. */
  readonly exports: readonly string[];
}

/**
 * Absolute path of the folder holding the witkit .wit files (the package plus its `deps/`),
 * ready to pass to WIT tools such as `componentize-js --wit`.
 */
export const witDir: string = fileURLToPath(new URL('../wit', import.meta.url));

/** Id of the root WIT package, e.g. `witkit:plugin-system@0.1.0`. */
export const packageId: string = generated.package;

/** Every world of the root WIT package. */
export const worlds: readonly WorldInfo[] = generated.worlds;

/**
 * Looks a world up by short name or full id.
 *
 * @returns the world, or `undefined` when the contracts define no such world
 */
export function findWorld(nameOrId: string): WorldInfo | undefined {
  return worlds.find((w) => w.name === nameOrId || w.id === nameOrId);
}

/**
 * The world whose exports are exactly the interfaces `exports` names (other names, such as
 * world-level functions without a `:`, are ignored).
 *
 * @returns the world, or `undefined` when no world of the contracts exports exactly those
 */
export function findWorldByExports(exports: Iterable<string>): WorldInfo | undefined {
  const exported = new Set([...exports].filter((e) => e.includes(':')));
  return worlds.find((w) => w.exports.length === exported.size && w.exports.every((e) => exported.has(e)));
}
