import { basename, extname, join, resolve } from 'node:path';
import type { WorldShape } from '@witkit/wit';
import { findWorld } from '@witkit/wit-types';
import type { Logger as PinoLogger } from 'pino';
import { ComponentCache } from './component-cache.js';
import { compileComponentFile, worldOfComponent } from './component-checks.js';
import { defaultLogger } from './default-logger.js';
import { PluginError } from './errors.js';
import { classifyCallError } from './faults.js';
import { createHostServices, type PluginEvent } from './host-services.js';
import { bindImportsInThread } from './imports/bind-imports.js';
import { applicationImports } from './imports/import-plan.js';
import {
  checkImports,
  createInstance,
  type PluginInstance,
  type RawExports,
  shutdownInstance,
} from './instance.js';
import type { PluginStatus } from './plugin.js';
import { buildExports } from './resources/export-proxies.js';
import { handleCarriers, mapHandles } from './resources/handles.js';
import { logStdio } from './stdio.js';
import type { ExportsOf, HostImports, ImportsOf, WorldBinding, WorldRef } from './world-binding.js';

/** Options of {@link loadPlugin}. */
export interface LoadPluginOptions<W extends WorldRef | undefined = undefined> {
  /**
   * The world the component must implement: a world of the witkit contracts by name, or a
   * {@link WorldBinding} of your own WIT (from `witkit wit types`); also types
   * {@link LoadedPlugin.exports} and {@link LoadPluginOptions.imports}.
   */
  readonly world?: W;
  /**
   * Your implementations of the component's imports, by interface id
   * (`'acme:notes/host-store@0.1.0'`): functions and resource classes. witkit's host services
   * and the sandboxed WASI are provided; these are added to them.
   */
  readonly imports?: ImportsOf<W>;
  /**
   * Name the host knows the plugin by; scopes its logger, config store and data dir.
   * @default the file name without `.wasm`
   */
  readonly name?: string;
  /** Config passed to the plugin's `initialize`. @default [] */
  readonly config?: ReadonlyArray<readonly [string, string]>;
  /**
   * Host logger; the plugin logs through a child tagged with its name, and so do its stdout
   * (at `info`) and stderr (at `warn`).
   * @default {@link defaultLogger}: warnings and errors (or `LOG_LEVEL`) as text on stderr
   */
  readonly logger?: PinoLogger;
  /** Root of per-plugin state (config store, data dir). @default `.witkit/data` */
  readonly dataDir?: string;
  /** Where transpiled glue is cached. @default `~/.cache/witkit/transpiled` */
  readonly cacheDir?: string;
  /** Environment variables the plugin may read. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Receives the events the plugin emits, synchronously. */
  readonly onEvent?: (event: PluginEvent) => void;
  /**
   * Whether calls may skip jco's glue for exports the component's binary proves simple
   * (synchronous UTF-8 lifts of scalars, strings and byte lists); `false` sends every call
   * through jco. Either way the answers are the same. @default true
   */
  readonly fastPath?: boolean;
}

/** One plugin instance in this thread, initialized, with synchronous exports. */
export interface LoadedPlugin<E> {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  /** Full id of the world it was checked against, when one was given. */
  readonly world: string | undefined;
  readonly loadedAt: Date;
  /** The component's exports, by interface (`basePlugin`, `dataProcessor`, … and full ids). */
  readonly exports: E;
  /** Current lifecycle status. */
  readonly status: PluginStatus;
  /** Whether the component was already compiled in memory or transpiled on disk (no jco run). */
  readonly fromCache: boolean;
  /** Calls the plugin's `shutdown` (when its world has one); the instance takes no more calls. */
  shutdown(): void;
}

const caches = new Map<string, ComponentCache>();

