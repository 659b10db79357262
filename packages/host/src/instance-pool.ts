import { PluginError } from './errors.js';
import type { InstanceCounts } from './metrics.js';

/** Options of {@link InstancePool}. */
export interface InstancePoolOptions<I> {
  /** Plugin name, for errors. */
  readonly plugin: string;
  /** Creates and initializes an instance; throws when it cannot. */
  readonly create: () => I;
  /** Tears an instance down (e.g. calls the plugin's `shutdown`); must not throw. */
  readonly destroy: (instance: I) => void;
  /** Instances that may exist at once. @default 3 */
  readonly max?: number;
  /** Calls that may wait for an instance before new ones are refused. @default 64 */
  readonly queueLimit?: number;
  /** How long a call waits for an instance. @default 30000 */
  readonly acquireTimeoutMs?: number;
}

interface Waiter<I> {
  resolve(instance: I): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * Ready instances of one plugin version. A call takes an idle instance without waiting when
 * there is one, creates one while under `max`, and otherwise queues (bounded, with a
 * timeout). An instance that trapped is destroyed, never reused.
 */
export class InstancePool<I> {
  readonly #opts: Required<Omit<InstancePoolOptions<I>, 'plugin' | 'create' | 'destroy'>> &
    InstancePoolOptions<I>;
  readonly #idle: I[] = [];
  readonly #waiters: Waiter<I>[] = [];
  readonly #drained: Array<() => void> = [];
  /** Every live instance, and the calls waiting for that one in particular (see {@link acquireThis}). */
  readonly #live = new Map<I, Array<{ resolve(instance: I): void; reject(error: unknown): void }>>();
  #busy = 0;
  #created = 0;
  #discarded = 0;
  #closed = false;

  constructor(options: InstancePoolOptions<I>) {
    this.#opts = { max: 3, queueLimit: 64, acquireTimeoutMs: 30_000, ...options };
  }

  /** Instance counts, for metrics. */
  counts(): InstanceCounts {
    return {
      idle: this.#idle.length,
      busy: this.#busy,
      created: this.#created,
      discarded: this.#discarded,
      waiting: this.#waiters.length,
    };
  }

  /** Creates instances until `n` are idle (bounded by `max`), so first calls find one warm. */
  warm(n: number): void {
    while (!this.#closed && this.#idle.length < n && this.#idle.length + this.#busy < this.#opts.max) {
      this.#idle.push(this.#create());
    }
  }

  #create(): I {
    const instance = this.#opts.create();
    this.#created++;
    this.#live.set(instance, []);
    return instance;
  }

  #destroy(instance: I): void {
    const pinned = this.#live.get(instance) ?? [];
    this.#live.delete(instance);
    for (const waiter of pinned) waiter.reject(this.#gone());
    this.#opts.destroy(instance);
  }

  #gone(): PluginError {
    return new PluginError(
      'WITKIT_RESOURCE_GONE',
      this.#opts.plugin,
      'the instance holding this resource is gone (it failed, or the plugin was unloaded or reloaded); make a new resource',
    );
  }

  /**
   * `instance` itself, for a call that must run where its resources live: at once when it is
   * idle, else once its current call ends (before calls waiting for any instance).
   *
   * @throws {PluginError} `WITKIT_RESOURCE_GONE` when that instance was destroyed
   */
  acquireThis(instance: I): Promise<I> {
    const pinned = this.#live.get(instance);
    if (!pinned || this.#closed) return Promise.reject(this.#gone());
    const at = this.#idle.indexOf(instance);
    if (at >= 0) {
      this.#idle.splice(at, 1);
      this.#busy++;
      return Promise.resolve(instance);
    }
    return new Promise((resolve, reject) => pinned.push({ resolve, reject }));
  }

  /**
   * An instance right now, or `undefined` when all are busy and none may be added.
   *
   * @throws {PluginError} `WITKIT_PLUGIN_UNAVAILABLE` once closed; whatever `create` throws
   */
  tryAcquire(): I | undefined {
    if (this.#closed) throw this.#unavailable();
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      this.#busy++;
      return idle;
    }
    if (this.#busy >= this.#opts.max) return undefined;
    const created = this.#create();
    this.#busy++;
    return created;
  }

  /**
   * An instance, waiting in the queue when all are busy.
   *
   * @throws {PluginError} `WITKIT_INSTANCE_LIMIT_EXCEEDED` when the queue is full or the wait times out
   */
  acquire(): Promise<I> {
    try {
      const now = this.tryAcquire();
      if (now !== undefined) return Promise.resolve(now);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#waiters.length >= this.#opts.queueLimit) {
      return Promise.reject(
        new PluginError(
          'WITKIT_INSTANCE_LIMIT_EXCEEDED',
          this.#opts.plugin,
          `all ${this.#opts.max} instances are busy and ${this.#waiters.length} calls already wait; raise \`max-instances\` in plugin.toml or send fewer calls at once`,
        ),
      );
    }
    return new Promise<I>((resolve, reject) => {
      const waiter: Waiter<I> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(
            new PluginError(
              'WITKIT_INSTANCE_LIMIT_EXCEEDED',
              this.#opts.plugin,
              `no instance became free within ${this.#opts.acquireTimeoutMs} ms (all ${this.#opts.max} busy)`,
            ),
          );
        }, this.#opts.acquireTimeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Returns an instance after a call; `poisoned` ones (after a trap) are destroyed instead. */
  release(instance: I, poisoned = false): void {
    this.#busy--;
    if (poisoned || this.#closed) {
      if (poisoned) this.#discarded++;
      this.#destroy(instance);
    } else {
      const pinned = this.#live.get(instance)?.shift();
      if (pinned) {
        this.#busy++;
        pinned.resolve(instance);
        return;
      }
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        this.#busy++;
        waiter.resolve(instance);
        return;
      }
      this.#idle.push(instance);
    }
    // A waiter whose instance was discarded gets a fresh one.
    if (poisoned && !this.#closed && this.#waiters.length > 0) {
      const waiter = this.#waiters.shift()!;
      clearTimeout(waiter.timer);
      try {
        const fresh = this.#create();
        this.#busy++;
        waiter.resolve(fresh);
      } catch (error) {
        waiter.reject(error);
      }
    }
    if (this.#busy === 0) for (const done of this.#drained.splice(0)) done();
  }

  /** Resolves when no call is using an instance. */
  drained(): Promise<void> {
    return this.#busy === 0 ? Promise.resolve() : new Promise((resolve) => this.#drained.push(resolve));
  }

  /** Refuses new calls, fails queued ones, and destroys the idle instances. Busy ones go on release. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(this.#unavailable());
    }
    for (const instance of this.#idle.splice(0)) this.#destroy(instance);
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #unavailable(): PluginError {
    return new PluginError(
      'WITKIT_PLUGIN_UNAVAILABLE',
      this.#opts.plugin,
      'the plugin is shutting down or was unloaded',
    );
  }
}
