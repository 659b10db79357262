import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { BuildError } from '../errors.js';

const run = promisify(execFile);

/** The WASI preview 1 target names, newest first: Rust 1.78+ calls it `wasm32-wasip1`, older `wasm32-wasi`. */
export const rustWasmTargets = ['wasm32-wasip1', 'wasm32-wasi'] as const;

/** A Rust compilation target for WASI preview 1 modules. */
export type RustWasmTarget = (typeof rustWasmTargets)[number];

/** The command that installs Debian's Rust toolchain with the `wasm32-wasi` std (works offline from apt). */
export const rustToolchainFix = 'apt-get install -y rustc cargo libstd-rust-dev-wasm32';

/** A Rust toolchain that can build WASI modules, as {@link detectRustToolchain} found it. */
export interface RustToolchain {
  /** Where it came from: rustup's active toolchain, Debian's `/usr/bin`, or paths given as options. */
  readonly source: 'rustup' | 'debian' | 'explicit';
  /** Absolute path (or command) of rustc; cargo is run with `RUSTC` set to it. */
  readonly rustc: string;
  /** Absolute path (or command) of cargo. */
  readonly cargo: string;
  /** rustc's version, e.g. `1.63.0`. */
  readonly version: string;
  /** The WASI target whose std is installed. */
  readonly target: RustWasmTarget;
  /** rustc's sysroot, which holds the target's std under `lib/rustlib/<target>`. */
  readonly sysroot: string;
}

/** One toolchain piece that is missing, with the command that fixes it. */
export interface RustToolchainProblem {
  /** The piece: `rustc`, `cargo`, or the std of a wasm target. */
  readonly piece: 'rustc' | 'cargo' | 'wasm32-wasi std';
  /** What was looked for and not found. */
  readonly detail: string;
  /** The exact command or step that fixes it. */
  readonly fix: string;
}

/** What {@link inspectRustToolchain} found: a usable toolchain, or the problems of each candidate. */
export interface RustToolchainReport {
  /** The toolchain builds will use; absent when none is usable. */
  readonly toolchain?: RustToolchain;
  /** Why no candidate is usable; empty when {@link RustToolchainReport.toolchain} is set. */
  readonly problems: readonly RustToolchainProblem[];
}

/** Options of {@link detectRustToolchain} and {@link inspectRustToolchain}. */
export interface RustToolchainOptions {
  /**
   * Use this rustc instead of searching (a path or a command on PATH). Only this toolchain is
   * then considered: a broken one is reported, not silently replaced by another.
   */
  readonly rustc?: string;
  /**
   * Use this cargo instead of searching.
   * @default the `cargo` beside {@link RustToolchainOptions.rustc}, when that is a path
   */
  readonly cargo?: string;
  /**
   * Folder to resolve rustup's toolchain in (its `rust-toolchain.toml` overrides apply there).
   * @default process.cwd()
   */
  readonly cwd?: string;
}

interface Candidate {
  readonly source: RustToolchain['source'];
  readonly rustc: string;
  readonly cargo: string;
}

async function firstLine(command: string, args: string[], cwd?: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, args, { timeout: 30_000, ...(cwd ? { cwd } : {}) });
    return stdout.trim().split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

const isDir = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/** Checks one rustc/cargo pair: both run, and rustc's sysroot has a WASI target's std. */
async function check(
  candidate: Candidate,
  cwd: string | undefined,
): Promise<RustToolchain | RustToolchainProblem[]> {
  const debianFix =
    candidate.source === 'explicit'
      ? `point \`rustc\`/\`cargo\` at an existing toolchain, or: ${rustToolchainFix}`
      : rustToolchainFix;
  const rustcVersion = await firstLine(candidate.rustc, ['--version'], cwd);
  if (!rustcVersion) {
    return [{ piece: 'rustc', detail: `\`${candidate.rustc}\` does not run`, fix: debianFix }];
  }
  const problems: RustToolchainProblem[] = [];
  if (!(await firstLine(candidate.cargo, ['--version'], cwd))) {
    problems.push({ piece: 'cargo', detail: `\`${candidate.cargo}\` does not run`, fix: debianFix });
  }
  const sysroot = await firstLine(candidate.rustc, ['--print', 'sysroot'], cwd);
  let target: RustWasmTarget | undefined;
  for (const t of rustWasmTargets) {
    if (sysroot && (await isDir(join(sysroot, 'lib', 'rustlib', t, 'lib')))) {
      target = t;
      break;
    }
  }
  if (!target) {
    problems.push({
      piece: 'wasm32-wasi std',
      detail: `${rustcVersion} (\`${candidate.rustc}\`) has no std for ${rustWasmTargets.map((t) => `\`${t}\``).join(' or ')}`,
      fix:
        candidate.source === 'rustup'
          ? `rustup target add wasm32-wasip1 (needs rustup's download server), or: ${rustToolchainFix}`
          : debianFix,
    });
  }
  if (problems.length > 0 || !target || !sysroot) return problems;
  return {
    source: candidate.source,
    rustc: candidate.rustc,
    cargo: candidate.cargo,
    version: /\d+\.\d+\.\d+/.exec(rustcVersion)?.[0] ?? rustcVersion,
    target,
    sysroot,
  };
}

