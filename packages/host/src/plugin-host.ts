import { randomUUID } from 'node:crypto';
import { basename, extname, join, resolve } from 'node:path';
import {
  AuditLog,
  defaultLimits,
  type FsViolation,
  type PluginManifest,
  type SecurityViolation,
} from '@witkit/security';
import { findWorld } from '@witkit/wit-types';
import type { WorldExports } from '@witkit/wit-types/host';
import pMap from 'p-map';
import type { Logger as PinoLogger } from 'pino';
import { ComponentCache } from './component-cache.js';
import { compileComponentFile, worldOfComponent } from './component-checks.js';
import { defaultLogger } from './default-logger.js';
import { discoverPlugins } from './discovery.js';
import { isPluginError, PluginError } from './errors.js';
import { EventBus } from './event-bus.js';
import { createHostServices, type GuestRequest, type PluginEvent } from './host-services.js';
import { performHttp } from './http-fetch.js';
import { applicationImports } from './imports/import-plan.js';
import { checkImports, isRawNetworkImport } from './instance.js';
import { HOST, type ServiceDispatch } from './isolation/worker-instance.js';
import type { LatencyHistogram } from './latency.js';
import type { PluginMetricsSnapshot } from './metrics.js';
import { Plugin, type PluginInfo } from './plugin.js';
import { SyncHttp } from './sync-http.js';
import type { AsyncExportsOf, HostImports, ImportsOf, WorldRef } from './world-binding.js';

/** Names of the worlds a plugin can target. */
export type WorldName = keyof WorldExports;

/** Options of {@link PluginHost}. */
export interface PluginHostOptions {
  /** Folder {@link PluginHost.start} discovers plugins in. */
  readonly pluginDir?: string;
  /** Root of per-plugin state (config store, data dir). @default `.witkit/data` */
  readonly dataDir?: string;
  /** Where transpiled glue is cached. @default `~/.cache/witkit/transpiled` */
  readonly cacheDir?: string;
  /** Compiled components kept in memory (LRU). @default 64 */
  readonly maxCompiledInMemory?: number;
  /**
   * The host's logger; each plugin logs through a child tagged with its name.
   * @default {@link defaultLogger}: warnings and errors (or `LOG_LEVEL`) as text on stderr
   */
  readonly logger?: PinoLogger;
  /** Where allowed environment variables are read from. @default process.env */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Calls that may wait for a busy plugin, per plugin version. @default 64 */
  readonly queueLimit?: number;
  /** How long a call may wait for an instance. @default 30000 */
  readonly acquireTimeoutMs?: number;
  /** Outbound HTTP timeout per request. @default 10000 */
  readonly httpTimeoutMs?: number;
  /** The JSONL audit log of security violations. @default `<dataDir>/audit.jsonl` */
  readonly auditLog?: string;
  /**
   * Host implementations of imports from your own WIT, given to every plugin that imports them:
   * an object by interface id, or a function that makes one per plugin version (to scope state
   * per plugin). A plugin's own {@link LoadOptions.imports} take precedence.
   */
  readonly imports?: object | ((plugin: { readonly name: string; readonly version: string }) => object);
}

/** How to load one plugin; `W` (its world) types `imports` and the plugin's exports. */
export interface LoadOptions<W extends WorldRef | undefined = WorldRef | undefined> {
  /** The component file. */
  readonly path: string;
  /** Its manifest; without one the plugin gets default permissions and limits. */
  readonly manifest?: PluginManifest;
  /** @default the manifest's name, else the file name */
  readonly name?: string;
  /** @default the manifest's version, else `0.0.0` */
  readonly version?: string;
  /**
   * Checked against the component: a world of the contracts by name, or a binding of your own
   * WIT (from `witkit wit types`). @default the manifest's, else detected from the exports
   */
  readonly world?: W;
  /**
   * Your implementations of the component's imports, by interface id, on top of the host's
   * {@link PluginHostOptions.imports} (so with a typed world, any of them may be left to those);
   * see `loadPlugin`'s `imports`.
   */
  readonly imports?: Partial<ImportsOf<W>>;
  /** Instances that may exist at once. @default the manifest's `max-instances` */
  readonly maxInstances?: number;
  /**
   * Cap on the instance's linear memories, all together.
   * @default the manifest's `memory`, else 64 MiB
   */
  readonly memoryLimitBytes?: number;
  /**
   * Where the plugin's instances run. `worker`: each in its own worker thread, where a call
   * over the CPU budget (`cpu-time`) is stopped and host services are answered on this thread.
   * `in-thread`: in the host's thread, fastest, for trusted plugins that opt in.
   * @default the manifest's `isolation`, else `worker`
   */
  readonly isolation?: 'in-thread' | 'worker';
  /**
   * Whether calls may skip jco's glue for exports with simple types (see `Plugin.leanExports`).
   * @default true
   */
  readonly fastPath?: boolean;
  /**
   * The hex sha256 the component must have (from its release). Other bytes are refused with
   * `WITKIT_CHECKSUM_MISMATCH` and audited, before they are compiled.
   */
  readonly sha256?: string;
}

