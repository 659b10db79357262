import { defaultLimits, type PluginManifest } from '@witkit/security';
import type { WorldShape } from '@witkit/wit';
import type { WorldInfo } from '@witkit/wit-types';
import type { Logger as PinoLogger } from 'pino';
import { PluginError } from './errors.js';
import { classifyWithLimits } from './faults.js';
import { bindImportsInThread, ImportServer, USER_IMPORT } from './imports/bind-imports.js';
import type { ApplicationImports } from './imports/import-plan.js';
import { createInstance, type InstanceSpec, type PluginInstance, shutdownInstance } from './instance.js';
import { InstancePool } from './instance-pool.js';
import { type ServiceDispatch, WorkerInstance } from './isolation/worker-instance.js';
import { PluginMetrics } from './metrics.js';
import { buildExports } from './resources/export-proxies.js';
import { handleCarriers, isHandleMarker, mapHandles } from './resources/handles.js';
import { logStdio } from './stdio.js';

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

/** A call's value with the instance (or worker) that answered it, for handing out its resources. */
interface Answer {
  readonly value: unknown;
  readonly at: object;
}

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
  /**
   * Where instances run: each in a worker thread of its own, where a call over its CPU budget
   * is stopped, or in the host's thread (fastest; for trusted plugins).
   * @default 'worker'
   */
  readonly isolation?: 'in-thread' | 'worker';
  /** CPU budget of one call in a worker, in ms. @default the manifest's `cpu-time`, else 10000 */
  readonly cpuTimeMs?: number;
  /**
   * Wall-clock budget of one call in a worker, host-service waits included, in ms.
   * @default the manifest's `wall-time`, else 60000
   */
  readonly wallTimeMs?: number;
  /** Answers host-service calls of guests in workers, on the host thread. Needed for `worker`. */
  readonly dispatch?: ServiceDispatch;
  /** Told about every limit a call hits (memory, CPU time, instances), for the audit log. */
  readonly onLimit?: (hit: LimitHit) => void;
  /** The application's imports of the component, checked (see `imports/import-plan.ts`). */
  readonly imports?: ApplicationImports;
}

/** A limit a call of the plugin hit. */
export interface LimitHit {
  readonly type: 'memory-exceeded' | 'cpu-time-exceeded' | 'wall-time-exceeded' | 'instance-limit-exceeded';
  /** The function called. */
  readonly resource: string;
  /** `terminated` when the instance was discarded, `denied` when the call never ran. */
  readonly action: 'terminated' | 'denied';
  readonly message: string;
}

const limitTypes: Partial<Record<string, LimitHit['type']>> = {
  WITKIT_MEMORY_LIMIT_EXCEEDED: 'memory-exceeded',
  WITKIT_CPU_LIMIT_EXCEEDED: 'cpu-time-exceeded',
  WITKIT_CALL_TIMEOUT: 'wall-time-exceeded',
  WITKIT_INSTANCE_LIMIT_EXCEEDED: 'instance-limit-exceeded',
};

/** The worker side of a plugin: its pool, and what its first worker reported. */
interface WorkerSide {
  readonly workers: InstancePool<WorkerInstance>;
  readonly functions: ReadonlyMap<string, readonly string[]>;
  readonly lean: readonly string[];
  /** Workers still running their instance's `shutdown`. */
  readonly terminating: Set<Promise<void>>;
}

/**
 * A loaded plugin version, served from a pool of initialized instances. Calls are
 * asynchronous, so an instance can live in this thread or in a worker without the caller
 * noticing; with an idle instance at hand in this thread, the call runs at once.
 */
