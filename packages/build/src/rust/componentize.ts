import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BuildError } from '../errors.js';
import { adapterWasiVersion, commandExitWit, redirectProcExit } from './command.js';
import type { RustPluginManifest } from './manifest.js';

const require = createRequire(import.meta.url);

/**
 * Path of the WASI preview 1 reactor adapter shipped by `@bytecodealliance/jco` (the file
 * `preview1AdapterReactorPath()` names; resolved by path because importing jco's API module
 * loads its whole CLI).
 */
export function preview1ReactorAdapterPath(): string {
  return preview1AdapterPath('reactor');
}

/**
 * Path of the WASI preview 1 *command* adapter shipped beside the reactor one: it turns a
 * module exporting `_start` into a component exporting `wasi:cli/run`.
 */
export function preview1CommandAdapterPath(): string {
  return preview1AdapterPath('command');
}

function preview1AdapterPath(kind: 'reactor' | 'command'): string {
  return join(
    dirname(require.resolve('@bytecodealliance/jco')),
    '..',
    'lib',
    `wasi_snapshot_preview1.${kind}.wasm`,
  );
}

/** What the worker is asked to do. */
interface WasmToolsJob {
  readonly wasmToolsUrl: string;
  readonly shimUrl: string;
  /** Folders wasm-tools may read: the WIT folder only. */
  readonly readable: readonly string[];
  readonly core: Uint8Array;
  readonly adapter: Uint8Array;
  /** The WIT and world to embed (a command has only `witSource`: the exit interface it imports). */
  readonly witPath?: string;
  readonly witSource?: string;
  readonly world?: string;
}

type WasmToolsReply =
  | { ok: true; component: Uint8Array; wit: string; expectedWit: string }
  | { ok: false; step: string; message: string };

// Runs in a worker thread. Why: jco-transpile's wasm-tools reads WIT through preview2-shim,
// whose WASI filesystem starts with no preopens (0.26.1) and caches them at first use, per
// module instance. A worker has its own module instances, so granting the WIT folder there
// neither leaks into this process's shim (which the host may use to sandbox plugins) nor
// depends on whether something here used the shim first. Plain JS (eval'd), so the package
// build needs no extra entry point.
const workerSource = `
// Valid as a script and as a module: workers inherit flags such as --input-type=module.
(async () => {
  const { parentPort, workerData: job } = await import('node:worker_threads');
  const messageOf = (e) => String((e && (e.payload ?? e.message)) ?? e).trim();
  const step = async (name, fn) => {
    try { return await fn(); } catch (e) { throw { step: name, message: messageOf(e) }; }
  };
  const reply = await (async () => {
    const fs = await import(job.shimUrl);
    fs._setPreopens(Object.fromEntries(job.readable.map((d) => [d, d])));
    const wt = await import(job.wasmToolsUrl);
    const embedded = job.world === undefined ? job.core : await step('embed', () => job.witSource === undefined
      ? wt.componentEmbed({ binary: job.core, witPath: job.witPath, world: job.world, stringEncoding: 'utf8' })
      : wt.componentEmbed({ binary: job.core, witSource: job.witSource, world: job.world, stringEncoding: 'utf8' }));
    const component = await step('component new', () =>
      wt.componentNew(embedded, [['wasi_snapshot_preview1', job.adapter]]));
    const wit = await step('validate', () => wt.componentWit(component));
    if (job.witPath === undefined) return { ok: true, component, wit, expectedWit: '' };
    // A dummy module of the same world, componentized, is the oracle for what must be exported.
    const expectedWit = await step('validate', async () => wt.componentWit(await wt.componentNew(
      await wt.componentEmbed({ dummy: true, witPath: job.witPath, world: job.world, stringEncoding: 'utf8' }), [])));
    return { ok: true, component, wit, expectedWit };
  })().catch((e) => ({ ok: false, step: e.step ?? 'wasm-tools', message: e.step ? e.message : messageOf(e) }));
  parentPort.postMessage(reply);
})();
`;

function runWasmTools(job: WasmToolsJob): Promise<WasmToolsReply> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: job });
    let settled = false;
    worker.once('message', (reply: WasmToolsReply) => {
      settled = true;
      resolvePromise(reply);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`wasm-tools worker exited early (code ${code})`));
    });
  });
}

