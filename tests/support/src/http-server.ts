import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

// The server runs in a worker thread: a plugin in the test's thread makes synchronous HTTP
// requests, which block that thread, so a server on the same event loop could never answer.
const serverSource = `
const { parentPort } = require('node:worker_threads');
const { createServer } = require('node:http');
const seen = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    seen.push(req.method + ' ' + req.url + ' ' + (req.headers['x-probe'] ?? '') + ' ' + body);
    if (req.url === '/hang') return;
    res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(req.method === 'POST' ? 'got ' + body : 'hello from the test server');
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => { if (m === 'seen') parentPort.postMessage({ seen }); });
`;

/** A test HTTP server on a free loopback port, in a worker thread. */
export interface TestHttpServer {
  readonly port: number;
  /** `METHOD /path x-probe-header body` of every request so far. */
  requests(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Starts the test HTTP server: `GET` answers `hello from the test server`, `POST` echoes
 * `got <body>`, `/missing` is a 404 and `/hang` never answers.
 */
export async function startTestHttpServer(): Promise<TestHttpServer> {
  const worker = new Worker(serverSource, { eval: true });
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  return {
    port,
    async requests() {
      worker.postMessage('seen');
      const [{ seen }] = (await once(worker, 'message')) as [{ seen: string[] }];
      return seen;
    },
    async close() {
      await worker.terminate();
    },
  };
}
