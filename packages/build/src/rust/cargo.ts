import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { BuildError } from '../errors.js';
import type { RustPluginManifest } from './manifest.js';
import { ctorsExport } from './reactor.js';
import type { RustToolchain } from './toolchain.js';

/** Where Debian's `librust-*-dev` packages put crate sources. */
export const debianCrateRegistry = '/usr/share/cargo/registry';

/** Options of {@link cargoBuild}. */
export interface CargoBuildOptions {
  /**
   * A directory of vendored crate sources that replaces crates.io (cargo source replacement),
   * or `false` to use cargo's own configuration. The default only applies when the folder exists.
   * @default '/usr/share/cargo/registry' (Debian's `librust-*-dev` packages)
   */
  readonly registry?: string | false;
  /**
   * Cargo's target folder (`--target-dir`); share one between crates to reuse compiled dependencies.
   * @default cargo's own: `target/` of the crate's workspace
   */
  readonly targetDir?: string;
}

/** A rustc diagnostic, as cargo's JSON messages carry it. */
export interface RustDiagnostic {
  readonly level: string;
  readonly message: string;
  readonly code?: string;
  /** `file:line:column` of the primary span, the file relative to the crate when inside it. */
  readonly location?: string;
  /** rustc's full human-readable rendering. */
  readonly rendered: string;
}

/** What {@link cargoBuild} produced. */
export interface CargoBuildResult {
  /** The core wasm module cargo wrote (in cargo's target folder). */
  readonly wasmPath: string;
  /** Warnings rustc reported for the crate itself. */
  readonly warnings: readonly RustDiagnostic[];
}

interface CargoMessage {
  reason: string;
  manifest_path?: string;
  target?: { kind: string[] };
  filenames?: string[];
  success?: boolean;
  message?: {
    level: string;
    message: string;
    code?: { code: string } | null;
    rendered?: string | null;
    spans: { file_name: string; line_start: number; column_start: number; is_primary: boolean }[];
  };
}

/**
 * The cargo arguments for a release build of the crate's library for `target`, offline:
 * `cargo rustc --lib`, so the one linker flag we need applies to the plugin alone (not its
 * dependencies, and not through `RUSTFLAGS`, which a user's own would replace).
 *
 * That flag exports `__wasm_call_ctors`. Without it, wasm-ld (in its default "command" model)
 * wraps *every* export in a call to the static constructors, wasi-libc's included, which read
 * the environment through WASI; the canonical ABI forbids calling imports during
 * `cabi_realloc`, so the first string argument traps ("cannot leave component instance").
 * Exported, the constructors run once, as the reactor's `_initialize` (see `reactor.ts`).
 *
 * A command (`kind: 'command'`) builds its binary target instead (`cargo rustc --bin`), without
 * that flag.
 */
export function cargoBuildArgs(
  manifest: RustPluginManifest,
  toolchain: RustToolchain,
  options: CargoBuildOptions = {},
): string[] {
  const command = manifest.kind === 'command';
  const args = [
    'rustc',
    ...(command ? ['--bin', manifest.bin ?? manifest.crateName] : ['--lib']),
    '--release',
    '--target',
    toolchain.target,
    '--offline',
    '--manifest-path',
    manifest.manifestPath,
    '--message-format=json',
  ];
  if (options.targetDir !== undefined) args.push('--target-dir', resolve(options.targetDir));
  const registry = options.registry ?? (existsSync(debianCrateRegistry) ? debianCrateRegistry : false);
  if (registry !== false) {
    // As --config flags, so crates need no `.cargo/config.toml` of their own and a user's
    // global cargo configuration is left alone.
    args.push(
      '--config',
      'source.crates-io.replace-with="witkit-vendored"',
      '--config',
      `source.witkit-vendored.directory=${JSON.stringify(resolve(registry))}`,
    );
  }
  // A command is a program: wasm-ld's command model (`_start`, constructors run once) is right.
  if (!command) args.push('--', '-C', `link-arg=--export=${ctorsExport}`);
  return args;
}

/** rustc reports files relative to the workspace root; show them relative to the crate when inside it. */
function locate(crateDir: string, file: string, line: number, column: number): string {
  let path = file;
  if (!isAbsolute(file)) {
    for (let d = crateDir; ; d = dirname(d)) {
      if (existsSync(join(d, file))) {
        path = join(d, file);
        break;
      }
      if (d === dirname(d)) break;
    }
  }
  const rel = isAbsolute(path) ? relative(crateDir, path) : path;
  return `${rel.startsWith('..') ? path : rel}:${line}:${column}`;
}