/** The pairs to try, best first: explicit paths alone, else rustup's active toolchain, then Debian's. */
async function candidates(options: RustToolchainOptions): Promise<Candidate[]> {
  if (options.rustc !== undefined || options.cargo !== undefined) {
    const rustc = options.rustc ?? 'rustc';
    const besideRustc = isAbsolute(rustc) ? join(dirname(rustc), 'cargo') : 'cargo';
    return [{ source: 'explicit', rustc, cargo: options.cargo ?? besideRustc }];
  }
  const found: Candidate[] = [];
  // `rustup which` names the real binaries of the toolchain that applies in `cwd`, so cargo
  // and rustc cannot drift apart through rustup's proxies.
  const rustc = await firstLine('rustup', ['which', 'rustc'], options.cwd);
  const cargo = rustc && (await firstLine('rustup', ['which', 'cargo'], options.cwd));
  if (rustc && cargo) found.push({ source: 'rustup', rustc, cargo });
  found.push({ source: 'debian', rustc: '/usr/bin/rustc', cargo: '/usr/bin/cargo' });
  return found;
}

const cache = new Map<string, Promise<RustToolchainReport>>();

/**
 * Looks for a Rust toolchain that can build WASI modules and reports every missing piece,
 * without throwing: for `witkit doctor` and for {@link detectRustToolchain}.
 *
 * Tries, in order: the paths in `options` (alone, when given); rustup's active toolchain,
 * when it has the `wasm32-wasip1` or `wasm32-wasi` target; Debian's `/usr/bin/rustc` and
 * `/usr/bin/cargo` with the `libstd-rust-dev-wasm32` std. Results are cached per process.
 *
 * @example
 * ```ts
 * const { toolchain, problems } = await inspectRustToolchain();
 * if (!toolchain) for (const p of problems) console.log(`${p.piece}: ${p.detail}; fix: ${p.fix}`);
 * ```
 */
export function inspectRustToolchain(options: RustToolchainOptions = {}): Promise<RustToolchainReport> {
  const key = JSON.stringify([options.rustc, options.cargo, options.cwd]);
  let report = cache.get(key);
  if (!report) {
    report = (async () => {
      const problems: RustToolchainProblem[] = [];
      for (const candidate of await candidates(options)) {
        const result = await check(candidate, options.cwd);
        if (!Array.isArray(result)) return { toolchain: result, problems: [] };
        problems.push(...result);
      }
      return { problems };
    })();
    cache.set(key, report);
  }
  return report;
}

/**
 * Finds the Rust toolchain builds use (see {@link inspectRustToolchain} for the search order).
 *
 * @param plugin - names the plugin in the error
 * @throws {BuildError} `WITKIT_BUILD_RUST_TOOLCHAIN` naming each missing piece and its fix command
 */
export async function detectRustToolchain(
  options: RustToolchainOptions = {},
  plugin = 'rust toolchain',
): Promise<RustToolchain> {
  const report = await inspectRustToolchain(options);
  if (report.toolchain) return report.toolchain;
  const pieces = report.problems.map((p) => `${p.piece}: ${p.detail}; fix: ${p.fix}`).join('; ');
  throw new BuildError(
    'WITKIT_BUILD_RUST_TOOLCHAIN',
    plugin,
    `no Rust toolchain that builds WASI modules: ${pieces}`,
  );
}

/** A short label of a toolchain for build reports, e.g. `rustc 1.63.0 (debian, wasm32-wasi)`. */
export function describeRustToolchain(toolchain: RustToolchain): string {
  return `rustc ${toolchain.version} (${toolchain.source}, ${toolchain.target})`;
}
