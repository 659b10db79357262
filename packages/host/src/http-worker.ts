// Worker thread that performs outbound HTTP for plugins. Guests call `http-client` through
// synchronous imports; the calling thread blocks on an Atomics wait while this thread runs
// the real (asynchronous) fetch, then reads the answer with receiveMessageOnPort.
import { type MessagePort, workerData } from 'node:worker_threads';
import type { HttpJob, HttpOutcome } from './sync-http.js';

const port = (workerData as { port: MessagePort }).port;

async function perform(job: HttpJob): Promise<HttpOutcome> {
  try {
    const response = await fetch(job.url, {
      method: job.method,
      headers: job.headers,
      ...(job.body ? { body: job.body as Uint8Array<ArrayBuffer> } : {}),
      // A redirect must not take the plugin to a destination it was not granted.
      redirect: 'manual',
      signal: AbortSignal.timeout(job.timeoutMs),
    });
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > job.maxBodyBytes) {
        await reader.cancel();
        return { ok: false, error: `response body is larger than ${job.maxBodyBytes} bytes` };
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return {
      ok: true,
      status: response.status,
      headers: [...(response.headers as unknown as Iterable<[string, string]>)],
      body,
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, error: `no response within ${job.timeoutMs} ms` };
    return { ok: false, error: e.cause?.message ?? e.message };
  }
}

port.on('message', async ({ id, job, signal }: { id: number; job: HttpJob; signal: Int32Array }) => {
  port.postMessage({ id, outcome: await perform(job) });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
