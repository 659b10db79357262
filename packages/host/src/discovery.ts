import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type PluginManifest, readManifest } from '@witkit/security';

/** A plugin found in a plugin directory, not yet loaded. */
export interface DiscoveredPlugin {
  /** Name from the manifest, else the component's file name. */
  readonly name: string;
  /** The component file. */
  readonly path: string;
  /** The manifest, when there is one. */
  readonly manifest?: PluginManifest;
  /** Why the plugin cannot be loaded (e.g. a bad manifest); the others load regardless. */
  readonly error?: unknown;
}

/**
 * Lists the plugins in `dir`: every sub-folder with a `plugin.toml` (its `entrypoint` names
 * the component), and every bare `*.wasm` file (no manifest: default permissions). A broken
 * manifest is reported on its entry rather than thrown, so one bad plugin hides no other.
 */
export async function discoverPlugins(dir: string): Promise<DiscoveredPlugin[]> {
  const found: DiscoveredPlugin[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.wasm')) {
      found.push({ name: basename(entry.name, '.wasm'), path });
    } else if (entry.isDirectory() && existsSync(join(path, 'plugin.toml'))) {
      try {
        const manifest = await readManifest(join(path, 'plugin.toml'));
        found.push({ name: manifest.plugin.name, path: join(path, manifest.plugin.entrypoint), manifest });
      } catch (error) {
        found.push({ name: entry.name, path: join(path, 'plugin.toml'), error });
      }
    }
  }
  return found;
}
