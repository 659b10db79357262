import { Worker } from 'node:worker_threads';
import { workerExecArgv } from './worker-exec-argv.js';

/** A component to transpile, as the host thread sends it. */
export interface TranspileRequest {
  readonly id: number;
  readonly bytes: Uint8Array;
}

/** What the transpile worker answers. */
export type TranspileReply =
  | {
      readonly id: number;
      readonly ok: true;
      /** Glue and core modules by file name. */
      readonly files: ReadonlyArray<readonly [string, Uint8Array]>;
      readonly imports: readonly string[];
      readonly exports: readonly string[];
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

type Transpiled = Extract<TranspileReply, { ok: true }>;

/**
 * Transpiles components with jco in a worker thread of its own, one at a time, so the thread
 * that serves plugin calls is never blocked by it. The worker starts on first use and holds
 * the process open only while a transpile is pending.
 */
export class Transpiler {
  #worker: Worker | undefined;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (r: Transpiled) => void; reject: (e: Error) => void }>();

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./transpile-worker.js', import.meta.url), {
      execArgv: workerExecArgv(),
    });
    worker.on('message', (reply: TranspileReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) worker.unref();
      if (reply.ok) waiter?.resolve(reply);
      else waiter?.reject(new Error(reply.message));
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the transpile worker exited with code ${code}`)));
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  /** Fails every pending transpile; the next one starts a fresh worker. */
  #fail(error: Error): void {
    this.#worker = undefined;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }

  /** Transpiles `bytes` (jco, sync instantiation): the glue files, imports and exports. */
  transpile(bytes: Uint8Array): Promise<Transpiled> {
    const worker = this.#start();
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, bytes } satisfies TranspileRequest);
    });
  }
}

/** The process's transpiler, shared by every component cache. */
export const transpiler: Transpiler = new Transpiler();
