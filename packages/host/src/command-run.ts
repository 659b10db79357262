// Runs a WASI command (`wasi:cli/run`) once, in whichever thread calls it: the in-thread mode
// of `runCommand` and the command worker share this. Everything the guest sees of the outside
// is built here: its argv, exactly the environment given, stdin over fixed bytes, captured
// stdout and stderr, an `exit` that ends the run instead of the process, and files only
// through the security sandbox.
import { clocks, io, cli as wasiCli } from '@bytecodealliance/preview2-shim';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { createFilesystemSandbox, type FsGrant } from '@witkit/security';
import type { CompiledComponent } from './component-cache.js';
import { guestBacktrace } from './faults.js';
import { CapturedStream } from './stdio.js';

/** Which output stream bytes came from: 0 stdout, 1 stderr. */
export type OutputStreamIndex = 0 | 1;

/** What one run is given, in a form that crosses to a worker thread. */
export interface CommandRunSpec {
  /** The command's name, for errors and the filesystem sandbox. */
  readonly name: string;
  /** The whole argv, the command's name first. */
  readonly argv: readonly string[];
  readonly env: ReadonlyArray<readonly [string, string]>;
  readonly stdin: Uint8Array;
  readonly grants: readonly FsGrant[];
  readonly deny: readonly FsGrant[];
  /** Bytes kept of each of stdout and stderr; the rest is counted and dropped. */
  readonly maxOutputBytes: number;
}

/** How a run ended, as it crosses threads. */
export type CommandOutcome =
  | { readonly ok: true; readonly exitCode: number; readonly dropped: readonly [number, number] }
  | {
      readonly ok: false;
      /** `trap`: the guest trapped (a panic); `host-failure`: instantiation or a host import failed. */
      readonly kind: 'trap' | 'host-failure' | 'instantiate';
      readonly message: string;
      readonly guestBacktrace?: readonly string[];
      readonly dropped: readonly [number, number];
    };

/** Thrown by the guest's `exit` to unwind out of `run` with the status it asked for. */
class CommandExit {
  constructor(readonly code: number) {}
}

// jco's glue accepts only instances of the shim's own class, whose type marks its constructor private.
const ShimInputStream = io.streams.InputStream as unknown as new () => object;

/** `wasi:cli/stdin` over fixed bytes: reads hand them out in order, then the stream is closed (EOF). */
class BytesInputStream extends ShimInputStream {
  readonly #bytes: Uint8Array;
  #at = 0;

  constructor(bytes: Uint8Array) {
    super();
    this.#bytes = bytes;
  }