/**
 * Picks the version of a plugin that serves a call, from the caller's request key (see
 * {@link PluginHost.route}); `undefined` falls back to the default version.
 */
export type VersionRouter = (key: string | undefined) => string | undefined;

/** Outcome of {@link PluginHost.start}. */
export interface StartReport {
  readonly loaded: PluginInfo[];
  readonly failed: Array<{ readonly name: string; readonly error: unknown }>;
}

/** One call of a {@link PluginHost.batch}. */
export interface BatchCall {
  readonly plugin: string;
  readonly version?: string;
  /** Interface id or short name, e.g. `dataProcessor`. */
  readonly iface: string;
  readonly fn: string;
  readonly args: readonly unknown[];
}

/** Result of one batch call, in the position of its call. */
export type BatchResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

const EVENT_HANDLER = 'witkit:plugin-system/event-handler@0.1.0';
const REQUEST_HANDLER = 'witkit:plugin-system/request-handler@0.1.0';

/**
 * Answers host-service calls that guests in workers make, on this thread: functions by name,
 * resource methods on one shared object per resource type (the services keep no per-handle
 * state). Results may be promises; the worker's guest waits for them.
 */
function dispatcherFor(
  services: Record<string, unknown>,
  onViolation: (violation: unknown) => void,
): ServiceDispatch {
  const resources = new Map<string, Record<string, (...a: unknown[]) => unknown>>();
  return (name, method, args) => {
    if (name === HOST && method === 'violation') return onViolation(args[0]);
    if (name === '') return (services[method] as (...a: unknown[]) => unknown)(...args);
    let resource = resources.get(name);
    if (!resource) {
      resource = new (services[name] as new () => Record<string, (...a: unknown[]) => unknown>)();
      resources.set(name, resource);
    }
    return resource[method]!(...args);
  };
}

