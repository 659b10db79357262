import type { WitInterface, WitWorld } from '@witkit/wit';
import { snake } from './names.js';

/** Which side of a world an interface is on: imported by the plugin, or exported by it. */
export type RustBindingsDirection = 'import' | 'export';

/**
 * Where the generated bindings of a world put each interface's items: the Rust module path
 * below the bindings' root (`exports::ns::pkg::iface` for an exported interface). Code written
 * against the bindings (such as a scaffolded plugin) names types through it, so it always
 * agrees with the generator.
 */
export class RustBindingsLayout {
  /** Imported interfaces, with their key in the world. */
  readonly imported = new Map<WitInterface, string>();
  /** Exported interfaces, with their key in the world. */
  readonly exported = new Map<WitInterface, string>();

  constructor(readonly world: WitWorld) {
    for (const [key, item] of world.imports)
      if (item.kind === 'interface') this.imported.set(item.interface, key);
    for (const [key, item] of world.exports)
      if (item.kind === 'interface') this.exported.set(item.interface, key);
  }

  /** The package's module name; versioned when the world uses two versions of the package. */
  packageSegment(iface: WitInterface): string {
    const pkg = iface.package;
    const versions = new Set<string | undefined>();
    for (const i of [...this.imported.keys(), ...this.exported.keys()]) {
      if (i.package.namespace === pkg.namespace && i.package.name === pkg.name)
        versions.add(i.package.version);
    }
    const base = snake(pkg.name);
    return versions.size > 1 && pkg.version !== undefined
      ? `${base}_v${pkg.version.replace(/[^A-Za-z0-9]/g, '_')}`
      : base;
  }

  /** The module path of an interface with world key `key`, on side `dir`. */
  interfaceSegments(iface: WitInterface, key: string, dir: RustBindingsDirection): string[] {
    const base =
      iface.name === undefined
        ? [snake(key)]
        : [snake(iface.package.namespace), this.packageSegment(iface), snake(iface.name)];
    return dir === 'export' ? ['exports', ...base] : base;
  }
}