/** The `export …` lines of the world a component prints as (first line of each, trimmed). */
export function worldExports(wit: string): string[] {
  return wit
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('export '))
    .map((line) => line.replace(/;$/, ''));
}

/** A component and what it was checked against. */
export interface RustComponent {
  readonly component: Uint8Array;
  /** The component's world, as wasm-tools prints it. */
  readonly wit: string;
}

/**
 * Turns an (optimized) core module into a component of the plugin's world (for a command: a
 * component exporting `wasi:cli/run`, made with the command adapter, no WIT embedded): embeds the world's
 * WIT (`component embed`), runs `component new` with the WASI preview 1 reactor adapter, and
 * validates: the core module (V8), then the component (it decodes, and exports everything a
 * component of the world must).
 *
 * @throws {BuildError} `WITKIT_BUILD_COMPONENTIZE` naming the wasm-tools step and its message
 *   (e.g. a core export missing or of the wrong type), `WITKIT_BUILD_MISSING_EXPORT` when the
 *   component lacks an export of the world
 */
export async function componentizeCoreModule(
  manifest: RustPluginManifest,
  core: Uint8Array,
): Promise<RustComponent> {
  // V8's validator is the cheap, strict check of the part that holds the code; wasm-tools
  // validates the component around it.
  if (!WebAssembly.validate(core as Uint8Array<ArrayBuffer>)) {
    throw new BuildError(
      'WITKIT_BUILD_COMPONENTIZE',
      manifest.name,
      `the core module is not valid WebAssembly (V8 rejects it); try \`optimize = "none"\` in \`[package.metadata.witkit]\` to rule out the optimizer`,
    );
  }
  const command = manifest.kind === 'command';
  const { witPath } = manifest.world;
  const readable = command ? [] : [(await stat(witPath)).isDirectory() ? witPath : dirname(witPath)];
  const wasmToolsPath = require.resolve('@bytecodealliance/jco-transpile/wasm-tools');
  // The shim instance that jco-transpile itself imports, not a copy resolved from here.
  const shimPath = createRequire(wasmToolsPath).resolve('@bytecodealliance/preview2-shim/filesystem');
  const adapter = new Uint8Array(
    await readFile(command ? preview1CommandAdapterPath() : preview1ReactorAdapterPath()),
  );
  // A command's exit code reaches the host through `exit-with-code` (see `command.ts`).
  const wasi = command ? adapterWasiVersion(adapter) : undefined;
  let reply: WasmToolsReply;
  try {
    reply = await runWasmTools({
      wasmToolsUrl: pathToFileURL(wasmToolsPath).href,
      shimUrl: pathToFileURL(shimPath).href,
      readable,
      core: wasi ? redirectProcExit(core, wasi) : core,
      adapter,
      ...(command
        ? wasi
          ? { witSource: commandExitWit(wasi), world: 'command' }
          : {}
        : { witPath, world: manifest.world.name }),
    });
  } catch (cause) {
    throw new BuildError(
      'WITKIT_BUILD_COMPONENTIZE',
      manifest.name,
      `wasm-tools failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  if (!reply.ok) {
    throw new BuildError(
      'WITKIT_BUILD_COMPONENTIZE',
      manifest.name,
      `\`${reply.step}\` could not make a \`${manifest.world.name}\` component of the core module: ${reply.message}`,
    );
  }
  const actual = new Set(worldExports(reply.wit));
  if (command) {
    if (![...actual].some((e) => e.startsWith('export wasi:cli/run@'))) {
      throw new BuildError(
        'WITKIT_BUILD_MISSING_EXPORT',
        manifest.name,
        `the command component does not export \`wasi:cli/run\` (it exports ${[...actual].map((e) => `\`${e.replace(/^export /, '')}\``).join(', ') || 'nothing'}); the crate's binary target must define \`fn main\``,
      );
    }
    return { component: reply.component, wit: reply.wit };
  }
  const missing = worldExports(reply.expectedWit).filter((e) => !actual.has(e));
  if (missing.length > 0) {
    throw new BuildError(
      'WITKIT_BUILD_MISSING_EXPORT',
      manifest.name,
      `the component does not export ${missing.map((m) => `\`${m.replace(/^export /, '')}\``).join(', ')} of world \`${manifest.world.name}\``,
    );
  }
  return { component: reply.component, wit: reply.wit };
}
