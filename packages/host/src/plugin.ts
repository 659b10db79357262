import type { PluginManifest } from '@witkit/security';
import type { WorldInfo } from '@witkit/wit-types';
import type { Logger as PinoLogger } from 'pino';
import { PluginError } from './errors.js';
import { classifyCallError } from './faults.js';
import { createInstance, type InstanceSpec, type RawExports, shutdownInstance } from './instance.js';
import { InstancePool } from './instance-pool.js';
import { PluginMetrics } from './metrics.js';

/** Lifecycle states, as the WIT `plugin-status` enum names them. */
export type PluginStatus = 'uninitialized' | 'ready' | 'running' | 'paused' | 'errored';

/** A plugin's exports with every function made asynchronous, as the managed call path serves them. */
export type AsyncExports<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<R>
    : T[K] extends object
      ? AsyncExports<T[K]>
      : T[K];
};

/** Static facts about a loaded plugin version. */
export interface PluginInfo {
  /** Name the host knows the plugin by. */
  readonly name: string;
  /** Semver version (from plugin.toml, else `0.0.0`). */
  readonly version: string;
  /** Component file it was loaded from. */
  readonly path: string;
  /** Hex sha256 of the component. */
  readonly sha256: string;
  /** Full id of its world. */
  readonly world: string;
  /** When it was loaded. */
  readonly loadedAt: Date;
  /** Current lifecycle status. */
  readonly status: PluginStatus;
}

/** Everything a {@link Plugin} is made from. */
export interface PluginSpec extends InstanceSpec {
  readonly version: string;
  readonly path: string;
  readonly world: WorldInfo;
  readonly manifest?: PluginManifest;
  readonly logger: PinoLogger;
  /** Instances that may exist at once. @default the manifest's `max-instances`, else 3 */
  readonly maxInstances?: number;
  /** Calls that may wait for a busy plugin. @default 64 */
  readonly queueLimit?: number;
  /** How long a call may wait for an instance. @default 30000 */
  readonly acquireTimeoutMs?: number;
}

/**
 * A loaded plugin version, served from a pool of initialized instances. Calls are
 * asynchronous, so an instance can live in this thread or in a worker without the caller
 * noticing; with an idle instance at hand, the call runs at once.
 */
