/**
 * `witkit bindgen rust <path> --world <w> --out <file>`: writes Rust guest bindings for a world,
 * with witkit's own generator (no crates, Rust 1.63+) or, on request, the `wit-bindgen` CLI.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BindgenError, generateRustBindingsFromPath } from '@witkit/bindgen-rust';
import type { CommandIo } from './wit-resolve.js';
import { writeAtomic } from './write-atomic.js';

/** The generators {@link runBindgenRust} can use. */
export type RustBindgenTool = 'witkit' | 'wit-bindgen';

/** Options of {@link runBindgenRust}. */
export interface BindgenRustOptions {
  /** The world to generate bindings for: a name in the root package, or an id. */
  readonly world: string;
  /** The Rust file to write, e.g. `src/bindings.rs`; written atomically. */
  readonly out: string;
  /**
   * Which generator: witkit's own, or the `wit-bindgen` binary on `PATH` (its output needs the
   * `wit-bindgen` crate at build time, which witkit's does not).
   * @default 'witkit'
   */
  readonly with?: RustBindgenTool | undefined;
}

/** What {@link runBindgenRust} wrote. */
export interface BindgenRustResult {
  readonly out: string;
  readonly tool: RustBindgenTool;
  readonly bytes: number;
}

/** The full path of `command` in one of `PATH`'s folders, if it is there and executable. */
export async function findOnPath(
  command: string,
  path = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

async function runWitBindgen(witPath: string, options: BindgenRustOptions): Promise<string> {
  const binary = await findOnPath('wit-bindgen');
  if (binary === undefined) {
    throw new BindgenError(
      'WITKIT_BINDGEN_TOOL_MISSING',
      "`wit-bindgen` is not on PATH: install it (`cargo install wit-bindgen-cli`) or drop `--with wit-bindgen` to use witkit's own generator, which needs no install",
    );
  }
  // wit-bindgen names its output after the world; let it write into a scratch folder.
  const scratch = await mkdtemp(join(dirname(resolve(options.out)), '.witkit-bindgen-'));
  try {
    await promisify(execFile)(binary, ['rust', witPath, '--world', options.world, '--out-dir', scratch], {
      maxBuffer: 64 * 1024 * 1024,
    }).catch((cause: { stderr?: string; message: string }) => {
      throw new BindgenError(
        'WITKIT_BINDGEN_TOOL_FAILED',
        `\`wit-bindgen rust\` failed for world \`${options.world}\` of \`${witPath}\`: ${(cause.stderr ?? cause.message).trim()}`,
        { cause },
      );
    });
    const produced = (await readdir(scratch)).filter((f) => f.endsWith('.rs'));
    if (produced.length !== 1) {
      throw new BindgenError(
        'WITKIT_BINDGEN_TOOL_FAILED',
        `\`wit-bindgen rust\` wrote ${produced.length} Rust files for world \`${options.world}\`, expected one`,
      );
    }
    return await readFile(join(scratch, produced[0]!), 'utf8');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Generates Rust guest bindings for `options.world` of the WIT at `path` and writes them to
 * `options.out` atomically. Prints one line saying what was written.
 *
 * @throws `WitError` for bad WIT; `BindgenError` (`@witkit/bindgen-rust`) for what the generator
 * cannot handle, `WITKIT_BINDGEN_TOOL_MISSING` when `with: 'wit-bindgen'` and the binary is not on
 * `PATH`, `WITKIT_BINDGEN_TOOL_FAILED` when it fails, `WITKIT_BINDGEN_INVALID_OPTIONS` for bad options.
 *
 * @example
 * ```ts
 * await runBindgenRust('wit', { world: 'processor-plugin', out: 'src/bindings.rs' }, io);
 * ```
 */
export async function runBindgenRust(
  path: string,
  options: BindgenRustOptions,
  io: CommandIo,
): Promise<BindgenRustResult> {
  const tool = options.with ?? 'witkit';
  if (tool !== 'witkit' && tool !== 'wit-bindgen') {
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      `expected \`--with\` to be \`witkit\` or \`wit-bindgen\`, got \`${String(tool)}\``,
    );
  }
  if (typeof options.world !== 'string' || options.world === '')
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      'expected `--world` to name the world to generate bindings for',
    );
  if (typeof options.out !== 'string' || options.out === '')
    throw new BindgenError(
      'WITKIT_BINDGEN_INVALID_OPTIONS',
      'expected `--out` to name the Rust file to write, e.g. `src/bindings.rs`',
    );
  const rust =
    tool === 'witkit'
      ? await generateRustBindingsFromPath(path, { world: options.world })
      : await runWitBindgen(path, options);
  const out = resolve(options.out);
  await writeAtomic(out, rust);
  const bytes = Buffer.byteLength(rust);
  io.out(`wrote ${options.out} (${(bytes / 1024).toFixed(1)} KiB, world \`${options.world}\`, ${tool})`);
  return { out, tool, bytes };
}
