import type { ReleaseBundle } from '../release.js';
import { type CompatibilityReport, checkCompatibility } from './check.js';
import { describeComponentWorld } from './component-world.js';
import { assertCompatible } from './errors.js';
import { hostContract, loadHostContract, readContracts } from './host-contract.js';
import type { WorldShape } from './shape.js';

/** Options of {@link releaseCompatibilityCheck} and {@link compatibleWorlds}. */
export interface CompatibilityOptions {
  /** WIT folder of the contracts. @default the witkit contracts of `@witkit/wit-types` */
  readonly witDir?: string;
}

/**
 * A release gate: checks a release's component against the host's contract for the world the
 * release names (`release.world`), and against the release it replaces. Each plugin is thus held
 * to the world it was built for, so `plugin-v1` and `plugin-v2` plugins are served side by side.
 *
 * @param options.onReport - Receives every report, compatible or not (e.g. to log added exports).
 * @returns a function that resolves when the release may load
 * @throws {CompatibilityError} (from the returned function) `WITKIT_INCOMPATIBLE_WIT` with the report
 *
 * @example
 * ```ts
 * new Deployer({ host, versions, stateDir, checkCompatibility: releaseCompatibilityCheck() });
 * ```
 */
export function releaseCompatibilityCheck(
  options: CompatibilityOptions & {
    readonly onReport?: (report: CompatibilityReport, bundle: ReleaseBundle) => void;
  } = {},
): (input: { readonly bundle: ReleaseBundle; readonly previous?: ReleaseBundle }) => Promise<void> {
  return async ({ bundle, previous }) => {
    const host = await loadHostContract(bundle.release.world, options);
    const report = checkCompatibility({
      component: bundle.component,
      host,
      ...(previous ? { previous: previous.component } : {}),
    });
    options.onReport?.(report, bundle);
    assertCompatible(report, `${bundle.release.name}@${bundle.release.version}`);
  };
}

/**
 * The worlds of the contracts a component can be served as (its imports provided, every export
 * a world requires present with the world's signature), the one requiring the most exports first.
 *
 * @example
 * ```ts
 * await compatibleWorlds(bytes); // ['witkit:plugin-system/processor-plugin@0.1.0', '…/minimal-plugin@0.1.0']
 * ```
 */
export async function compatibleWorlds(
  component: Uint8Array | WorldShape,
  options: CompatibilityOptions = {},
): Promise<string[]> {
  const shape = component instanceof Uint8Array ? describeComponentWorld(component) : component;
  const resolve = await readContracts(options.witDir);
  const fits: { id: string; required: number }[] = [];
  for (const world of resolve.root.worlds.values()) {
    const host = hostContract(resolve, world.id);
    if (checkCompatibility({ component: shape, host }).compatible) {
      fits.push({ id: world.id, required: Object.keys(host.expects.exports).length });
    }
  }
  return fits.sort((a, b) => b.required - a.required).map((f) => f.id);
}