export class Plugin<E = unknown> implements PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly sha256: string;
  readonly world: string;
  readonly loadedAt = new Date();
  readonly manifest: PluginManifest | undefined;
  /** Calls, errors, latency and instance counts. */
  readonly metrics: PluginMetrics;
  /** The plugin's exports, typed by its world, every function returning a promise. */
  readonly exports: AsyncExports<E>;
  readonly #pool: InstancePool<RawExports>;
  readonly #logger: PinoLogger;
  #faulted = false;
  #paused = false;
  #stopped = false;
  #inFlight = 0;

  /**
   * Creates the pool and the first instance (so a broken plugin fails here, not on its first call).
   *
   * @throws {PluginError} `WITKIT_LOAD_FAILED` or `WITKIT_INIT_FAILED`
   */
  constructor(spec: PluginSpec) {
    this.name = spec.plugin;
    this.version = spec.version;
    this.path = spec.path;
    this.sha256 = spec.compiled.sha256;
    this.world = spec.world.id;
    this.manifest = spec.manifest;
    this.#logger = spec.logger.child({ plugin: spec.plugin, version: spec.version });
    this.#pool = new InstancePool<RawExports>({
      plugin: spec.plugin,
      create: () => createInstance(spec),
      destroy: (raw) =>
        shutdownInstance(raw, (error) => this.#logger.warn({ err: error }, 'plugin shutdown failed')),
      max: spec.maxInstances ?? spec.manifest?.permissions.limits.maxInstances ?? 3,
      ...(spec.queueLimit === undefined ? {} : { queueLimit: spec.queueLimit }),
      ...(spec.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: spec.acquireTimeoutMs }),
    });
    this.metrics = new PluginMetrics(spec.plugin, spec.version, () => this.#pool.counts());
    this.#pool.warm(1);
    const first = this.#pool.tryAcquire()!;
    this.exports = this.#proxies(first);
    this.#pool.release(first);
  }

  /** Current lifecycle status. */
  get status(): PluginStatus {
    if (this.#stopped) return 'uninitialized';
    if (this.#paused) return 'paused';
    if (this.#faulted) return 'errored';
    return this.#inFlight > 0 ? 'running' : 'ready';
  }

  /** Calls currently running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  #proxies(raw: RawExports): AsyncExports<E> {
    const made = new Map<unknown, Record<string, unknown>>();
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'object' || value === null) continue;
      let proxy = made.get(value);
      if (!proxy) {
        proxy = {};
        for (const [fn, member] of Object.entries(value)) {
          if (typeof member === 'function') proxy[fn] = (...args: unknown[]) => this.call(key, fn, args);
        }
        made.set(value, proxy);
      }
      out[key] = proxy;
    }
    return out as AsyncExports<E>;
  }

  /**
   * Calls export `fn` of interface `iface` (id or short name) with `args`.
   *
   * @throws {PluginError} `WITKIT_PLUGIN_ERROR` (the plugin's `err`), `WITKIT_EXECUTION_FAILED`
   *   (a trap; that instance is replaced), `WITKIT_PLUGIN_UNAVAILABLE`, `WITKIT_INSTANCE_LIMIT_EXCEEDED`
   */
  call(iface: string, fn: string, args: readonly unknown[]): Promise<unknown> {
    if (this.#paused) return Promise.reject(this.#unavailable());
    return this.#call(iface, fn, args);
  }

  /**
   * Like {@link call}, but also while the plugin is paused for a graceful shutdown: for work
   * the host accepted before it began shutting down, such as events already published.
   */
  deliver(iface: string, fn: string, args: readonly unknown[]): Promise<unknown> {
    return this.#call(iface, fn, args);
  }

  #call(iface: string, fn: string, args: readonly unknown[]): Promise<unknown> {
    let instance: RawExports | undefined;
    try {
      instance = this.#pool.tryAcquire();
    } catch (error) {
      return Promise.reject(error);
    }
    if (instance === undefined) return this.#pool.acquire().then((i) => this.#invoke(i, iface, fn, args));
    try {
      return Promise.resolve(this.#invoke(instance, iface, fn, args));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Calls an export right now in this thread, for host paths that cannot wait (a guest's
   * synchronous import). Fails instead of queueing when every instance is busy.
   */
  callNow(iface: string, fn: string, args: readonly unknown[]): unknown {
    if (this.#paused) throw this.#unavailable();
    const instance = this.#pool.tryAcquire();
    if (instance === undefined) {
      throw new PluginError('WITKIT_INSTANCE_LIMIT_EXCEEDED', this.name, 'every instance is busy');
    }
    return this.#invoke(instance, iface, fn, args);
  }

  #invoke(instance: RawExports, iface: string, fn: string, args: readonly unknown[]): unknown {
    const started = performance.now();
    this.#inFlight++;
    let poisoned = false;
    try {
      const target = instance[iface] as Record<string, (...a: unknown[]) => unknown> | undefined;
      const func = target?.[fn];
      if (!func) {
        throw new PluginError(
          'WITKIT_EXECUTION_FAILED',
          this.name,
          `the plugin has no export \`${iface}.${fn}\``,
        );
      }
      const result = func(...args);
      this.metrics.record(performance.now() - started, 'ok');
      this.#faulted = false;
      return result;
    } catch (error) {
      if (error instanceof PluginError) {
        this.metrics.record(performance.now() - started, 'error');
        throw error;
      }
      const failure = classifyCallError(this.name, `${iface}.${fn}`, error);
      poisoned = failure.kind !== 'plugin-error';
      this.metrics.record(performance.now() - started, failure.kind === 'trap' ? 'trap' : 'error');
      if (poisoned) {
        this.#faulted = true;
        this.#logger.error(
          { err: error, function: `${iface}.${fn}`, guestBacktrace: failure.error.guestBacktrace },
          'plugin call failed; its instance is discarded',
        );
      }
      throw failure.error;
    } finally {
      this.#inFlight--;
      this.#pool.release(instance, poisoned);
    }
  }

  /** Stops taking calls (they fail with `WITKIT_PLUGIN_UNAVAILABLE`) until {@link resume}. */
  pause(): void {
    this.#paused = true;
  }

  /** Takes calls again after {@link pause}. */
  resume(): void {
    if (!this.#stopped) this.#paused = false;
  }

  /**
   * Stops taking calls, lets in-flight calls finish (up to `deadlineMs`), then runs each
   * instance's `shutdown` and drops it.
   *
   * @returns whether every in-flight call finished before the deadline
   */
  async shutdown({ deadlineMs = 10_000 }: { deadlineMs?: number } = {}): Promise<boolean> {
    this.#paused = true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.#pool.drained().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    this.#pool.close();
    this.#stopped = true;
    if (!drained)
      this.#logger.warn(
        { inFlight: this.#inFlight, deadlineMs },
        'shutdown deadline passed with calls in flight',
      );
    return drained;
  }

  #unavailable(): PluginError {
    return new PluginError(
      'WITKIT_PLUGIN_UNAVAILABLE',
      this.name,
      'the plugin is paused, shutting down or unloaded',
    );
  }
}
