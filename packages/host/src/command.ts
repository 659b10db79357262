import { basename, extname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { FsGrant } from '@witkit/security';
import {
  type CommandOutcome,
  type CommandRunSpec,
  executeCommand,
  type OutputStreamIndex,
  runExportOf,
} from './command-run.js';
import type { CommandWorkerData, CommandWorkerMessage } from './command-worker.js';
import { type CompiledComponent, ComponentCache, defaultCacheDir } from './component-cache.js';
import { camelCase, compileComponentFile } from './component-checks.js';
import { PluginError, type PluginErrorCode } from './errors.js';
import { isRawNetworkImport } from './instance.js';
import { workerExecArgv } from './worker-exec-argv.js';

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** The arguments after the program name; the command sees `[name, ...args]`. @default [] */
  readonly args?: readonly string[];
  /**
   * Exactly the environment variables the command sees: nothing of `process.env` is passed
   * unless you pass it here. @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The command's stdin: these bytes (a string is UTF-8 encoded), then end of file.
   * @default empty: the first read is end of file
   */
  readonly stdin?: Uint8Array | string;
  /**
   * Directories (or files) the command may use, as in a manifest's `permissions.fs`: each is
   * visible at its own absolute path; without grants the command sees no files. @default []
   */
  readonly grants?: readonly FsGrant[];
  /** Deny rules over the grants, as `permissions.deny.fs`. @default [] */
  readonly deny?: readonly FsGrant[];
  /**
   * Wall-clock budget of the run in milliseconds; past it the worker is terminated and the
   * run rejects with `WITKIT_CALL_TIMEOUT`. Needs `isolation: 'worker'`: a command running in
   * this thread cannot be interrupted.
   * @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * Bytes kept of each of stdout and stderr; the rest is dropped, counted in
   * {@link CommandResult.droppedBytes} and flagged by {@link CommandResult.truncated}.
   * @default 16 MiB
   */
  readonly maxOutputBytes?: number;
  /** Where transpiled glue is cached. @default `~/.cache/witkit/transpiled` */
  readonly cacheDir?: string;
  /**
   * `worker` runs the command in a worker thread of its own, so a timeout stops it and a
   * command that never ends cannot block this thread; `in-thread` runs it here, synchronously
   * (faster to start, no timeout).
   * @default 'worker'
   */
  readonly isolation?: 'worker' | 'in-thread';
  /** The command's name: its `argv[0]`, and the name errors use. @default the file name without `.wasm` */
  readonly name?: string;
}

/** What a command did. */
export interface CommandResult {
  /** 0 when `run` returned ok (or the command called `exit(ok)`), 1 for err, else the code it exited with. */
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  /** `stdout` decoded as UTF-8 (invalid sequences as U+FFFD). */
  readonly stdoutText: string;
  /** `stderr` decoded as UTF-8 (invalid sequences as U+FFFD). */
  readonly stderrText: string;
  /** Whether output over `maxOutputBytes` was dropped from either stream. */
  readonly truncated: boolean;
  /** Bytes dropped from each stream over `maxOutputBytes`. */
  readonly droppedBytes: { readonly stdout: number; readonly stderr: number };
  /** Wall-clock milliseconds from the call to the result, compiling included. */
  readonly durationMs: number;
}

const brand = Symbol.for('witkit.CommandError');

/**
 * A command that did not finish: it trapped (`WITKIT_EXECUTION_FAILED`) or ran out of time
 * (`WITKIT_CALL_TIMEOUT`). Carries what it wrote until then.
 */
export class CommandError extends PluginError {
  readonly [brand] = true;
  /** What the command wrote to stdout before it failed. */
  readonly stdout: Uint8Array;
  /** What the command wrote to stderr before it failed (a Rust panic's message is here). */
  readonly stderr: Uint8Array;

  constructor(
    code: PluginErrorCode,
    plugin: string,
    message: string,
    output: { stdout: Uint8Array; stderr: Uint8Array },
    options?: { cause?: unknown; guestBacktrace?: readonly string[] },
  ) {
    super(code, plugin, message, options);
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }

  /** {@link stdout} decoded as UTF-8. */
  get stdoutText(): string {
    return decoder.decode(this.stdout);
  }

  /** {@link stderr} decoded as UTF-8. */
  get stderrText(): string {
    return decoder.decode(this.stderr);
  }
}

/** Whether `error` is a {@link CommandError}, also across duplicate copies of this package. */
export function isCommandError(error: unknown): error is CommandError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const DEFAULT_MAX_OUTPUT = 16 * 2 ** 20;

/** One cache per folder for the process: a command run again is compiled once. */
const caches = new Map<string, ComponentCache>();

function cacheFor(dir: string): ComponentCache {
  let cache = caches.get(dir);
  if (!cache) {
    cache = new ComponentCache({ cacheDir: dir, maxInMemory: 16 });
    caches.set(dir, cache);
  }
  return cache;
}

/** Output collected on this thread, stream by stream, in the order it was written. */
class Collected {
  readonly chunks: [Uint8Array[], Uint8Array[]] = [[], []];

