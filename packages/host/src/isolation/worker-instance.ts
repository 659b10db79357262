import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { PluginError, type PluginErrorCode } from '../errors.js';
import type { StdioRecord } from '../stdio.js';
import { workerExecArgv } from '../worker-exec-argv.js';
import { Channel, createChannelMemory, LIFECYCLE_SHUTDOWN, State } from './channel.js';
import type { FailureReport, PluginWorkerData } from './plugin-worker.js';

/** The budgets of one call in a worker, in milliseconds. */
export interface CallBudget {
  /** Time the guest itself runs; host-service waits are not counted. */
  readonly cpuMs: number;
  /** Time the call takes in all, host-service waits included. */
  readonly wallMs: number;
}

const unbounded: CallBudget = { cpuMs: Number.POSITIVE_INFINITY, wallMs: Number.POSITIVE_INFINITY };
/** What {@link WorkerInstance} `#beforeDeadline` resolves to when the deadline passed first. */
const timedOut = Symbol('timed out');
/** Answers a guest's host-service call on the host thread; may be async. */
export type ServiceDispatch = (name: string, method: string, args: unknown[]) => unknown;

/** Service name of requests to the host itself rather than to the guest's host services. */
export const HOST = '\u0000host';

/**
 * How long the host thread spins for a call's outcome before it yields to the event loop,
 * in microseconds. A quick call is answered within a few; yielding and being woken costs
 * tens. The spin blocks the event loop, so it is short, and it is skipped for a worker whose
 * calls keep outlasting it (see {@link MISSES_BEFORE_NO_SPIN}).
 */
const MAX_HOST_SPIN_US = 50;

/** After this many calls in a row outlasted the spin, the host stops spinning for the worker's calls… */
const MISSES_BEFORE_NO_SPIN = 3;

/** …except every this-many-th call, to notice when they get quick again. */
const PROBE_EVERY = 16;

type ReadyReport =
  | { ok: true; functions: Array<[string, string[]]>; lean: string[] }
  | { ok: false; code: PluginErrorCode; message: string };