  read(length: bigint): Uint8Array {
    if (this.#at >= this.#bytes.length) throw { tag: 'closed' };
    const end = Math.min(this.#bytes.length, this.#at + Number(length));
    const chunk = this.#bytes.slice(this.#at, end);
    this.#at = end;
    return chunk;
  }

  blockingRead(length: bigint): Uint8Array {
    return this.read(length);
  }

  skip(length: bigint): bigint {
    return BigInt(this.read(length).length);
  }

  blockingSkip(length: bigint): bigint {
    return this.skip(length);
  }

  subscribe(): unknown {
    // Always ready: every byte is there from the start. A zero-length timer is the shim's own
    // pollable that is ready at once (the glue accepts no other class).
    return clocks.monotonicClock.subscribeDuration(0n);
  }
}

/** Keeps up to a cap of each stream's bytes and counts the rest. */
class OutputBudget {
  readonly dropped: [number, number] = [0, 0];
  readonly #left: [number, number];

  constructor(
    max: number,
    readonly emit: (stream: OutputStreamIndex, bytes: Uint8Array) => void,
  ) {
    this.#left = [max, max];
  }

  write(stream: OutputStreamIndex, bytes: Uint8Array): void {
    const kept = Math.min(bytes.length, this.#left[stream]);
    this.dropped[stream] += bytes.length - kept;
    if (kept === 0) return;
    this.#left[stream] -= kept;
    // Copied: the guest's buffer is reused for its next write.
    this.emit(stream, bytes.slice(0, kept));
  }
}

/** The export that makes a component a command: `wasi:cli/run@0.2.x`, as jco keys it. */
export function runExportOf(exports: readonly string[]): string | undefined {
  return exports.find((e) => e.startsWith('wasi:cli/run@') || e === 'wasi:cli/run');
}

/**
 * Instantiates `compiled` as the spec says and calls its `run` once. Output reaches `emit` as
 * the guest writes it (within the cap), so a run that never ends still shows what it wrote.
 *
 * Exit codes: `run` returning ok is 0, err is 1; `exit(ok/err)` is 0/1; `exit-with-code(n)` is n.
 * Never throws: failures are outcomes.
 */
export function executeCommand(
  compiled: CompiledComponent,
  spec: CommandRunSpec,
  emit: (stream: OutputStreamIndex, bytes: Uint8Array) => void,
): CommandOutcome {
  const budget = new OutputBudget(spec.maxOutputBytes, emit);
  const stdout = new CapturedStream((bytes) => budget.write(0, bytes));
  const stderr = new CapturedStream((bytes) => budget.write(1, bytes));
  const stdin = new BytesInputStream(spec.stdin);
  const env = spec.env.map(([k, v]) => [k, v] as [string, string]);
  const argv = [...spec.argv];
  const noTerminal = () => undefined;
  const wasi = new WASIShim({
    cli: {
      ...wasiCli,
      environment: {
        getEnvironment: () => env,
        getArguments: () => argv,
        // The host's working directory is none of the guest's business.
        initialCwd: () => undefined,
      },
      exit: {
        exit(status: { tag: 'ok' | 'err' }): never {
          throw new CommandExit(status.tag === 'ok' ? 0 : 1);
        },
        exitWithCode(code: number): never {
          throw new CommandExit(code);
        },
      },
      stdin: { getStdin: () => stdin },
      stdout: { getStdout: () => stdout },
      stderr: { getStderr: () => stderr },
      // Captured bytes, not a terminal: guests that colour or prompt for terminals do not.
      terminalStdin: { getTerminalStdin: noTerminal },
      terminalStdout: { getTerminalStdout: noTerminal },
      terminalStderr: { getTerminalStderr: noTerminal },
      // The shim's types describe its own classes; these are subclasses and plain objects.
    } as unknown as typeof wasiCli,
    sandbox: { preopens: {}, enableNetwork: false },
  });
  const fs =
    spec.grants.length > 0
      ? createFilesystemSandbox({ plugin: spec.name, grants: spec.grants, deny: spec.deny })
      : undefined;
  const failed = (kind: 'trap' | 'host-failure' | 'instantiate', error: unknown): CommandOutcome => {
    const frames = guestBacktrace(error);
    return {
      ok: false,
      kind,
      message: error instanceof Error ? error.message : String(error),
      ...(frames.length > 0 ? { guestBacktrace: frames } : {}),
      dropped: budget.dropped,
    };
  };
  try {
    let run: () => unknown;
    try {
      const { exports } = compiled.instantiate({ ...wasi.getImportObject(), ...fs?.importObject() });
      const key = runExportOf(compiled.exports) ?? 'run';
      run = (exports[key] as { run: () => unknown }).run;
    } catch (error) {
      return failed('instantiate', error);
    }
    try {
      run();
      return { ok: true, exitCode: 0, dropped: budget.dropped };
    } catch (error) {
      if (error instanceof CommandExit) return { ok: true, exitCode: error.code, dropped: budget.dropped };
      // jco's glue throws the `err` of `run`'s result as a ComponentError carrying `payload`.
      if (typeof error === 'object' && error !== null && 'payload' in error)
        return { ok: true, exitCode: 1, dropped: budget.dropped };
      return failed(error instanceof WebAssembly.RuntimeError ? 'trap' : 'host-failure', error);
    }
  } finally {
    fs?.dispose();
  }
}