export class Plugin<E = unknown> implements PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly sha256: string;
  readonly world: string;
  readonly loadedAt = new Date();
  readonly manifest: PluginManifest | undefined;
  /** Where its instances run. */
  readonly isolation: 'in-thread' | 'worker';
  /** Calls, errors, latency and instance counts. */
  readonly metrics: PluginMetrics;
  /** The plugin's exports, typed by its world, every function returning a promise. */
  readonly exports: E;
  /**
   * Exports served by the lean call path rather than jco's glue (`add`, `dataProcessor.validate`):
   * those whose types the host lifts and lowers itself.
   */
  readonly leanExports: readonly string[];
  readonly #pool: InstancePool<PluginInstance> | undefined;
  readonly #worker: WorkerSide | undefined;
  readonly #logger: PinoLogger;
  readonly #memoryLimitBytes: number | undefined;
  readonly #budget: { readonly cpuMs: number; readonly wallMs: number };
  readonly #onLimit: ((hit: LimitHit) => void) | undefined;
  #faulted = false;
  #paused = false;
  #stopped = false;
  #inFlight = 0;

  /**
   * Loads a plugin: creates its pool and a first instance, so a broken plugin fails here and
   * not on its first call.
   *
   * @throws {PluginError} `WITKIT_LOAD_FAILED` or `WITKIT_INIT_FAILED`
   */
  static async start<E = unknown>(spec: PluginSpec): Promise<Plugin<E>> {
    if (spec.isolation === 'in-thread') return new Plugin<E>(spec);
    const onStdio = spec.onStdio ?? logStdio(pluginLogger(spec));
    const terminating = new Set<Promise<void>>();
    const services = spec.dispatch ?? (() => Promise.reject(new Error('this plugin has no host services')));
    // Each worker's guest holds resources of the application's imports: one server per worker.
    const servers = new WeakMap<WorkerInstance, ImportServer>();
    const workers = new InstancePool<WorkerInstance>({
      plugin: spec.plugin,
      create: () => {
        const server = new ImportServer(spec.imports?.plan ?? [], spec.imports?.selected ?? new Map());
        const worker = new WorkerInstance(
          {
            plugin: spec.plugin,
            parts: spec.compiled.parts,
            environment: spec.environment,
            config: spec.config,
            fastPath: spec.fastPath !== false,
            imports: spec.imports?.plan ?? [],
            ...(spec.filesystem ? { filesystem: spec.filesystem } : {}),
          },
          (name, method, args) =>
            name.startsWith(USER_IMPORT)
              ? server.dispatch(name.slice(USER_IMPORT.length), method, args)
              : services(name, method, args),
          onStdio,
        );
        servers.set(worker, server);
        return worker;
      },
      // A worker runs its instance's `shutdown`, then exits; the plugin awaits these on shutdown.
      destroy: (worker) => {
        const server = servers.get(worker);
        const done = worker.shutdown().finally(() => server?.dispose());
        terminating.add(done);
        void done.finally(() => terminating.delete(done));
      },
      max: spec.maxInstances ?? spec.manifest?.permissions.limits.maxInstances ?? 3,
      ...(spec.queueLimit === undefined ? {} : { queueLimit: spec.queueLimit }),
      ...(spec.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: spec.acquireTimeoutMs }),
    });
    const first = workers.tryAcquire()!;
    let ready: Awaited<WorkerInstance['ready']>;
    try {
      ready = await first.ready;
    } catch (error) {
      workers.release(first, true);
      workers.close();
      throw error;
    }
    workers.release(first);
    return new Plugin<E>(spec, {
      workers,
      functions: new Map(ready.functions),
      lean: ready.lean,
      terminating,
    });
  }

  /** Use {@link Plugin.start}, which also supports worker isolation. */
  constructor(spec: PluginSpec, worker?: WorkerSide) {
    this.name = spec.plugin;
    this.version = spec.version;
    this.path = spec.path;
    this.sha256 = spec.compiled.sha256;
    this.world = spec.world.id;
    this.manifest = spec.manifest;
    this.isolation = worker ? 'worker' : 'in-thread';
    this.#memoryLimitBytes = spec.compiled.memoryLimitBytes;
    this.#budget = {
      cpuMs: spec.cpuTimeMs ?? spec.manifest?.permissions.limits.cpuTimeMs ?? defaultLimits.cpuTimeMs,
      wallMs: spec.wallTimeMs ?? spec.manifest?.permissions.limits.wallTimeMs ?? defaultLimits.wallTimeMs,
    };
    this.#logger = pluginLogger(spec);
    this.#onLimit = spec.onLimit;
    if (worker) {
      this.#pool = undefined;
      this.#worker = worker;
      this.metrics = new PluginMetrics(spec.plugin, spec.version, () => worker.workers.counts());
      this.exports = this.#proxies(worker.functions, spec.compiled.shape);
      this.leanExports = worker.lean;
      return;
    }
    const onStdio = spec.onStdio ?? logStdio(this.#logger);
    const userImports = spec.imports
      ? bindImportsInThread(spec.plugin, spec.imports.plan, spec.imports.selected)
      : undefined;
    const pool = new InstancePool<PluginInstance>({
      plugin: spec.plugin,
      create: () => createInstance({ ...spec, onStdio, ...(userImports ? { userImports } : {}) }),
      destroy: (instance) =>
        shutdownInstance(instance, (error) => this.#logger.warn({ err: error }, 'plugin shutdown failed')),
      max: spec.maxInstances ?? spec.manifest?.permissions.limits.maxInstances ?? 3,
      ...(spec.queueLimit === undefined ? {} : { queueLimit: spec.queueLimit }),
      ...(spec.acquireTimeoutMs === undefined ? {} : { acquireTimeoutMs: spec.acquireTimeoutMs }),
    });
    this.#pool = pool;
    this.#worker = undefined;
    this.metrics = new PluginMetrics(spec.plugin, spec.version, () => pool.counts());
    pool.warm(1);
    const first = pool.tryAcquire()!;
    this.exports = this.#proxies(
      new Map([...first.functions].map(([iface, fns]) => [iface, [...fns.keys()]])),
      spec.compiled.shape,
    );
    this.leanExports = first.lean;
    pool.release(first);
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

  #proxies(functions: ReadonlyMap<string, readonly string[]>, shape: WorldShape | undefined): E {
    const carries = handleCarriers(shape);
    const built = buildExports(
      this.name,
      functions,
      (iface, op, args, target) => {
        const withAt = carries(iface, op);
        if (!withAt) return this.call(iface, op, args);
        if (this.#paused) return Promise.reject(this.#unavailable());
        const called =
          target === undefined
            ? this.#call(iface, op, args, withAt)
            : this.#callOn(target, iface, op, args, withAt);
        if (!withAt) return called;
        return (called as Promise<Answer>).then(({ value, at }) =>
          mapHandles(value, (o) => {
            if (isHandleMarker(o)) {
              const [key, cls] = o.r.split('#') as [string, string];
              return built.handleFor(at, o, key, cls);
            }
            const r = (at as Partial<PluginInstance>).resourceOf?.(o);
            return r ? built.handleFor(at, o, r.iface, r.cls) : o;
          }),
        );
      },
      'async',
      carries,
    );
    return built.exports as E;
  }

  /**
   * Runs a call on `target`, the instance (or worker) holding resources its arguments name,
   * waiting for it when it is busy.
   */
  #callOn(
    target: object,
    iface: string,
    fn: string,
    args: readonly unknown[],
    withAt: boolean,
  ): Promise<unknown> {
    if (this.#worker) {
      const workers = this.#worker.workers;
      return workers
        .acquireThis(target as WorkerInstance)
        .then((w) => this.#runInWorker(workers, w, iface, fn, args, withAt));
    }
    return this.#pool!.acquireThis(target as PluginInstance).then((i) =>
      this.#invoke(i, iface, fn, args, withAt),
    );
  }

  /**
   * Calls export `fn` of interface `iface` (id or short name; `''` for a function the world
   * exports directly) with `args`.
   *
   * @throws {PluginError} `WITKIT_PLUGIN_ERROR` (the plugin's `err`), `WITKIT_EXECUTION_FAILED`
   *   (a trap; that instance is replaced), `WITKIT_MEMORY_LIMIT_EXCEEDED`, `WITKIT_CPU_LIMIT_EXCEEDED`,
   *   `WITKIT_PLUGIN_UNAVAILABLE`, `WITKIT_INSTANCE_LIMIT_EXCEEDED`
   */
  call(iface: string, fn: string, args: readonly unknown[]): Promise<unknown> {
    if (this.#paused) return Promise.reject(this.#unavailable());
    return this.#call(iface, fn, args);
  }

  /** Tells `onLimit` when `error` is a limit hit; called where such errors arise, off the hot path. */
  #noteLimit(error: unknown, iface: string, fn: string): void {
    const type = limitTypes[(error as { code?: string }).code ?? ''];
    if (!type || !this.#onLimit) return;
    this.#onLimit({
      type,
      resource: label(iface, fn),
      action: type === 'instance-limit-exceeded' ? 'denied' : 'terminated',
      message: (error as Error).message,
    });
  }

  /**
   * Like {@link call}, but also while the plugin is paused for a graceful shutdown: for work
   * the host accepted before it began shutting down, such as events already published.
   */
  deliver(iface: string, fn: string, args: readonly unknown[]): Promise<unknown> {
    return this.#call(iface, fn, args);
  }

  #call(iface: string, fn: string, args: readonly unknown[], withAt = false): Promise<unknown> {
    if (this.#worker) return this.#callInWorker(this.#worker.workers, iface, fn, args, withAt);
    const pool = this.#pool!;
    let instance: PluginInstance | undefined;
    try {
      instance = pool.tryAcquire();
    } catch (error) {
      return Promise.reject(error);
    }
    if (instance === undefined) {
      return pool.acquire().then(
        (i) => this.#invoke(i, iface, fn, args, withAt),
        (error: unknown) => {
          this.#noteLimit(error, iface, fn);
          throw error;
        },
      );
    }
    try {
      return Promise.resolve(this.#invoke(instance, iface, fn, args, withAt));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Calls an export right now in this thread, for host paths that cannot wait (a guest's
   * synchronous import). Fails instead of queueing when every instance is busy, and for
   * plugins in workers.
   */
  callNow(iface: string, fn: string, args: readonly unknown[]): unknown {
    if (this.#paused) throw this.#unavailable();
    if (!this.#pool) {
      throw new PluginError(
        'WITKIT_EXECUTION_FAILED',
        this.name,
        'runs in a worker: it cannot be called synchronously',
      );
    }
    const instance = this.#pool.tryAcquire();
    if (instance === undefined) {
      throw new PluginError('WITKIT_INSTANCE_LIMIT_EXCEEDED', this.name, 'every instance is busy');
    }
    return this.#invoke(instance, iface, fn, args);
  }

  /** Runs a call on `instance`; with `withAt`, answers `{ value, at: instance }` (for handles). */
  #invoke(
    instance: PluginInstance,
    iface: string,
    fn: string,
    args: readonly unknown[],
    withAt = false,
  ): unknown {
    const started = performance.now();
    this.#inFlight++;
    let poisoned = false;
    try {
      const func = instance.functions.get(iface)?.get(fn);
      if (func === undefined) {
        throw new PluginError(
          'WITKIT_EXECUTION_FAILED',
          this.name,
          `the plugin has no export \`${label(iface, fn)}\``,
        );
      }
      const result = func(...args);
      this.metrics.record(performance.now() - started, 'ok');
      this.#faulted = false;
      return withAt ? ({ value: result, at: instance } satisfies Answer) : result;
    } catch (error) {
      if (error instanceof PluginError && error.code !== 'WITKIT_INVALID_IMPORT') {
        this.metrics.record(performance.now() - started, 'error');
        throw error;
      }
      if (error instanceof PluginError) {
        // A host import refused mid-call unwound the guest: its instance is not reused.
        poisoned = true;
        this.metrics.record(performance.now() - started, 'error');
        this.#fault(error, iface, fn, undefined);
        throw error;
      }
      const failure = classifyWithLimits(this.name, label(iface, fn), error, {
        used: () => instance.memoryBytes(),
        limit: this.#memoryLimitBytes,
      });
      poisoned = failure.kind !== 'plugin-error';
      this.metrics.record(performance.now() - started, failure.kind === 'trap' ? 'trap' : 'error');
      if (poisoned) {
        this.#fault(error, iface, fn, failure.error.guestBacktrace);
        this.#noteLimit(failure.error, iface, fn);
      }
      throw failure.error;
    } finally {
      instance.flushStdio();
      this.#inFlight--;
      this.#pool!.release(instance, poisoned);
    }
  }

  #callInWorker(
    workers: InstancePool<WorkerInstance>,
    iface: string,
    fn: string,
    args: readonly unknown[],
    withAt: boolean,
  ): Promise<unknown> {
    let worker: WorkerInstance | undefined;
    try {
      worker = workers.tryAcquire();
    } catch (error) {
      return Promise.reject(error);
    }
    if (worker !== undefined) return this.#runInWorker(workers, worker, iface, fn, args, withAt);
    return workers.acquire().then(
      (w) => this.#runInWorker(workers, w, iface, fn, args, withAt),
      (error: unknown) => {
        this.#noteLimit(error, iface, fn);
        throw error;
      },
    );
  }

  async #runInWorker(
    workers: InstancePool<WorkerInstance>,
    worker: WorkerInstance,
    iface: string,
    fn: string,
    args: readonly unknown[],
    withAt: boolean,
  ): Promise<unknown> {
    const started = performance.now();
    this.#inFlight++;
    let poisoned = false;
    try {
      const value = await worker.call(iface, fn, args, this.#budget);
      this.metrics.record(performance.now() - started, 'ok');
      this.#faulted = false;
      return withAt ? ({ value, at: worker } satisfies Answer) : value;
    } catch (error) {
      const kind = (error as { kind?: string }).kind;
      poisoned = kind === 'trap' || kind === 'host-failure' || worker.dead;
      this.metrics.record(performance.now() - started, kind === 'trap' ? 'trap' : 'error');
      if (poisoned) this.#fault(error, iface, fn, (error as PluginError).guestBacktrace);
      this.#noteLimit(error, iface, fn);
      throw error;
    } finally {
      this.#inFlight--;
      workers.release(worker, poisoned);
    }
  }

  #fault(error: unknown, iface: string, fn: string, guestBacktrace: readonly string[] | undefined): void {
    this.#faulted = true;
    this.#logger.error(
      { err: error, function: label(iface, fn), guestBacktrace },
      'plugin call failed; its instance is discarded',
    );
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
    const pool = this.#pool ?? this.#worker!.workers;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      pool.drained().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    pool.close();
    await Promise.all([...(this.#worker?.terminating ?? [])]);
    this.#stopped = true;
    if (!drained) {
      this.#logger.warn(
        { inFlight: this.#inFlight, deadlineMs },
        'shutdown deadline passed with calls in flight',
      );
    }
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

/** The plugin's logger: the host's, tagged with the plugin and its version. */
function pluginLogger(spec: PluginSpec): PinoLogger {
  return spec.logger.child({ plugin: spec.plugin, version: spec.version });
}

function label(iface: string, fn: string): string {
  return iface ? `${iface}.${fn}` : fn;
}
