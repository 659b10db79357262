import { resolve } from 'node:path';
import type { FsGrant } from '@witkit/security';
import type { CliIo } from '../cli.js';

/** Flags of `witkit run`, as commander parses them. */
export interface RunFlags {
  /** `KEY=VALUE`, repeatable. */
  readonly env?: readonly string[];
  /** Names of variables of this process to pass on, repeatable. */
  readonly envPass?: readonly string[];
  /** `host[:ro]` directory grants, repeatable. */
  readonly dir?: readonly string[];
  /** Wall-clock budget in milliseconds. */
  readonly timeout?: string;
}

/** Where the command's own output goes: raw bytes, no newline added. */
export interface RunStreams {
  readonly stdout: (bytes: Uint8Array) => void;
  readonly stderr: (bytes: Uint8Array) => void;
  /** The bytes for the command's stdin, or `undefined` for none (a terminal). */
  readonly stdin: () => Promise<Uint8Array | undefined>;
}

const brand = Symbol.for('witkit.RunUsageError');

/** A mistake in how `witkit run` was called: exit status 2. */
export class RunUsageError extends Error {
  override readonly name = 'RunUsageError';
  readonly [brand] = true;
  readonly code = 'WITKIT_RUN_USAGE';
}

/** Whether `error` is a {@link RunUsageError}. */
export function isRunUsageError(error: unknown): error is RunUsageError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

/** This process's stdin, read to the end, unless it is a terminal (then the command gets none). */
export async function readProcessStdin(): Promise<Uint8Array | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The process streams, for the real CLI. */
export const processStreams: RunStreams = {
  stdout: (bytes) => process.stdout.write(bytes),
  stderr: (bytes) => process.stderr.write(bytes),
  stdin: readProcessStdin,
};

/** Turns the flags into `runCommand` options. @throws {RunUsageError} */
export function parseRunFlags(flags: RunFlags): {
  env: Record<string, string>;
  grants: FsGrant[];
  timeoutMs?: number;
} {
  const env: Record<string, string> = {};
  for (const name of flags.envPass ?? []) {
    if (name === '' || name.includes('='))
      throw new RunUsageError(
        `\`--env-pass\` takes a variable name, got \`${name}\`; use \`--env KEY=VALUE\` to set a value`,
      );
    // An unset variable is not passed, as if it were not named.
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const pair of flags.env ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new RunUsageError(`\`--env\` takes \`KEY=VALUE\`, got \`${pair}\``);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const grants: FsGrant[] = [];
  for (const spec of flags.dir ?? []) {
    if (spec.includes('::')) {
      throw new RunUsageError(
        `\`--dir ${spec}\`: mapping a directory to another guest path is not supported; the command sees each directory at its own absolute path (\`--dir host[:ro]\`)`,
      );
    }
    const readOnly = spec.endsWith(':ro');
    const host = readOnly ? spec.slice(0, -3) : spec;
    if (host === '') throw new RunUsageError(`\`--dir\` takes \`host[:ro]\`, got \`${spec}\``);
    grants.push({ access: readOnly ? 'read' : 'write', path: resolve(host) });
  }
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    timeoutMs = Number(flags.timeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new RunUsageError(
        `\`--timeout\` takes a positive number of milliseconds, got \`${flags.timeout}\``,
      );
  }
  return { env, grants, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

/**
 * `witkit run <component.wasm> [args...]`: runs a WASI command with this process's stdin (when
 * it is not a terminal), writes its stdout and stderr to ours, and resolves to its exit code.
 * Its failures (not a command, a trap, a timeout) are reported as `error[CODE]: …` with exit 1;
 * bad flags with exit 2.
 */
export async function runRun(
  component: string,
  args: readonly string[],
  flags: RunFlags,
  io: CliIo,
  streams: RunStreams = processStreams,
): Promise<number> {
  let options: ReturnType<typeof parseRunFlags>;
  try {
    options = parseRunFlags(flags);
  } catch (error) {
    if (!isRunUsageError(error)) throw error;
    io.err(`error[${error.code}]: ${error.message}`);
    return 2;
  }
  // Loaded here: the host runtime is only needed by this command.
  const { isCommandError, isPluginError, runCommand } = await import('@witkit/host');
  const stdin = await streams.stdin();
  try {
    const result = await runCommand(component, { args, ...options, ...(stdin ? { stdin } : {}) });
    streams.stdout(result.stdout);
    streams.stderr(result.stderr);
    if (result.truncated) {
      io.err(
        `warning: output over the cap was dropped (${result.droppedBytes.stdout} bytes of stdout, ${result.droppedBytes.stderr} of stderr)`,
      );
    }
    return result.exitCode;
  } catch (error) {
    if (isCommandError(error)) {
      // What it wrote before it failed is the user's best clue.
      streams.stdout(error.stdout);
      streams.stderr(error.stderr);
    }
    if (isPluginError(error)) {
      io.err(`error[${error.code}]: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
