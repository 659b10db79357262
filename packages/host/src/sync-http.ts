import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { workerExecArgv } from './worker-exec-argv.js';

/** One outbound request, as the HTTP worker receives it. */
export interface HttpJob {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Array<[string, string]>;
  readonly body?: Uint8Array;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

/** The worker's answer. */
export type HttpOutcome =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: Array<[string, string]>;
      readonly body: Uint8Array;
    }
  | { readonly ok: false; readonly error: string };

/**
 * Runs HTTP requests synchronously from the caller's point of view, for guest imports that
 * cannot await: a worker thread does the fetch while the caller waits on a shared flag.
 * The caller's thread (and its event loop) is blocked for the request's duration; plugins
 * that must not block the host run in worker threads of their own.
 */
export class SyncHttp {
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  // Bumped by the worker after each reply it posts.
  readonly #signal = new Int32Array(new SharedArrayBuffer(4));
  #nextId = 0;

  #start(): MessagePort {
    if (this.#port) return this.#port;
    const { port1, port2 } = new MessageChannel();
    this.#worker = new Worker(new URL('./http-worker.js', import.meta.url), {
      workerData: { port: port2 },
      transferList: [port2],
      execArgv: workerExecArgv(),
    });
    // Never keep the host process alive just for this worker.
    this.#worker.unref();
    this.#port = port1;
    return port1;
  }

  /** Performs `job` and returns the response or the reason there is none. */
  request(job: HttpJob): HttpOutcome {
    const port = this.#start();
    const id = ++this.#nextId;
    let seen = Atomics.load(this.#signal, 0);
    port.postMessage({ id, job, signal: this.#signal });
    // The worker enforces the timeout; the extra second covers its own scheduling.
    const deadline = Date.now() + job.timeoutMs + 1000;
    for (;;) {
      // Replies to earlier requests that timed out here may still arrive; skip them.
      for (let reply = receiveMessageOnPort(port); reply; reply = receiveMessageOnPort(port)) {
        const message = reply.message as { id: number; outcome: HttpOutcome };
        if (message.id === id) return message.outcome;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { ok: false, error: `no response within ${job.timeoutMs} ms` };
      Atomics.wait(this.#signal, 0, seen, remaining);
      seen = Atomics.load(this.#signal, 0);
    }
  }

  /** Stops the worker. */
  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#port?.close();
    this.#worker = undefined;
    this.#port = undefined;
  }
}