/** While the worker owns the channel: the host has nothing to do but wait. */
const working = (state: number) => state === State.Call || state === State.ServiceDone;

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
  readonly #stdio: MessagePort;
  readonly #plugin: string;
  readonly #dispatch: ServiceDispatch;
  readonly #onStdio: (record: StdioRecord) => void;
  /** Index of each export, by jco's interface key and function name, once the worker is ready. */
  #index: Map<string, Map<string, number>> | undefined;
  #dead: Error | undefined;
  /** Calls in a row that outlasted the spin. */
  #misses = 0;
  #sinceProbe = 0;

  /**
   * Starts the worker. `onStdio` receives the guest's stdout and stderr lines, in order, on
   * this thread; those of a call before the call returns.
   */
  constructor(
    data: Omit<PluginWorkerData, 'channel' | 'stdio'>,
    dispatch: ServiceDispatch,
    onStdio: (record: StdioRecord) => void,
  ) {
    const memory = createChannelMemory();
    this.#channel = new Channel(memory);
    this.#plugin = data.plugin;
    this.#dispatch = dispatch;
    this.#onStdio = onStdio;
    const { port1, port2 } = new MessageChannel();
    this.#stdio = port1;
    // Batches posted while a long call runs arrive here; the rest is taken at the call's end.
    port1.on('message', (records: StdioRecord[]) => this.#log(records));
    port1.unref();
    this.#worker = new Worker(new URL('./plugin-worker.js', import.meta.url), {
      workerData: { ...data, channel: memory, stdio: port2 } satisfies PluginWorkerData,
      transferList: [port2],
      execArgv: workerExecArgv(),
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
        this.#takeStdio();
        this.#stdio.close();
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
    await this.#keepAlive(() => this.#serve(State.Ready, unbounded, 'initialize'));
    const ready = this.#take() as ReadyReport;
    if (!ready.ok)
      throw new PluginError(ready.code, this.#plugin, ready.message.replace(/^plugin `[^`]*`: /, ''));
    let next = 0;
    this.#index = new Map(
      ready.functions.map(([iface, fns]) => [iface, new Map(fns.map((fn) => [fn, next++]))]),
    );
    return ready;
  }

  #log(records: StdioRecord[]): void {
    for (const record of records) this.#onStdio(record);
  }

  /** Logs the stdio batches the worker posted and this thread has not received yet. */
  #takeStdio(): void {
    for (let m = receiveMessageOnPort(this.#stdio); m; m = receiveMessageOnPort(this.#stdio)) {
      this.#log(m.message as StdioRecord[]);
    }
  }

  /** Takes the outcome the worker published (after its output), and hands the channel back. */
  #take(): unknown {
    if (this.#channel.takeStdioMark()) this.#takeStdio();
    const [payload] = this.#channel.read();
    // The worker sleeps until the next call; nothing to wake it for.
    this.#channel.set(State.Idle);
    return payload;
  }

  /**
   * Waits until the worker publishes `done` (or a call outcome), answering host-service
   * requests meanwhile; after a service it spins first, as the guest usually goes on at once.
   * Time spent in services does not count against the CPU budget, but does against the
   * wall-clock one, which also bounds each service wait.
   *
   * @returns the state the worker ended in
   */
  async #serve(done: number, budget: CallBudget, fn: string): Promise<number> {
    const channel = this.#channel;
    const waiting = (state: number) =>
      state !== done && state !== State.Result && state !== State.Failure && state !== State.Service;
    const wallDeadline = performance.now() + budget.wallMs;
    let deadline = performance.now() + budget.cpuMs;
    let spinUs = 0;
    for (;;) {
      const state = channel.spinWhile(waiting, spinUs);
      if (waiting(state)) {
        if (this.#dead) throw this.#dead;
        const now = performance.now();
        if (deadline <= now) this.#overBudget(fn, budget.cpuMs);
        if (wallDeadline <= now) this.#overWallClock(fn, budget.wallMs);
        const remaining = Math.min(deadline, wallDeadline) - now;
        const wait = Atomics.waitAsync(channel.words, 0, state, Math.min(remaining, 1000));
        if (wait.async) await wait.value;
        spinUs = 0;
        continue;
      }
      if (state !== State.Service) return state;
      const started = performance.now();
      const [name, method, ...args] = channel.read() as [string, string, ...unknown[]];
      try {
        const answer = await this.#beforeDeadline(this.#dispatch(name, method, args), wallDeadline);
        if (answer === timedOut) this.#overWallClock(fn, budget.wallMs);
        channel.send(State.ServiceDone, [true, answer]);
      } catch (thrown) {
        if (this.#dead) throw thrown;
        const payload =
          typeof thrown === 'object' && thrown !== null && Object.hasOwn(thrown, 'payload')
            ? (thrown as { payload: unknown }).payload
            : undefined;
        channel.send(State.ServiceDone, [
          false,
          thrown instanceof Error ? thrown.message : thrown,
          thrown instanceof Error,
          payload,
        ]);
      }
      deadline += performance.now() - started;
      spinUs = MAX_HOST_SPIN_US;
    }
  }

  /** `value`, or {@link timedOut} once `deadline` (a `performance.now()` time) has passed. */
  async #beforeDeadline(value: unknown, deadline: number): Promise<unknown> {
    // setTimeout cannot wait longer than ~24.8 days (longer waits fire at once).
    if (!(value instanceof Promise) || !Number.isFinite(deadline)) return value;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(timedOut), Math.max(0, deadline - performance.now()));
    });
    try {
      return await Promise.race([value, late]);
    } finally {
      clearTimeout(timer);
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
   * How long to spin for this call's outcome: not at all while calls keep outlasting the spin
   * (a plugin whose calls take milliseconds), but for a probe now and then.
   */
  #spinBudget(): number {
    if (this.#misses < MISSES_BEFORE_NO_SPIN) return MAX_HOST_SPIN_US;
    if (++this.#sinceProbe < PROBE_EVERY) return 0;
    this.#sinceProbe = 0;
    return MAX_HOST_SPIN_US;
  }

  /**
   * Runs one call. Time spent answering the guest's host-service calls does not count
   * against `budget.cpuMs`, but does against `budget.wallMs`.
   *
   * @throws {PluginError} the plugin's own error, a trap, `WITKIT_CPU_LIMIT_EXCEEDED` or `WITKIT_CALL_TIMEOUT`
   */
  call(iface: string, fn: string, args: readonly unknown[], budget: CallBudget): Promise<unknown> {
    if (this.#dead) {
      return Promise.reject(new PluginError('WITKIT_PLUGIN_UNAVAILABLE', this.#plugin, 'its worker is gone'));
    }
    if (this.#index === undefined) return this.ready.then(() => this.call(iface, fn, args, budget));
    return this.#run(this.#index.get(iface)?.get(fn), iface ? `${iface}.${fn}` : fn, args, budget);
  }

  async #run(index: number | undefined, label: string, args: readonly unknown[], budget: CallBudget) {
    if (index === undefined) {
      throw new PluginError('WITKIT_EXECUTION_FAILED', this.#plugin, `the plugin has no export \`${label}\``);
    }
    const channel = this.#channel;
    const spinUs = this.#spinBudget();
    channel.send(State.Call, [index, ...args]);
    let state = channel.spinWhile(working, spinUs);
    if (spinUs > 0) this.#misses = working(state) ? this.#misses + 1 : 0;
    if (working(state) || state === State.Service) {
      state = await this.#keepAlive(() => this.#serve(State.Result, budget, label));
    }
    const payload = this.#take();
    if (state === State.Result) return payload;
    const failure = payload as FailureReport;
    throw Object.assign(
      new PluginError(failure.code as PluginErrorCode, this.#plugin, failure.message, {
        ...('payload' in failure ? { payload: failure.payload } : {}),
        ...(failure.guestBacktrace ? { guestBacktrace: failure.guestBacktrace } : {}),
        ...(failure.cause
          ? { cause: Object.assign(new Error(failure.cause.message), { name: failure.cause.name }) }
          : {}),
      }),
      { kind: failure.kind },
    );
  }

  /** Stops the worker of a call that ran past one of its budgets, and fails the call. */
  #stopOverBudget(code: 'WITKIT_CPU_LIMIT_EXCEEDED' | 'WITKIT_CALL_TIMEOUT', message: string): never {
    this.#dead = new Error(`terminated: ${message}`);
    // What the guest printed before it was stopped is often what explains it.
    this.#takeStdio();
    void this.#worker.terminate();
    throw Object.assign(new PluginError(code, this.#plugin, message), { kind: 'trap' as const });
  }

  #overBudget(fn: string, budgetMs: number): never {
    this.#stopOverBudget(
      'WITKIT_CPU_LIMIT_EXCEEDED',
      `\`${fn}\` ran longer than its ${budgetMs} ms CPU budget and was stopped; raise \`cpu-time\` in plugin.toml if it needs more`,
    );
  }

  #overWallClock(fn: string, wallMs: number): never {
    this.#stopOverBudget(
      'WITKIT_CALL_TIMEOUT',
      `\`${fn}\` took longer than its ${wallMs} ms wall-clock budget (host-service waits included) and was stopped; raise \`wall-time\` in plugin.toml if it needs more`,
    );
  }

  /** Runs the instance's `shutdown` (when the worker is still alive), then stops the worker. */
  async shutdown(): Promise<void> {
    if (!this.#dead) {
      try {
        await this.ready;
        await this.#run(LIFECYCLE_SHUTDOWN, 'shutdown', [], { cpuMs: 10_000, wallMs: 10_000 });
      } catch {
        // A worker that fails to shut down cleanly is stopped all the same.
      }
    }
    this.#dead ??= new Error('shut down');
    await this.#worker.terminate();
  }
}