function compareSemver(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map(Number);
  const pb = b.split(/[.+-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The plugin runtime: a registry of loaded plugin versions with their lifecycle (start-up
 * discovery, reload, health checks, graceful shutdown), the event bus, plugin-to-plugin
 * requests, batch calls and metrics.
 *
 * @example
 * ```ts
 * const host = new PluginHost({ pluginDir: 'plugins' });
 * const { failed } = await host.start();
 * const tt = host.get('text-transformer', { world: 'processor-plugin' });
 * const res = await tt.exports.dataProcessor.process({ input, contentType: 'text/plain', options: [] });
 * await host.shutdown();
 * ```
 */
export class PluginHost {
  /** Events emitted by plugins and published by the host application. */
  readonly events: EventBus;
  /**
   * Every denial and limit hit of every plugin: appended here, published on {@link events} as
   * `security.violation`, and logged.
   */
  readonly audit: AuditLog;
  readonly #options: PluginHostOptions;
  readonly #logger: PinoLogger;
  readonly #cache: ComponentCache;
  readonly #http = new SyncHttp();
  readonly #plugins = new Map<string, Map<string, Plugin>>();
  readonly #defaults = new Map<string, Plugin>();
  readonly #routers = new Map<string, VersionRouter>();
  readonly #sources = new Map<string, LoadOptions & { name: string; version: string }>();
  readonly #failed = new Map<
    string,
    { options: LoadOptions; error: unknown; attempts: number; nextAt: number }
  >();

  readonly #eventSubscriptions = new Map<Plugin, () => void>();
  #healthTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: PluginHostOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? defaultLogger();
    this.#cache = new ComponentCache({
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
      ...(options.maxCompiledInMemory === undefined ? {} : { maxInMemory: options.maxCompiledInMemory }),
    });
    this.events = new EventBus(this.#logger);
    this.audit = new AuditLog(
      options.auditLog ?? join(resolve(options.dataDir ?? join('.witkit', 'data')), 'audit.jsonl'),
    );
  }

  /**
   * Discovers and loads every plugin of `pluginDir`. A plugin that fails is reported (and
   * retried by the health checks) while the others load.
   */
  async start(): Promise<StartReport> {
    if (!this.#options.pluginDir) throw new TypeError('PluginHost.start needs `pluginDir`');
    const report: StartReport = { loaded: [], failed: [] };
    for (const found of await discoverPlugins(this.#options.pluginDir)) {
      if (found.error) {
        report.failed.push({ name: found.name, error: found.error });
        this.#logger.error({ plugin: found.name, err: found.error }, 'plugin cannot be loaded; skipped');
        continue;
      }
      const options: LoadOptions = {
        path: found.path,
        name: found.name,
        ...(found.manifest ? { manifest: found.manifest } : {}),
      };
      try {
        report.loaded.push(await this.load(options));
      } catch (error) {
        report.failed.push({ name: found.name, error });
        this.#failed.set(found.name, { options, error, attempts: 1, nextAt: Date.now() + 1000 });
        this.#logger.error({ plugin: found.name, err: error }, 'plugin failed to load; will retry');
      }
    }
    return report;
  }

  /**
   * Loads, checks and initializes one plugin version. Several versions of a plugin can be
   * loaded side by side; loading a version that is already loaded is an error.
   *
   * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND`, `WITKIT_LOAD_FAILED`, `WITKIT_UNKNOWN_IMPORT`,
   *   `WITKIT_INIT_FAILED`, `WITKIT_ALREADY_LOADED`
   */
  async load<W extends WorldRef | undefined = undefined>(
    options: LoadOptions<W>,
  ): Promise<Plugin<AsyncExportsOf<W>>> {
    const path = resolve(options.path);
    const name = options.name ?? options.manifest?.plugin.name ?? basename(path, extname(path));
    const version = options.version ?? options.manifest?.plugin.version ?? '0.0.0';
    if (this.#plugins.get(name)?.has(version)) {
      throw new PluginError(
        'WITKIT_ALREADY_LOADED',
        name,
        `version ${version} is already loaded; unload it first or load another version`,
      );
    }
    const source = { ...options, path, name, version };
    const plugin = await this.#build(source);
    this.#setVersion(name, version, plugin);
    this.#sources.set(`${name}@${version}`, source);
    this.#failed.delete(name);
    await this.#subscribeEventHandler(plugin);
    this.#logger.info(
      { plugin: name, version, world: plugin.world, sha256: plugin.sha256, isolation: plugin.isolation },
      'plugin loaded',
    );
    return plugin as Plugin<AsyncExportsOf<W>>;
  }

  /** Loads and initializes a plugin without registering it. */
  async #build(options: LoadOptions & { name: string; version: string }): Promise<Plugin> {
    const { path, name, version } = options;
    if (this.#closing) throw new PluginError('WITKIT_PLUGIN_UNAVAILABLE', name, 'the host is shutting down');
    const memoryLimit =
      options.memoryLimitBytes ??
      options.manifest?.permissions.limits.memoryBytes ??
      defaultLimits.memoryBytes;
    const { compiled } = await compileComponentFile(
      this.#cache,
      name,
      path,
      memoryLimit,
      options.sha256,
    ).catch((error: unknown) => {
      if (isPluginError(error) && error.code === 'WITKIT_CHECKSUM_MISMATCH') {
        this.reportViolation({
          plugin: name,
          type: 'checksum-mismatch',
          resource: path,
          action: 'denied',
          detail: { version, expected: options.sha256, message: error.message },
        });
      }
      throw error;
    });
    const world = worldOfComponent(name, compiled, options.world ?? options.manifest?.plugin.world);
    const shared = this.#options.imports;
    const application = applicationImports(name, compiled, {
      ...(typeof shared === 'function' ? shared({ name, version }) : shared),
      ...(options.imports as HostImports | undefined),
    });
    try {
      checkImports({ plugin: name, compiled }, application.keys);
    } catch (error) {
      for (const id of compiled.imports.filter(isRawNetworkImport)) {
        this.reportViolation({
          plugin: name,
          type: 'net-access-denied',
          resource: id,
          action: 'denied',
          detail: { version, reason: 'raw network import refused at load' },
        });
      }
      throw error;
    }
    const environment = this.#environmentFor(options.manifest);
    const isolation = options.isolation ?? options.manifest?.permissions.isolation ?? 'worker';
    const inWorker = isolation === 'worker';
    const hostServices = createHostServices({
      plugin: name,
      logger: this.#logger,
      dataDir: resolve(this.#options.dataDir ?? join('.witkit', 'data')),
      environment,
      onEvent: (event) => this.events.publish(event),
      http: {
        // A worker's guest waits in its own thread while this one fetches asynchronously.
        client: inWorker ? { request: performHttp } : this.#http,
        permissions: options.manifest?.permissions ?? { net: [], deny: { net: [] } },
        ...(this.#options.httpTimeoutMs === undefined ? {} : { timeoutMs: this.#options.httpTimeoutMs }),
      },
      sendRequest: (from, request) => this.#routeRequest(from, request, inWorker),
      onNetDenied: (destination, url) =>
        this.reportViolation({
          plugin: name,
          type: 'net-access-denied',
          resource: destination,
          action: 'denied',
          detail: { url },
        }),
    });
    return Plugin.start({
      plugin: name,
      isolation,
      dispatch: dispatcherFor(hostServices, (v) => this.#fsViolation(v as FsViolation)),
      filesystem: {
        grants: options.manifest?.permissions.fs ?? [],
        deny: options.manifest?.permissions.deny.fs ?? [],
      },
      onViolation: (v) => this.#fsViolation(v),
      onLimit: (hit) =>
        this.reportViolation({
          plugin: name,
          type: hit.type,
          resource: hit.resource,
          action: hit.action,
          detail: { message: hit.message },
        }),
      version,
      path,
      world,
      compiled,
      hostServices,
      imports: application,
      environment,
      config: options.manifest?.config ?? [],
      logger: this.#logger,
      ...(options.manifest ? { manifest: options.manifest } : {}),
      ...(options.maxInstances === undefined ? {} : { maxInstances: options.maxInstances }),
      ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
      ...(this.#options.queueLimit === undefined ? {} : { queueLimit: this.#options.queueLimit }),
      ...(this.#options.acquireTimeoutMs === undefined
        ? {}
        : { acquireTimeoutMs: this.#options.acquireTimeoutMs }),
    });
  }

  #fsViolation(v: FsViolation): void {
    this.reportViolation({
      plugin: v.plugin,
      type: 'fs-access-denied',
      resource: v.resource,
      action: 'denied',
      detail: { op: v.op, reason: v.reason, path: v.path },
    });
  }

  /** Audits a denial or limit hit: the JSONL log, the event bus (`security.violation`), the host log. */
  reportViolation(violation: Omit<SecurityViolation, 'timestamp'>): void {
    const entry = this.audit.record(violation);
    this.#logger.warn({ ...entry }, 'security violation');
    this.events.publish({
      type: 'security.violation',
      payload: JSON.stringify(entry),
      source: entry.plugin,
      timestamp: Date.now(),
    });
  }

  #environmentFor(manifest: PluginManifest | undefined): Record<string, string> {
    const allowed = manifest?.permissions.env ?? [];
    const source = this.#options.environment ?? process.env;
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (allowed.some((a) => (a.endsWith('*') ? key.startsWith(a.slice(0, -1)) : key === a)))
        out[key] = value;
    }
    return out;
  }

  async #subscribeEventHandler(plugin: Plugin): Promise<void> {
    if (!plugin.world.endsWith('/event-plugin@0.1.0')) return;
    let types: string[];
    try {
      types = (await plugin.call(EVENT_HANDLER, 'supportedEvents', [])) as string[];
    } catch (error) {
      this.#logger.error(
        { plugin: plugin.name, err: error },
        'supported-events failed; the plugin gets no events',
      );
      return;
    }
    const unsubscribers = types.map((type) =>
      this.events.subscribe(type, async (event) => {
        if (event.source === plugin.name) return;
        await plugin.deliver(EVENT_HANDLER, 'onEvent', [
          {
            eventType: event.type,
            payload: event.payload,
            timestamp: BigInt(event.timestamp),
            source: event.source,
          },
        ]);
      }),
    );
    this.#eventSubscriptions.set(plugin, () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
    });
  }

  /**
   * Delivers a `send-request` from plugin `from`. A caller in a worker can wait: the answer
   * may come from a target in a worker too, with the caller's timeout enforced. A caller in
   * this thread cannot wait, so its target must answer in this thread.
   */
  #routeRequest(
    from: string,
    request: GuestRequest,
    callerCanWait: boolean,
  ): Uint8Array | Promise<Uint8Array> {
    const correlationId = randomUUID();
    const log = this.#logger.child({
      correlationId,
      from,
      to: request.target,
      messageType: request.messageType,
    });
    const target = this.#default(request.target);
    if (!target) {
      log.warn('request to an unknown plugin');
      throw `unknown plugin \`${request.target}\``;
    }
    if (!target.world.endsWith('/service-plugin@0.1.0')) {
      throw `plugin \`${request.target}\` does not answer requests (world \`${target.world}\` has no request-handler)`;
    }
    const args = [
      { correlationId, source: from, messageType: request.messageType, payload: request.payload },
    ];
    const started = performance.now();
    const failed = (error: unknown): never => {
      const reason =
        isPluginError(error) && error.code === 'WITKIT_PLUGIN_ERROR'
          ? `\`${request.target}\` answered with an error: ${String(error.payload)}`
          : (error as Error).message;
      log.warn({ reason }, 'request failed');
      throw reason;
    };
    const answered = (answer: unknown) => {
      const ms = performance.now() - started;
      // A call in this thread cannot be preempted; an answer after the caller's timeout is refused.
      if (ms > request.timeoutMs) {
        failed(new Error(`no answer within ${request.timeoutMs} ms (took ${Math.round(ms)} ms)`));
      }
      log.info({ ms }, 'request answered');
      return answer as Uint8Array;
    };
    if (target.isolation === 'worker') {
      if (!callerCanWait) {
        throw `plugin \`${request.target}\` runs in a worker; a plugin in the host's thread cannot wait for it`;
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${request.timeoutMs} ms`)),
          request.timeoutMs,
        );
      });
      return Promise.race([target.call(REQUEST_HANDLER, 'handleRequest', args), timeout])
        .then(answered, failed)
        .finally(() => clearTimeout(timer));
    }
    try {
      return answered(target.callNow(REQUEST_HANDLER, 'handleRequest', args));
    } catch (error) {
      return failed(error);
    }
  }

  #default(name: string): Plugin | undefined {
    return this.#defaults.get(name);
  }

  #routed(name: string, key: string | undefined): Plugin | undefined {
    const router = this.#routers.get(name);
    if (router === undefined) return this.#defaults.get(name);
    const version = router(key);
    return (
      (version === undefined ? undefined : this.#plugins.get(name)?.get(version)) ?? this.#defaults.get(name)
    );
  }

  /**
   * Routes `get(name)` calls without an explicit version through `router`, which picks a loaded
   * version per request key (canary releases use it); `undefined` removes the router, and a
   * version that is not loaded falls back to the default (highest) version.
   */
  route(name: string, router: VersionRouter | undefined): void {
    if (router) this.#routers.set(name, router);
    else this.#routers.delete(name);
  }

  /** Stores `plugin` as `name@version` and recomputes the name's default (highest) version. */
  #setVersion(name: string, version: string, plugin: Plugin | undefined): void {
    let versions = this.#plugins.get(name);
    if (!versions) {
      versions = new Map();
      this.#plugins.set(name, versions);
    }
    if (plugin) versions.set(version, plugin);
    else versions.delete(version);
    // Kept up to date here, so `get(name)` on the call path is a map lookup, not a sort.
    const highest = [...versions.values()].sort((a, b) => compareSemver(b.version, a.version))[0];
    if (highest) this.#defaults.set(name, highest);
    else {
      this.#defaults.delete(name);
      this.#plugins.delete(name);
    }
  }

  /**
   * A loaded plugin: the given version, else the one the plugin's router picks for `key`
   * (see {@link route}), else the highest loaded one. With `world`, the
   * plugin must implement it, and the result is typed by it.
   *
   * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND`, or `WITKIT_LOAD_FAILED` for a world mismatch
   */
  get<W extends WorldRef>(
    name: string,
    options: { version?: string; key?: string; world: W },
  ): Plugin<AsyncExportsOf<W>>;
  get(name: string, options?: { version?: string; key?: string }): Plugin;
  get(name: string, options: { version?: string; key?: string; world?: WorldRef } = {}): Plugin {
    const plugin =
      options.version === undefined
        ? this.#routed(name, options.key)
        : this.#plugins.get(name)?.get(options.version);
    if (!plugin) {
      const loaded = [...(this.#plugins.get(name)?.keys() ?? [])];
      throw new PluginError(
        'WITKIT_PLUGIN_NOT_FOUND',
        name,
        options.version === undefined
          ? 'no such plugin is loaded'
          : `version ${options.version} is not loaded${loaded.length ? ` (loaded: ${loaded.join(', ')})` : ''}`,
      );
    }
    const wanted = typeof options.world === 'string' ? findWorld(options.world)?.id : options.world?.id;
    if (options.world !== undefined && wanted !== plugin.world) {
      throw new PluginError(
        'WITKIT_LOAD_FAILED',
        name,
        `implements \`${plugin.world}\`, not \`${typeof options.world === 'string' ? options.world : wanted}\``,
      );
    }
    return plugin;
  }

  /** Every loaded plugin version, by name then version. */
  list(): PluginInfo[] {
    return [...this.#plugins.values()]
      .flatMap((versions) => [...versions.values()])
      .sort((a, b) => a.name.localeCompare(b.name) || compareSemver(a.version, b.version))
      .map((p) => ({
        name: p.name,
        version: p.version,
        path: p.path,
        sha256: p.sha256,
        world: p.world,
        loadedAt: p.loadedAt,
        status: p.status,
      }));
  }

  /** Plugins that failed to load and are waiting for a retry, with their last error. */
  failures(): Array<{ name: string; error: unknown; attempts: number }> {
    return [...this.#failed].map(([name, f]) => ({ name, error: f.error, attempts: f.attempts }));
  }

  /**
   * Unloads a plugin version (or every version): it stops taking calls, drains in-flight
   * calls up to `deadlineMs`, then shuts its instances down.
   */
  async unload(
    name: string,
    { version, deadlineMs }: { version?: string; deadlineMs?: number } = {},
  ): Promise<void> {
    const versions = this.#plugins.get(name);
    const targets = [...(versions?.values() ?? [])].filter(
      (p) => version === undefined || p.version === version,
    );
    if (targets.length === 0)
      throw new PluginError('WITKIT_PLUGIN_NOT_FOUND', name, 'no such plugin is loaded');
    await Promise.all(targets.map((p) => this.#retire(p, deadlineMs)));
  }

  async #retire(plugin: Plugin, deadlineMs?: number): Promise<void> {
    this.#setVersion(plugin.name, plugin.version, undefined);
    this.#eventSubscriptions.get(plugin)?.();
    this.#eventSubscriptions.delete(plugin);
    await plugin.shutdown(deadlineMs === undefined ? {} : { deadlineMs });
    this.#logger.info({ plugin: plugin.name, version: plugin.version }, 'plugin unloaded');
  }

  /**
   * Reloads a plugin version from its component file: the new instance is loaded and
   * initialized first, then swapped in; the old one drains and shuts down. If the new one
   * fails, the old one keeps serving and the error is thrown.
   */
  async reload(
    name: string,
    { version, deadlineMs }: { version?: string; deadlineMs?: number } = {},
  ): Promise<Plugin> {
    const old = this.get(name, version === undefined ? {} : { version });
    const source = this.#sources.get(`${old.name}@${old.version}`)!;
    const fresh = await this.#build(source);
    // The swap is one map write: a call either got the old plugin or gets the new one.
    this.#setVersion(name, old.version, fresh);
    this.#eventSubscriptions.get(old)?.();
    this.#eventSubscriptions.delete(old);
    await this.#subscribeEventHandler(fresh);
    await old.shutdown(deadlineMs === undefined ? {} : { deadlineMs });
    this.#logger.info({ plugin: name, version: old.version, sha256: fresh.sha256 }, 'plugin reloaded');
    return fresh;
  }

  /**
   * Checks plugins every `intervalMs`: an errored plugin is probed (its `get-metadata`) and
   * reloaded when the probe fails; plugins that failed to load are retried. Both back off
   * exponentially per plugin, up to `maxBackoffMs`.
   */
  startHealthChecks({
    intervalMs = 30_000,
    maxBackoffMs = 300_000,
  }: {
    intervalMs?: number;
    maxBackoffMs?: number;
  } = {}): void {
    this.stopHealthChecks();
    const backoff = new Map<string, { attempts: number; nextAt: number }>();
    const tick = async () => {
      const now = Date.now();
      for (const plugin of this.list().filter((p) => p.status === 'errored')) {
        const key = `${plugin.name}@${plugin.version}`;
        const state = backoff.get(key) ?? { attempts: 0, nextAt: 0 };
        if (now < state.nextAt) continue;
        try {
          const live = this.get(plugin.name, { version: plugin.version });
          // Every world of the contracts exports `get-metadata` from its first interface.
          const probe = findWorld(live.world)?.exports[0] ?? '';
          await live
            .call(probe, 'getMetadata', [])
            .catch(() => this.reload(plugin.name, { version: plugin.version }));
          backoff.delete(key);
          this.#logger.info({ plugin: plugin.name, version: plugin.version }, 'errored plugin recovered');
        } catch (error) {
          state.attempts++;
          state.nextAt = now + Math.min(maxBackoffMs, 1000 * 2 ** state.attempts);
          backoff.set(key, state);
          this.#logger.error(
            { plugin: plugin.name, err: error, attempts: state.attempts },
            'recovery failed; backing off',
          );
        }
      }
      for (const [name, failure] of this.#failed) {
        if (now < failure.nextAt) continue;
        try {
          await this.load(failure.options);
          this.#logger.info({ plugin: name }, 'plugin loaded after earlier failures');
        } catch (error) {
          failure.attempts++;
          failure.error = error;
          failure.nextAt = now + Math.min(maxBackoffMs, 1000 * 2 ** failure.attempts);
        }
      }
    };
    let running = false;
    this.#healthTimer = setInterval(() => {
      if (running) return;
      running = true;
      tick().finally(() => {
        running = false;
      });
    }, intervalMs);
    this.#healthTimer.unref();
  }

  /** Stops the health checks. */
  stopHealthChecks(): void {
    clearInterval(this.#healthTimer);
    this.#healthTimer = undefined;
  }

  /**
   * Runs many calls with at most `concurrency` at a time; results come back in the order of
   * `calls`, each either a value or the error of that call alone.
   */
  batch(
    calls: readonly BatchCall[],
    { concurrency = 8 }: { concurrency?: number } = {},
  ): Promise<BatchResult[]> {
    return pMap(
      calls,
      async (c): Promise<BatchResult> => {
        try {
          const plugin = this.get(c.plugin, c.version === undefined ? {} : { version: c.version });
          return { ok: true, value: await plugin.call(c.iface, c.fn, c.args) };
        } catch (error) {
          return { ok: false, error };
        }
      },
      { concurrency },
    );
  }

  /** Metrics of every loaded plugin version. */
  metrics(): PluginMetricsSnapshot[] {
    return this.#all().map((p) => p.metrics.snapshot());
  }

  /** Latency histograms of every loaded plugin version (for exporters). */
  latencyHistograms(): Array<{ plugin: string; version: string; histogram: LatencyHistogram }> {
    return this.#all().map((p) => ({ plugin: p.name, version: p.version, histogram: p.metrics.latency }));
  }

  #all(): Plugin[] {
    return [...this.#plugins.values()].flatMap((versions) => [...versions.values()]);
  }

  /** Publishes an event from the host application itself. */
  publish(type: string, payload: string, source = 'host'): void {
    this.events.publish({ type, payload, source, timestamp: Date.now() } satisfies PluginEvent);
  }

  /**
   * Shuts the host down: no new loads or calls, in-flight calls drain (up to `deadlineMs`),
   * pending events are delivered, every plugin's `shutdown` runs.
   *
   * @returns whether everything drained before the deadline
   */
  async shutdown({ deadlineMs = 10_000 }: { deadlineMs?: number } = {}): Promise<boolean> {
    this.#closing = true;
    this.stopHealthChecks();
    const all = this.#all();
    for (const plugin of all) plugin.pause();
    await Promise.race([this.events.idle(), new Promise((r) => setTimeout(r, deadlineMs).unref())]);
    const results = await Promise.all(all.map((p) => p.shutdown({ deadlineMs })));
    this.#plugins.clear();
    this.#defaults.clear();
    await this.#http.close();
    return results.every(Boolean);
  }
}
