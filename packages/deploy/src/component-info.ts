import { describeComponentWorld } from './compat/component-world.js';

/** The interfaces a component imports and exports, as its embedded WIT names them. */
export interface ComponentInterfaces {
  readonly imports: readonly string[];
  readonly exports: readonly string[];
}

/**
 * Reads the interface ids a component imports and exports from its binary.
 *
 * @throws {CompatibilityError} `WITKIT_UNREADABLE_COMPONENT` for bytes that are not a component
 */
export async function componentInterfaces(component: Uint8Array): Promise<ComponentInterfaces> {
  const shape = describeComponentWorld(component);
  return { imports: Object.keys(shape.imports), exports: Object.keys(shape.exports) };
}

/** Versions of the WIT packages that `ids` (e.g. `wasi:cli/stdout@0.2.12`) belong to, by package. */
export function packageVersions(ids: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const id of ids) {
    const m = /^([a-z0-9-]+:[a-z0-9-]+)\/[^@]+@(.+)$/.exec(id);
    if (m) out[m[1]!] = m[2]!;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