/**
 * Loads one instance of a component in this thread, for scripts, tests and tools: calls are
 * synchronous and nothing is pooled, watched or shared. Servers want {@link PluginHost}.
 * The instance runs in a WASI sandbox with no filesystem, network or environment of its
 * own, with the host services bound to it, after its `initialize` ran with `config`.
 *
 * @example
 * ```ts
 * const plugin = await loadPlugin('dist/text-transformer.wasm', { world: 'processor-plugin' });
 * const res = plugin.exports.dataProcessor.process({ input, contentType: 'text/plain', options: [] });
 * ```
 * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND`, `WITKIT_LOAD_FAILED`, `WITKIT_UNKNOWN_IMPORT`, `WITKIT_INIT_FAILED`
 */
export async function loadPlugin<W extends WorldRef | undefined = undefined>(
  path: string,
  options: LoadPluginOptions<W> = {},
): Promise<LoadedPlugin<ExportsOf<W>>> {
  const file = resolve(path);
  const name = options.name ?? basename(file, extname(file));
  if (typeof options.world === 'string' && !findWorld(options.world)) {
    throw new PluginError('WITKIT_LOAD_FAILED', name, `unknown world \`${options.world}\``);
  }
  const cacheKey = options.cacheDir ?? '';
  let cache = caches.get(cacheKey);
  if (!cache) {
    cache = new ComponentCache(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir });
    caches.set(cacheKey, cache);
  }
  const { compiled, wasInMemory } = await compileComponentFile(cache, name, file);
  const world = options.world === undefined ? undefined : worldOfComponent(name, compiled, options.world);
  const application = applicationImports(name, compiled, options.imports as HostImports | undefined);
  checkImports({ plugin: name, compiled }, application.keys);
  const logger = options.logger ?? defaultLogger();
  const environment = options.environment ?? {};
  const instance = createInstance({
    plugin: name,
    compiled,
    environment,
    config: options.config ?? [],
    fastPath: options.fastPath !== false,
    onStdio: logStdio(logger.child({ plugin: name })),
    userImports: bindImportsInThread(name, application.plan, application.selected),
    hostServices: createHostServices({
      plugin: name,
      logger,
      dataDir: resolve(options.dataDir ?? join('.witkit', 'data')),
      environment,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    }),
  });
  let status: PluginStatus = 'ready';
  const exports = wrapExports(name, instance, compiled.shape, () => {
    status = 'errored';
  });
  return {
    name,
    path: file,
    sha256: compiled.sha256,
    world: world?.id,
    loadedAt: new Date(),
    fromCache: wasInMemory || compiled.fromDiskCache,
    exports: exports as unknown as ExportsOf<W>,
    get status() {
      return status;
    },
    shutdown() {
      if (status === 'uninitialized') return;
      status = 'uninitialized';
      shutdownInstance(instance, (error) =>
        logger.warn({ plugin: name, err: error }, 'plugin shutdown failed'),
      );
    },
  };
}

/**
 * Exposes an instance's functions as jco does (by interface key; resources as classes), with
 * failures as {@link PluginError}s and the guest's output flushed to the log at the end of each call.
 */
function wrapExports(
  plugin: string,
  instance: PluginInstance,
  shape: WorldShape | undefined,
  onFault: () => void,
): RawExports {
  const carries = handleCarriers(shape);
  const built = buildExports(
    plugin,
    new Map([...instance.functions].map(([iface, fns]) => [iface, [...fns.keys()]])),
    (iface, op, args) => {
      const fn = instance.functions.get(iface)?.get(op);
      const label = iface ? `${iface}.${op}` : op;
      if (!fn)
        throw new PluginError('WITKIT_EXECUTION_FAILED', plugin, `the plugin has no export \`${label}\``);
      let result: unknown;
      try {
        result = fn(...args);
      } catch (error) {
        const failure = classifyCallError(plugin, label, error);
        if (failure.kind !== 'plugin-error') onFault();
        throw failure.error;
      } finally {
        instance.flushStdio();
      }
      if (!carries(iface, op)) return result;
      return mapHandles(result, (o) => {
        const r = instance.resourceOf(o);
        return r ? built.handleFor(instance, o, r.iface, r.cls) : o;
      });
    },
    'sync',
    carries,
  );
  return built.exports;
}
