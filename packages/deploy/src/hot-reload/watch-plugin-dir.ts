import { resolve } from 'node:path';
import { discoverPlugins, type PluginHost } from '@witkit/host';
import { watch } from 'chokidar';

/** What a {@link watchPluginDir} watcher did about one change. */
export type PluginDirChange =
  | { readonly kind: 'reloaded'; readonly plugin: string; readonly version: string; readonly sha256: string }
  | { readonly kind: 'loaded'; readonly plugin: string; readonly version: string; readonly sha256: string }
  | { readonly kind: 'failed'; readonly plugin: string; readonly path: string; readonly error: unknown };

/** Options of {@link watchPluginDir}. */
export interface WatchPluginDirOptions {
  /** Told of every reload, new load and failure. */
  readonly onChange?: (change: PluginDirChange) => void;
  /** How long a file must stay unchanged before it is read. @default 200 */
  readonly settleMs?: number;
  /** How long a replaced version may finish its in-flight calls. @default 10000 */
  readonly drainMs?: number;
}

/** A running plugin-folder watcher. */
export interface PluginDirWatcher {
  /** Resolves once the initial scan is done and changes are being watched. */
  readonly ready: Promise<void>;
  /** Stops watching; waits for a reload in progress to finish. */
  close(): Promise<void>;
}

/**
 * Hot reload from a plugin folder (the one `PluginHost.start` loaded): when a loaded plugin's
 * component file changes, the new bytes are loaded, initialized and swapped in while the old
 * version keeps serving, then the old one drains; a component that fails to load is reported
 * and never switched to. A new plugin that appears in the folder is loaded. Writes are
 * awaited until the file has been stable for `settleMs`, so a half-copied file is not read.
 */
export function watchPluginDir(
  host: PluginHost,
  dir: string,
  options: WatchPluginDirOptions = {},
): PluginDirWatcher {
  const root = resolve(dir);
  const report = options.onChange ?? (() => {});
  let pending: Promise<void> = Promise.resolve();
  const watcher = watch(root, {
    ignoreInitial: true,
    depth: 2,
    ignored: (path, stats) => stats?.isFile() === true && !path.endsWith('.wasm'),
    awaitWriteFinish: { stabilityThreshold: options.settleMs ?? 200, pollInterval: 50 },
  });

  const onFile = async (path: string) => {
    const loaded = host.list().filter((p) => p.path === path);
    for (const p of loaded) {
      try {
        const fresh = await host.reload(p.name, {
          version: p.version,
          deadlineMs: options.drainMs ?? 10_000,
        });
        report({ kind: 'reloaded', plugin: p.name, version: p.version, sha256: fresh.sha256 });
      } catch (error) {
        report({ kind: 'failed', plugin: p.name, path, error });
      }
    }
    if (loaded.length > 0) return;
    const found = (await discoverPlugins(root)).find((f) => f.path === path);
    if (!found) return;
    try {
      if (found.error) throw found.error;
      const plugin = await host.load({
        path,
        name: found.name,
        ...(found.manifest ? { manifest: found.manifest } : {}),
      });
      report({ kind: 'loaded', plugin: plugin.name, version: plugin.version, sha256: plugin.sha256 });
    } catch (error) {
      report({ kind: 'failed', plugin: found.name, path, error });
    }
  };
  // One change at a time: two quick writes of one file must not race two reloads.
  const enqueue = (path: string) => {
    pending = pending.then(() => onFile(path));
  };
  watcher.on('add', enqueue).on('change', enqueue);
  return {
    ready: new Promise((r) => watcher.once('ready', () => r())),
    async close() {
      await watcher.close();
      await pending;
    },
  };
}
