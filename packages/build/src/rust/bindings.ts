import { mkdir, readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { BuildError } from '../errors.js';
import type { RustPluginManifest } from './manifest.js';

/** What a Rust binding generator is asked for: the world, and the WIT that defines it. */
export interface RustBindgenRequest {
  /** The WIT folder (or file) that defines the world. */
  readonly witPath: string;
  /** The world's short name. */
  readonly world: string;
  /**
   * The Rust path the file is mounted at, from its place under `src/` (`src/bindings.rs` is
   * `crate::bindings`, declared with `mod bindings;` in `src/lib.rs`).
   */
  readonly modulePath: string;
}

/**
 * Generates the Rust source of a crate's bindings for a world. The source must compile on
 * Rust 1.63 without crate dependencies (what Debian ships offline).
 */
export type RustBindgen = (request: RustBindgenRequest) => Promise<string>;

/** The package {@link loadDefaultRustBindgen} looks for. */
export const defaultRustBindgenPackage = '@witkit/bindgen-rust';

interface BindgenModule {
  generateRustBindingsFromPath?: (
    path: string,
    options: { world: string; modulePath?: string },
  ) => Promise<string> | string;
}

/**
 * Loads the generator of `@witkit/bindgen-rust` (its `generateRustBindingsFromPath`) when the
 * package is installed.
 *
 * @returns the generator, or `undefined` when the package is not installed
 */
export async function loadDefaultRustBindgen(): Promise<RustBindgen | undefined> {
  // A variable specifier: the generator is an optional peer, resolved only when a crate
  // asks for generated bindings.
  const specifier: string = defaultRustBindgenPackage;
  let mod: BindgenModule;
  try {
    mod = (await import(specifier)) as BindgenModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  const generate = mod.generateRustBindingsFromPath;
  if (typeof generate !== 'function') return undefined;
  return async ({ witPath, world, modulePath }) => generate(witPath, { world, modulePath });
}

/** `crate::a::b` for `src/a/b.rs` (or `src/a/b/mod.rs`); the file must sit under `src/`. */
export function rustModulePath(crateDir: string, file: string): string | undefined {
  const rel = relative(crateDir, file).split(sep);
  if (rel[0] !== 'src' || rel.length < 2 || !rel.at(-1)!.endsWith('.rs')) return undefined;
  if (rel.length === 2 && rel[1] === 'lib.rs') return 'crate';
  const parts = rel.slice(1);
  parts[parts.length - 1] = parts.at(-1)!.replace(/\.rs$/, '');
  if (parts.at(-1) === 'mod') parts.pop();
  if (parts.length === 0 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return undefined;
  return ['crate', ...parts].join('::');
}

/**
 * The bindings step: writes the crate's bindings file (`bindings` in its metadata) with the
 * generator's output before cargo runs. A crate without `bindings` writes the canonical ABI by
 * hand, and the step does nothing. The file is only rewritten when its content changes, so
 * cargo's fingerprints (which look at mtimes) stay fresh.
 *
 * @returns `generated` or `unchanged` when the file was (re)generated, `hand-written` when skipped
 * @throws {BuildError} `WITKIT_BUILD_BINDINGS` when no generator is available or it fails
 */
export async function writeRustBindings(
  manifest: RustPluginManifest,
  bindgen: RustBindgen | undefined,
): Promise<'generated' | 'unchanged' | 'hand-written'> {
  if (manifest.bindings === undefined) return 'hand-written';
  const file = manifest.bindings;
  const shown = relative(manifest.dir, file);
  const modulePath = rustModulePath(manifest.dir, file);
  if (!modulePath) {
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      manifest.name,
      `\`package.metadata.witkit.bindings\` is \`${shown}\`; it must be a Rust module file under \`src/\`, e.g. \`src/bindings.rs\``,
    );
  }
  let generate = bindgen;
  try {
    generate ??= await loadDefaultRustBindgen();
  } catch (cause) {
    throw new BuildError(
      'WITKIT_BUILD_BINDINGS',
      manifest.name,
      `cannot load \`${defaultRustBindgenPackage}\``,
      { cause },
    );
  }
  if (!generate) {
    throw new BuildError(
      'WITKIT_BUILD_BINDINGS',
      manifest.name,
      `the crate wants generated bindings in \`${shown}\` but no generator is available; install \`${defaultRustBindgenPackage}\`, pass \`bindgen\` to \`buildRustPlugin\`, or remove \`bindings\` from \`[package.metadata.witkit]\` and write the ABI by hand`,
    );
  }
  let source: string;
  try {
    source = await generate({ witPath: manifest.world.witPath, world: manifest.world.name, modulePath });
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new BuildError(
      'WITKIT_BUILD_BINDINGS',
      manifest.name,
      `cannot generate bindings for world \`${manifest.world.name}\` into \`${shown}\`: ${message}`,
      { cause },
    );
  }
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === source) return 'unchanged';
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, source);
  return 'generated';
}
