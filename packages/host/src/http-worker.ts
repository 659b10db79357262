// Worker thread that performs outbound HTTP for plugins running in the host's thread. Their
// `http-client` calls are synchronous imports: the calling thread blocks on an Atomics wait
// while this thread runs the real (asynchronous) fetch, then reads the answer with
// receiveMessageOnPort.
import { type MessagePort, workerData } from 'node:worker_threads';
import { performHttp } from './http-fetch.js';
import type { HttpJob } from './sync-http.js';

const port = (workerData as { port: MessagePort }).port;

port.on('message', async ({ id, job, signal }: { id: number; job: HttpJob; signal: Int32Array }) => {
  port.postMessage({ id, outcome: await performHttp(job) });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