function toDiagnostic(crateDir: string, msg: NonNullable<CargoMessage['message']>): RustDiagnostic {
  const primary = msg.spans.find((s) => s.is_primary) ?? msg.spans[0];
  return {
    level: msg.level,
    message: msg.message,
    ...(msg.code ? { code: msg.code.code } : {}),
    ...(primary
      ? { location: locate(crateDir, primary.file_name, primary.line_start, primary.column_start) }
      : {}),
    rendered: (msg.rendered ?? msg.message).trimEnd(),
  };
}

/** One line per diagnostic: `src/lib.rs:3:5: error[E0308]: mismatched types`. */
export function formatDiagnostic(d: RustDiagnostic): string {
  const head = `${d.level}${d.code ? `[${d.code}]` : ''}: ${d.message}`;
  return d.location ? `${d.location}: ${head}` : head;
}

/** Cargo's own failures (no rustc diagnostic), with a hint for the common offline one. */
function cargoFailure(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    // Progress lines, and cargo's generic reminder about offline mode (we add a precise hint).
    .filter(
      (l) =>
        l.length > 0 &&
        !/^(Compiling|Finished|Blocking|Updating|Locking)\b/.test(l) &&
        !/^As a reminder, you're using offline mode|retry without the offline flag/.test(l),
    );
  const first = lines.findIndex((l) => l.startsWith('error'));
  const text = (first >= 0 ? lines.slice(first) : lines).slice(0, 8).join(' ');
  const missing = /no matching package named `([^`]+)` found/.exec(stderr)?.[1];
  return missing
    ? `${text} (crates come from Debian's packages offline: apt-get install -y librust-${missing.replaceAll('_', '-')}-dev)`
    : text || 'cargo failed without a message';
}

/**
 * Builds the crate's library with cargo for the toolchain's WASI target, release, offline, with
 * crates.io replaced by a local directory of crate sources (Debian's by default); see
 * {@link cargoBuildArgs} for the exact command.
 *
 * @throws {BuildError} `WITKIT_BUILD_CARGO` with each rustc error as `file:line:column: message`
 *   (the full rendering in `cause`), or cargo's own message when it fails before compiling
 */
export async function cargoBuild(
  manifest: RustPluginManifest,
  toolchain: RustToolchain,
  options: CargoBuildOptions = {},
): Promise<CargoBuildResult> {
  const args = cargoBuildArgs(manifest, toolchain, options);
  const child = spawn(toolchain.cargo, args, {
    cwd: manifest.dir,
    // RUSTC pins the toolchain we detected: cargo would otherwise run whichever rustc is first
    // on PATH (with rustup installed, one without a wasm target).
    env: { ...process.env, RUSTC: toolchain.rustc, CARGO_TERM_COLOR: 'never' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = await new Promise<number | null>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolvePromise(code));
  }).catch((cause: unknown) => {
    throw new BuildError(
      'WITKIT_BUILD_RUST_TOOLCHAIN',
      manifest.name,
      `cannot run \`${toolchain.cargo}\`: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  });

  // Cargo may name the manifest by the path we gave or with symlinks resolved.
  const ourManifests = new Set([resolve(manifest.manifestPath), await realpath(manifest.manifestPath)]);
  const errors: RustDiagnostic[] = [];
  const warnings: RustDiagnostic[] = [];
  let wasmPath: string | undefined;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg: CargoMessage;
    try {
      msg = JSON.parse(line) as CargoMessage;
    } catch {
      continue;
    }
    const ours = msg.manifest_path !== undefined && ourManifests.has(resolve(msg.manifest_path));
    // rustc's closing tallies ("aborting due to …", "2 warnings emitted") repeat what came before.
    const tally = /^(aborting due to|\d+ warnings? emitted)/.test(msg.message?.message ?? '');
    if (msg.reason === 'compiler-message' && msg.message && !tally) {
      // Dependencies' warnings are not the plugin author's to fix; their errors still are news.
      if (msg.message.level === 'error' || msg.message.level === 'error: internal compiler error')
        errors.push(toDiagnostic(manifest.dir, msg.message));
      else if (ours && msg.message.level === 'warning')
        warnings.push(toDiagnostic(manifest.dir, msg.message));
    } else if (
      msg.reason === 'compiler-artifact' &&
      ours &&
      msg.target?.kind.includes(manifest.kind === 'command' ? 'bin' : 'cdylib')
    ) {
      wasmPath = msg.filenames?.find((f) => f.endsWith('.wasm'));
    }
  }
  if (exit !== 0 || !wasmPath) {
    const detail =
      errors.length > 0
        ? errors.map(formatDiagnostic).join('; ')
        : exit === 0
          ? `cargo built no ${manifest.kind === 'command' ? 'binary' : 'cdylib'} wasm module`
          : cargoFailure(stderr);
    throw new BuildError('WITKIT_BUILD_CARGO', manifest.name, `cargo build failed: ${detail}`, {
      cause: new Error(errors.map((e) => e.rendered).join('\n\n') || stderr),
    });
  }
  return { wasmPath, warnings };
}
