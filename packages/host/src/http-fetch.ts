import type { HttpJob, HttpOutcome } from './sync-http.js';

/**
 * Performs one outbound request with the limits of `job`: a timeout, a body size cap, and
 * redirects returned rather than followed (a redirect must not take the plugin to a
 * destination it was not granted).
 */
export async function performHttp(job: HttpJob): Promise<HttpOutcome> {
  try {
    const response = await fetch(job.url, {
      method: job.method,
      headers: job.headers,
      ...(job.body ? { body: job.body as Uint8Array<ArrayBuffer> } : {}),
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
    const e = error as Error & { cause?: { message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, error: `no response within ${job.timeoutMs} ms` };
    return { ok: false, error: e.cause?.message ?? e.message };
  }
}
