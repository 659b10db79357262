// A worker thread that runs one WASI command and ends. Output is posted as the guest writes
// it, so the host has what a command wrote before it was stopped for running too long.
import { parentPort, workerData } from 'node:worker_threads';
import {
  type CommandOutcome,
  type CommandRunSpec,
  executeCommand,
  type OutputStreamIndex,
} from './command-run.js';
import { assembleCompiled, type CompiledParts } from './component-cache.js';

/** What the host gives a command worker. */
export interface CommandWorkerData {
  readonly parts: CompiledParts;
  readonly spec: CommandRunSpec;
}

/** What a command worker posts: output as it is written, then the outcome. */
export type CommandWorkerMessage =
  | { readonly type: 'output'; readonly stream: OutputStreamIndex; readonly bytes: Uint8Array }
  | { readonly type: 'done'; readonly outcome: CommandOutcome };

const data = workerData as CommandWorkerData;
const port = parentPort!;
const post = (message: CommandWorkerMessage) => port.postMessage(message);

const outcome: CommandOutcome = await assembleCompiled(data.parts).then(
  (compiled) =>
    executeCommand(compiled, data.spec, (stream, bytes) => post({ type: 'output', stream, bytes })),
  (error: unknown): CommandOutcome => ({
    ok: false,
    kind: 'instantiate',
    message: error instanceof Error ? error.message : String(error),
    dropped: [0, 0],
  }),
);
post({ type: 'done', outcome });
