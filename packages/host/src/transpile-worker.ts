// Worker thread that transpiles components with jco. Transpiling a large component (a QuickJS
// plugin is 1.6 MB) takes hundreds of milliseconds of CPU; done here, the host thread keeps
// serving calls while a new plugin version loads.
import { parentPort } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import type { TranspileReply, TranspileRequest } from './transpiler.js';

parentPort!.on('message', async ({ id, bytes }: TranspileRequest) => {
  let reply: TranspileReply;
  try {
    const result = await transpileBytes(bytes, {
      name: 'component',
      instantiation: 'sync',
      // Keep `err` payloads on a ComponentError so the host can tell them from traps.
      noComponentErrorWrapping: false,
      emitTypescriptDeclarations: false,
    });
    reply = {
      id,
      ok: true,
      files: Object.entries(result.files),
      imports: result.imports,
      exports: result.exports.map(([name]) => name),
    };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(reply);
});
