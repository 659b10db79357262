import { existsSync, type Stats } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type PluginManifest, readManifest } from '@witkit/security';
import { PluginError } from './errors.js';

/** A plugin found in a plugin directory, not yet loaded. */
export interface DiscoveredPlugin {
  /** Name from the manifest, else the component's file name. */
  readonly name: string;
  /** The component file (through the symlink, when the entry is one). */
  readonly path: string;
  /** The manifest, when there is one. */
  readonly manifest?: PluginManifest;
  /**
   * Why the plugin cannot be loaded: a bad manifest, or a symlink whose target does not exist
   * (`WITKIT_PLUGIN_NOT_FOUND`); the others load regardless.
   */
  readonly error?: unknown;
}

/**
 * Lists the plugins in `dir`: every sub-folder with a `plugin.toml` (its `entrypoint` names
 * the component), and every bare `*.wasm` file (no manifest: default permissions). Symlinks
 * are followed, to files and to folders alike. A broken manifest or a dangling symlink is
 * reported on its entry rather than thrown, so one bad plugin hides no other.
 */
export async function discoverPlugins(dir: string): Promise<DiscoveredPlugin[]> {
  const found: DiscoveredPlugin[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    let target: Stats | typeof entry = entry;
    if (entry.isSymbolicLink()) {
      const followed = await followLink(path);
      if (followed instanceof PluginError) {
        // Editors' lock files (`.#name`) are dangling links too; they are no plugins.
        if (!entry.name.startsWith('.')) found.push({ name: followed.plugin, path, error: followed });
        continue;
      }
      target = followed;
    }
    if (target.isFile() && entry.name.endsWith('.wasm')) {
      found.push({ name: basename(entry.name, '.wasm'), path });
    } else if (target.isDirectory() && existsSync(join(path, 'plugin.toml'))) {
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

/** What the symlink at `path` points to, or the error saying it points nowhere. */
async function followLink(path: string): Promise<Stats | PluginError> {
  try {
    return await stat(path);
  } catch (cause) {
    const name = basename(path, '.wasm');
    const to = await readlink(path).then(
      (link) => ` to \`${resolve(path, '..', link)}\``,
      () => '',
    );
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'which does not exist' : `which cannot be followed (${code ?? String(cause)})`;
    return new PluginError(
      'WITKIT_PLUGIN_NOT_FOUND',
      name,
      `\`${path}\` is a symlink${to}, ${why}; build the plugin there or fix or remove the link`,
      { cause },
    );
  }
}
