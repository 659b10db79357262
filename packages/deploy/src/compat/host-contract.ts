import { resolveWitPath, selectWorld, type WitResolve } from '@witkit/wit';
import { witDir as contractsDir, type WorldInfo } from '@witkit/wit-types';
import type { FunctionShape, InterfaceShape } from './shape.js';
import { type NamedProvision, wasiProvisions } from './wasi.js';
import { describeWitWorld, witInterfaceShape } from './wit-world.js';

/** What the host gives a plugin to import. */
export interface HostProvisions {
  /** Interfaces described by WIT, checked function by function and type by type; by full id. */
  readonly interfaces: Readonly<Record<string, InterfaceShape>>;
  /** Interfaces known by function names only (WASI through preview2-shim); by unversioned id. */
  readonly byName: Readonly<Record<string, NamedProvision>>;
}

/** What the host provides to, and expects from, a plugin served as one world. */
export interface HostContract {
  /** Full id of the world the plugin is served as, e.g. `witkit:plugin-system/processor-plugin@0.1.0`. */
  readonly world: string;
  readonly provides: HostProvisions;
  /** What the world requires the component to export. */
  readonly expects: {
    /** Interfaces by full id. */
    readonly exports: Readonly<Record<string, InterfaceShape>>;
    /** Functions the world exports directly, by name. */
    readonly exportFunctions: Readonly<Record<string, FunctionShape>>;
  };
}

/**
 * The contract of a world of resolved WIT. The host provides every interface that some world of
 * the root package imports (the host implements the contracts' imports, whichever world a plugin
 * targets) plus `wasi` (defaults to the WASI the host serves).
 *
 * @param world - Short name in the root package, or full id.
 * @throws {WitError} `WITKIT_WIT_RESOLVE` when the world does not exist
 */
export function hostContract(
  resolve: WitResolve,
  world: string,
  wasi: Readonly<Record<string, NamedProvision>> = wasiProvisions(),
): HostContract {
  const served = selectWorld(resolve, world);
  const interfaces: Record<string, InterfaceShape> = {};
  for (const w of resolve.root.worlds.values()) {
    for (const [key, item] of w.imports) {
      if (item.kind === 'interface' && !(key in interfaces))
        interfaces[key] = witInterfaceShape(item.interface, key);
    }
  }
  const expected = describeWitWorld(served);
  return {
    world: served.id,
    provides: { interfaces, byName: wasi },
    expects: { exports: expected.exports, exportFunctions: expected.exportFunctions },
  };
}

const resolved = new Map<string, Promise<WitResolve>>();

/** The WIT of a folder, parsed once per process (a folder that failed to parse is read again). */
export function readContracts(dir: string = contractsDir): Promise<WitResolve> {
  let resolve = resolved.get(dir);
  if (!resolve) {
    resolve = resolveWitPath(dir);
    resolved.set(dir, resolve);
    resolve.catch(() => resolved.delete(dir));
  }
  return resolve;
}

/**
 * The contract of the host for a plugin served as `world`, from the witkit WIT contracts (or the
 * WIT folder given) and the WASI the host serves. The WIT is parsed once per folder and process.
 *
 * @param world - A world of the contracts: short name (`processor-plugin`), full id, or `findWorld`'s result.
 * @throws {WitError} when the WIT cannot be read or the world does not exist
 *
 * @example
 * ```ts
 * const host = await loadHostContract('processor-plugin');
 * const report = checkCompatibility({ component: bytes, host });
 * ```
 */
export async function loadHostContract(
  world: string | WorldInfo,
  options: { readonly witDir?: string } = {},
): Promise<HostContract> {
  return hostContract(await readContracts(options.witDir), typeof world === 'string' ? world : world.id);
}
