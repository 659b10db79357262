import { Worker } from 'node:worker_threads';
import { PluginError, type PluginErrorCode } from '../errors.js';
import { Channel, createChannelMemory, State } from './channel.js';
import type { FailureReport, PluginWorkerData } from './plugin-worker.js';

/** Answers a guest's host-service call on the host thread; may be async. */
export type ServiceDispatch = (name: string, method: string, args: unknown[]) => unknown;

/** Interface key of calls to the instance's lifecycle rather than to an export. */
export const LIFECYCLE = '\u0000lifecycle';

/** Service name of requests to the host itself rather than to the guest's host services. */
export const HOST = '\u0000host';

/** How long the host spins on the channel before it yields to the event loop, in ms. */
const SPIN_MS = 0.05;

/**
 * One plugin instance in a worker thread, seen from the host thread. Calls are sent over a
 * shared-memory channel; the host spins briefly for a quick answer, then waits with
 * `Atomics.waitAsync`, so its event loop keeps running (and answering the guest's host
 * service calls) while the guest works. A call over its CPU budget terminates the worker.
 */
export class WorkerInstance {
  readonly ready: Promise<{ functions: Array<[string, string[]]>; lean: string[] }>;
  readonly #worker: Worker;
  readonly #channel: Channel;
  readonly #plugin: string;
  readonly #dispatch: ServiceDispatch;
  #dead: Error | undefined;

  constructor(data: Omit<PluginWorkerData, 'channel'>, dispatch: ServiceDispatch) {
    const memory = createChannelMemory();
    this.#channel = new Channel(memory);
    this.#plugin = data.plugin;
    this.#dispatch = dispatch;
    this.#worker = new Worker(new URL('./plugin-worker.js', import.meta.url), {
      workerData: { ...data, channel: memory } satisfies PluginWorkerData,
    });
    this.#worker.unref();
    const died = new Promise<never>((_, reject) => {
      this.#worker.once('error', (error) => {
        this.#dead = error;
        reject(
          new PluginError('WITKIT_LOAD_FAILED', this.#plugin, `its worker failed: ${error.message}`, {
            cause: error,
          }),
        );
      });
      this.#worker.once('exit', (code) => {
        this.#dead ??= new Error(`worker exited with code ${code}`);
        reject(
          new PluginError(
            'WITKIT_LOAD_FAILED',
            this.#plugin,
            `its worker exited (code ${code}) before it was ready`,
          ),
        );
      });
    });
    died.catch(() => {});
    this.ready = Promise.race([died, this.#awaitReady()]);
    this.ready.catch(() => {});
  }

  async #awaitReady() {
    // The guest's `initialize` may already call host services, so serve those while waiting.
    await this.#keepAlive(() => this.#serve(State.Ready, Number.POSITIVE_INFINITY, 'initialize'));
    const ready = this.#channel.read() as
      | { ok: true; functions: Array<[string, string[]]>; lean: string[] }
      | { ok: false; code: PluginErrorCode; message: string };
    this.#channel.signal(State.Idle);
    if (!ready.ok)
      throw new PluginError(ready.code, this.#plugin, ready.message.replace(/^plugin `[^`]*`: /, ''));
    return ready;
  }

  /**
   * Waits until the worker publishes `done` (or a call outcome), answering host-service
   * requests meanwhile. Spins briefly first: a quick call is answered within microseconds,
   * and a futex wake-up costs tens of them. Time spent in services does not count.
   *
   * @returns the state the worker ended in
   */
  async #serve(done: number, budgetMs: number, fn: string): Promise<number> {
    const channel = this.#channel;
    let deadline = performance.now() + budgetMs;
    for (;;) {
      let state = channel.state;
      const waiting = () =>
        state !== done && state !== State.Result && state !== State.Failure && state !== State.Service;
      if (waiting()) {
        const spinUntil = performance.now() + SPIN_MS;
        while (waiting() && performance.now() < spinUntil) state = channel.state;
      }
      if (waiting()) {
        if (this.#dead) throw this.#dead;
        const remaining = deadline - performance.now();
        if (remaining <= 0) this.#overBudget(fn, budgetMs);
        const wait = Atomics.waitAsync(channel.words, 0, state, Math.min(remaining, 1000));
        if (wait.async) await wait.value;
        continue;
      }
      if (state !== State.Service) return state;
      const started = performance.now();
      const [name, method, serviceArgs] = channel.read() as [string, string, unknown[]];
      try {
        channel.send(State.ServiceDone, { ok: true, value: await this.#dispatch(name, method, serviceArgs) });
      } catch (thrown) {
        channel.send(State.ServiceDone, {
          ok: false,
          thrown: thrown instanceof Error ? thrown.message : thrown,
          isError: thrown instanceof Error,
        });
      }
      deadline += performance.now() - started;
    }
  }

  /**
   * Keeps the process alive while the host waits on the worker: `Atomics.waitAsync` holds no
   * event-loop handle, and an idle worker must not keep a host process from exiting.
   */
  async #keepAlive<T>(wait: () => Promise<T>): Promise<T> {
    this.#worker.ref();
    try {
      return await wait();
    } finally {
      if (!this.#dead) this.#worker.unref();
    }
  }

  /** Whether the worker is gone (terminated after a fault or over its budget). */
  get dead(): boolean {
    return this.#dead !== undefined;
  }

  /**
   * Runs one call. Time spent answering the guest's host-service calls does not count
   * against `cpuBudgetMs`.
   *
   * @throws {PluginError} the plugin's own error, a trap, or `WITKIT_CPU_LIMIT_EXCEEDED`
   */
  async call(iface: string, fn: string, args: readonly unknown[], cpuBudgetMs: number): Promise<unknown> {
    if (this.#dead) throw new PluginError('WITKIT_PLUGIN_UNAVAILABLE', this.#plugin, 'its worker is gone');
    const channel = this.#channel;
    channel.send(State.Call, [iface, fn, args]);
    const state = await this.#keepAlive(() =>
      this.#serve(State.Result, cpuBudgetMs, iface ? `${iface}.${fn}` : fn),
    );
    const payload = channel.read();
    channel.signal(State.Idle);
    if (state === State.Result) return payload;
    const failure = payload as FailureReport;
    throw Object.assign(
      new PluginError(failure.code as PluginErrorCode, this.#plugin, failure.message, {
        ...('payload' in failure ? { payload: failure.payload } : {}),
        ...(failure.guestBacktrace ? { guestBacktrace: failure.guestBacktrace } : {}),
      }),
      { kind: failure.kind },
    );
  }

  #overBudget(fn: string, budgetMs: number): never {
    this.#dead = new Error('terminated over its CPU budget');
    void this.#worker.terminate();
    throw Object.assign(
      new PluginError(
        'WITKIT_CPU_LIMIT_EXCEEDED',
        this.#plugin,
        `\`${fn}\` ran longer than its ${budgetMs} ms CPU budget and was stopped; raise \`cpu-time\` in plugin.toml if it needs more`,
      ),
      { kind: 'trap' as const },
    );
  }

  /** Runs the instance's `shutdown` (when the worker is still alive), then stops the worker. */
  async shutdown(): Promise<void> {
    if (!this.#dead) {
      try {
        await this.ready;
        await this.call(LIFECYCLE, 'shutdown', [], 10_000);
      } catch {
        // A worker that fails to shut down cleanly is stopped all the same.
      }
    }
    this.#dead ??= new Error('shut down');
    await this.#worker.terminate();
  }
}