  add(stream: OutputStreamIndex, bytes: Uint8Array): void {
    this.chunks[stream].push(bytes);
  }

  bytes(stream: OutputStreamIndex): Uint8Array {
    const parts = this.chunks[stream];
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  output() {
    return { stdout: this.bytes(0), stderr: this.bytes(1) };
  }
}

let wasiImports: Set<string> | undefined;

/**
 * Refuses a component that is not a command, or that needs what a command does not get.
 *
 * @throws {PluginError} `WITKIT_NOT_A_COMMAND`, `WITKIT_UNKNOWN_IMPORT`
 */
function checkCommand(name: string, path: string, compiled: CompiledComponent): void {
  if (runExportOf(compiled.exports) === undefined) {
    // jco lists each interface twice (its id and its short JS name): show the ids and world functions.
    const ids = compiled.exports.filter((e) => e.includes(':'));
    const aliases = new Set(ids.map((id) => camelCase(id.replace(/^.*\//, '').replace(/@.*$/, ''))));
    const shown = compiled.exports.filter((e) => e.includes(':') || !aliases.has(e));
    const listed = shown.length > 0 ? shown.map((e) => `\`${e}\``).join(', ') : 'nothing';
    throw new PluginError(
      'WITKIT_NOT_A_COMMAND',
      name,
      `\`${path}\` does not export \`wasi:cli/run\`, so it is not a command (it exports ${listed}); load a plugin (reactor) with \`loadPlugin\` and call its exports, or build a command (a Rust binary with \`command = true\`)`,
    );
  }
  const network = compiled.imports.filter(isRawNetworkImport);
  if (network.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      name,
      `the command imports ${network.map((i) => `\`${i}\``).join(', ')}: commands get no raw sockets or wasi:http; build it without network access`,
    );
  }
  wasiImports ??= new Set(
    Object.keys(new WASIShim().getImportObject()).filter((i) => !isRawNetworkImport(i)),
  );
  const known = wasiImports;
  const unknown = compiled.imports.filter((i) => !known.has(i));
  if (unknown.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      name,
      `the command imports ${unknown.map((i) => `\`${i}\``).join(', ')}, which a command does not get (only \`wasi:cli\`, \`wasi:io\`, \`wasi:clocks\`, \`wasi:random\` and \`wasi:filesystem\`); load it with \`loadPlugin\` and pass \`imports\` if it needs host functions`,
    );
  }
}

function validate(options: RunCommandOptions): void {
  const { args, env, stdin, timeoutMs, maxOutputBytes, isolation } = options;
  if (args !== undefined && (!Array.isArray(args) || args.some((a) => typeof a !== 'string')))
    throw new TypeError('runCommand: `args` must be an array of strings');
  if (env !== undefined) {
    if (typeof env !== 'object' || env === null || Array.isArray(env))
      throw new TypeError('runCommand: `env` must be an object of strings');
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== 'string')
        throw new TypeError(`runCommand: \`env.${k}\` must be a string, got ${typeof v}`);
      if (k === '' || k.includes('='))
        throw new TypeError(`runCommand: \`env\` key \`${k}\` must be non-empty and without \`=\``);
    }
  }
  if (stdin !== undefined && typeof stdin !== 'string' && !(stdin instanceof Uint8Array))
    throw new TypeError(`runCommand: \`stdin\` must be a Uint8Array or a string, got ${typeof stdin}`);
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0))
    throw new TypeError(`runCommand: \`timeoutMs\` must be a positive number, got ${String(timeoutMs)}`);
  if (maxOutputBytes !== undefined && !(Number.isInteger(maxOutputBytes) && maxOutputBytes >= 0))
    throw new TypeError(
      `runCommand: \`maxOutputBytes\` must be a non-negative integer, got ${String(maxOutputBytes)}`,
    );
  if (isolation !== undefined && isolation !== 'worker' && isolation !== 'in-thread')
    throw new TypeError(
      `runCommand: \`isolation\` must be \`worker\` or \`in-thread\`, got \`${String(isolation)}\``,
    );
  if (isolation === 'in-thread' && timeoutMs !== undefined)
    throw new TypeError(
      "runCommand: `timeoutMs` needs `isolation: 'worker'`: a command running in this thread cannot be interrupted",
    );
}

/**
 * Runs a WASI command component (one that exports `wasi:cli/run`) once, to completion, and
 * returns its exit code and what it wrote. The command sees the given argv, exactly the given
 * environment, the given stdin bytes, and files only under `grants`; its stdout and stderr are
 * captured, never written to this process's streams; its `exit` ends the run, not the process.
 *
 * @example
 * ```ts
 * import { runCommand } from '@witkit/host';
 *
 * const result = await runCommand('dist/wc.wasm', {
 *   args: ['--lines'],
 *   env: { LANG: 'C' },
 *   stdin: 'one\ntwo\n',
 *   timeoutMs: 5_000,
 * });
 * console.log(result.exitCode, result.stdoutText);
 * ```
 * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND` / `WITKIT_LOAD_FAILED` for a missing or
 *   unloadable file, `WITKIT_NOT_A_COMMAND` for a component without `wasi:cli/run` (a plugin:
 *   use `loadPlugin`), `WITKIT_UNKNOWN_IMPORT` for network or host imports
 * @throws {CommandError} `WITKIT_EXECUTION_FAILED` when the command traps (a panic), with the
 *   output so far; `WITKIT_CALL_TIMEOUT` past `timeoutMs`
 * @throws {TypeError} for options of the wrong type
 * @see {@link CommandResult} for exit codes
 */
