import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { findWorld } from '@witkit/wit-types';
import type { WorldExports } from '@witkit/wit-types/host';
import { type Logger as PinoLogger, pino } from 'pino';
import { PluginError } from './errors.js';
import { createHostServices, type PluginEvent } from './host-services.js';
import { type PluginInfo, type PluginStatus, wrapExports } from './plugin.js';
import { defaultCacheDir, loadTranspiled } from './transpile-cache.js';

/** Names of the worlds a plugin can target. */
export type WorldName = keyof WorldExports;

/** Options of {@link loadPlugin}. */
export interface LoadPluginOptions<W extends WorldName = WorldName> {
  /** The world the component must implement; also types {@link LoadedPlugin.exports}. */
  readonly world?: W;
  /**
   * Name the host knows the plugin by; scopes its logger, config store and data dir.
   * @default the file name without `.wasm`
   */
  readonly name?: string;
  /** Config passed to the plugin's `initialize`. @default [] */
  readonly config?: ReadonlyArray<readonly [string, string]>;
  /** Host logger; the plugin logs through a child tagged with its name. @default pino at info */
  readonly logger?: PinoLogger;
  /** Root of per-plugin state (config store, data dir). @default `.witkit/data` */
  readonly dataDir?: string;
  /** Where transpiled glue is cached. @default {@link defaultCacheDir} */
  readonly cacheDir?: string;
  /** Environment variables the plugin may read. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Receives the events the plugin emits. */
  readonly onEvent?: (event: PluginEvent) => void;
}

/** A plugin instance, initialized and ready for calls. */
export interface LoadedPlugin<E> extends PluginInfo {
  /** The component's exports, by interface (`basePlugin`, `dataProcessor`, … and full ids). */
  readonly exports: E;
  /** Current lifecycle status. */
  readonly status: PluginStatus;
  /** Whether the transpiled glue came from the disk cache. */
  readonly fromCache: boolean;
  /** Calls the plugin's `shutdown` (when its world has one); the instance takes no more calls. */
  shutdown(): void;
}

const hostServicesImport = 'witkit:host-api/host-services';

type LifecycleExports = {
  initialize?: (config: Array<[string, string]>) => void;
  shutdown?: () => void;
};

function lifecycleOf(exports: Record<string, unknown>): LifecycleExports | undefined {
  return (exports.basePlugin ?? exports.pluginApi) as LifecycleExports | undefined;
}

/**
 * Loads a component file, transpiles it (cached on disk by sha256 and jco version),
 * instantiates it in a WASI sandbox with no filesystem, network or environment of its own,
 * binds the host services to it, and calls its `initialize` with `config`.
 *
 * @example
 * ```ts
 * const plugin = await loadPlugin('dist/text-transformer.wasm', { world: 'processor-plugin' });
 * const res = plugin.exports.dataProcessor.process({ input, contentType: 'text/plain', options: [] });
 * ```
 * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND`, `WITKIT_LOAD_FAILED`, `WITKIT_UNKNOWN_IMPORT`, `WITKIT_INIT_FAILED`
 */
export async function loadPlugin<W extends WorldName>(
  path: string,
  options: LoadPluginOptions<W> = {},
): Promise<LoadedPlugin<WorldExports[W]>> {
  const file = resolve(path);
  const name = options.name ?? basename(file, extname(file));
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw cause.code === 'ENOENT'
      ? new PluginError('WITKIT_PLUGIN_NOT_FOUND', name, `no component at \`${file}\``, { cause })
      : new PluginError('WITKIT_LOAD_FAILED', name, `cannot read \`${file}\`: ${cause.message}`, { cause });
  });

  const world = options.world === undefined ? undefined : findWorld(options.world);
  if (options.world !== undefined && !world) {
    throw new PluginError('WITKIT_LOAD_FAILED', name, `unknown world \`${options.world}\``);
  }

  let transpiled: Awaited<ReturnType<typeof loadTranspiled>>;
  try {
    transpiled = await loadTranspiled(bytes, options.cacheDir ?? defaultCacheDir());
  } catch (cause) {
    throw new PluginError(
      'WITKIT_LOAD_FAILED',
      name,
      `\`${file}\` is not a loadable component: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }

  if (world) {
    const missing = world.exports.filter((id) => !transpiled.exports.includes(id));
    if (missing.length > 0) {
      throw new PluginError(
        'WITKIT_LOAD_FAILED',
        name,
        `the component does not implement world \`${world.id}\`: missing export ${missing.map((m) => `\`${m}\``).join(', ')}`,
      );
    }
  }

  const imports: Record<string, unknown> = {
    ...new WASIShim({
      sandbox: { preopens: {}, env: {}, args: [name], enableNetwork: false },
    }).getImportObject(),
    [hostServicesImport]: createHostServices({
      plugin: name,
      logger: options.logger ?? pino(),
      dataDir: resolve(options.dataDir ?? join('.witkit', 'data')),
      environment: options.environment ?? {},
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    }),
  };
  const unknown = transpiled.imports.filter((i) => !(i in imports));
  if (unknown.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      name,
      `the component imports ${unknown.map((i) => `\`${i}\``).join(', ')}, which this host does not provide`,
    );
  }

  let raw: Record<string, unknown>;
  try {
    raw = await transpiled.instantiate(imports);
  } catch (cause) {
    throw new PluginError(
      'WITKIT_LOAD_FAILED',
      name,
      `instantiation failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  let status: PluginStatus = 'uninitialized';
  const exports = wrapExports<WorldExports[W]>(name, raw, () => {
    status = 'errored';
  });
  const lifecycle = lifecycleOf(exports as unknown as Record<string, unknown>);
  try {
    lifecycle?.initialize?.((options.config ?? []).map(([k, v]) => [k, v]));
  } catch (cause) {
    throw new PluginError(
      'WITKIT_INIT_FAILED',
      name,
      `initialize failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  status = 'ready';

  return {
    name,
    path: file,
    sha256: transpiled.sha256,
    world: world?.id,
    loadedAt: new Date(),
    fromCache: transpiled.fromCache,
    exports,
    get status() {
      return status;
    },
    shutdown() {
      if (status === 'uninitialized') return;
      try {
        lifecycle?.shutdown?.();
      } finally {
        status = 'uninitialized';
      }
    },
  };
}