export async function runCommand(path: string, options: RunCommandOptions = {}): Promise<CommandResult> {
  const started = performance.now();
  if (typeof path !== 'string' || path === '')
    throw new TypeError('runCommand: `path` must be the path of a component file');
  validate(options);
  const file = resolve(path);
  const name = options.name ?? basename(file, extname(file));
  const cache = cacheFor(options.cacheDir ?? defaultCacheDir());
  const { compiled } = await compileComponentFile(cache, name, file);
  checkCommand(name, file, compiled);
  const { stdin } = options;
  const spec: CommandRunSpec = {
    name,
    argv: [name, ...(options.args ?? [])],
    env: Object.entries(options.env ?? {}),
    stdin: typeof stdin === 'string' ? encoder.encode(stdin) : (stdin ?? new Uint8Array(0)),
    grants: options.grants ?? [],
    deny: options.deny ?? [],
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
  };
  const collected = new Collected();
  const outcome =
    options.isolation === 'in-thread'
      ? executeCommand(compiled, spec, (stream, bytes) => collected.add(stream, bytes))
      : await runInWorker(compiled, spec, collected, options.timeoutMs);
  if (!outcome.ok) throw failure(name, outcome, collected);
  const { stdout, stderr } = collected.output();
  const [outDropped, errDropped] = outcome.dropped;
  return {
    exitCode: outcome.exitCode,
    stdout,
    stderr,
    stdoutText: decoder.decode(stdout),
    stderrText: decoder.decode(stderr),
    truncated: outDropped + errDropped > 0,
    droppedBytes: { stdout: outDropped, stderr: errDropped },
    durationMs: Math.round(performance.now() - started),
  };
}

/** The last lines of what a failed command wrote to stderr, for the error message. */
function stderrTail(stderr: Uint8Array): string {
  const text = decoder.decode(stderr).trimEnd();
  if (text === '') return '';
  const tail = text.split('\n').slice(-3).join(' | ');
  return `; its stderr ends with: ${tail.length > 400 ? `…${tail.slice(-400)}` : tail}`;
}

function failure(
  name: string,
  outcome: Extract<CommandOutcome, { ok: false }>,
  collected: Collected,
): PluginError {
  const output = collected.output();
  const cause = new Error(outcome.message);
  if (outcome.kind === 'instantiate') {
    return new PluginError('WITKIT_LOAD_FAILED', name, `instantiation failed: ${outcome.message}`, {
      cause,
    });
  }
  const verb = outcome.kind === 'trap' ? 'trapped' : 'failed';
  return new CommandError(
    'WITKIT_EXECUTION_FAILED',
    name,
    `\`run\` ${verb}: ${outcome.message}${stderrTail(output.stderr)}`,
    output,
    { cause, ...(outcome.guestBacktrace ? { guestBacktrace: outcome.guestBacktrace } : {}) },
  );
}

/** Runs the command in a worker of its own, which is terminated when the budget runs out. */
function runInWorker(
  compiled: CompiledComponent,
  spec: CommandRunSpec,
  collected: Collected,
  timeoutMs: number | undefined,
): Promise<CommandOutcome> {
  return new Promise((resolvePromise, reject) => {
    const worker = new Worker(new URL('./command-worker.js', import.meta.url), {
      workerData: { parts: compiled.parts, spec } satisfies CommandWorkerData,
      execArgv: workerExecArgv(),
      // The guest's output comes as messages; the worker's own console is not the command's.
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      fn();
    };
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            settle(() =>
              reject(
                new CommandError(
                  'WITKIT_CALL_TIMEOUT',
                  spec.name,
                  `\`run\` took longer than its ${timeoutMs} ms wall-clock budget and was stopped${stderrTail(collected.output().stderr)}; raise \`timeoutMs\`, or find out why it does not end`,
                  collected.output(),
                ),
              ),
            );
            void worker.terminate();
          }, timeoutMs);
    worker.on('message', (message: CommandWorkerMessage) => {
      if (message.type === 'output') collected.add(message.stream, message.bytes);
      else {
        settle(() => resolvePromise(message.outcome));
        // The shim may have started a helper thread in the worker that would keep it alive.
        void worker.terminate();
      }
    });
    worker.once('error', (error) => {
      settle(() =>
        resolvePromise({ ok: false, kind: 'host-failure', message: error.message, dropped: [0, 0] }),
      );
    });
    worker.once('exit', (code) => {
      settle(() =>
        resolvePromise({
          ok: false,
          kind: 'host-failure',
          message: `its worker exited (code ${code}) before the command finished`,
          dropped: [0, 0],
        }),
      );
    });
  });
}
