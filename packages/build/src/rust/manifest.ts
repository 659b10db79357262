import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { findWorld, witDir, worlds } from '@witkit/wit-types';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { BuildError } from '../errors.js';

/** How the core module is optimized with binaryen before componentization. */
export const rustOptimizeLevels = ['size', 'speed', 'none'] as const;

/** `size` is wasm-opt `-Os`, `speed` is `-O3`, `none` skips binaryen. */
export type RustOptimizeLevel = (typeof rustOptimizeLevels)[number];

const metadataSchema = z
  .object({
    world: z.string().min(1).optional(),
    command: z.boolean().optional(),
    wit: z.string().min(1).optional(),
    bindings: z.string().min(1).optional(),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'must be kebab-case: lowercase letters, digits and dashes')
      .optional(),
    optimize: z.enum(rustOptimizeLevels).default('size'),
  })
  .strict();

/** The world a Rust plugin targets and where its WIT lives. */
export interface RustPluginWorld {
  /** Short name, as written after `world` in the WIT. */
  readonly name: string;
  /** Fully qualified id, e.g. `witkit:plugin-system/processor-plugin@0.1.0`. */
  readonly id: string;
  /** The WIT folder (or file) that defines it: the witkit contracts, or the crate's own `wit`. */
  readonly witPath: string;
  /** Whether the world comes from the crate's own WIT rather than the witkit contracts. */
  readonly local: boolean;
}

/** The build settings of a Rust plugin, read from `[package.metadata.witkit]` of its Cargo.toml. */
export interface RustPluginManifest {
  /** Folder of the crate. */
  readonly dir: string;
  /** Its Cargo.toml. */
  readonly manifestPath: string;
  /** Plugin name: `metadata.witkit.name`, else the crate name. Names the outputs. */
  readonly name: string;
  /** The crate (package) name. */
  readonly crateName: string;
  /** Version from Cargo.toml (workspace-inherited versions are resolved). */
  readonly version: string;
  /** The world the plugin targets. */
  readonly world: RustPluginWorld;
  /**
   * Absolute path of the file the binding generator writes before cargo runs; absent for
   * crates that write the canonical ABI by hand.
   */
  readonly bindings?: string;
  /** How binaryen optimizes the core module. */
  readonly optimize: RustOptimizeLevel;
  /**
   * `reactor`: a library (cdylib) exporting a world, componentized with the reactor adapter.
   * `command`: a program (binary target) componentized with the command adapter, exporting
   * `wasi:cli/run` (`command = true` in the metadata).
   */
  readonly kind: 'reactor' | 'command';
  /** The binary target cargo builds, for a `command`. */
  readonly bin?: string;
}

/** The world every Rust command targets: the one the preview 1 command adapter exports. */
export const commandWorld: RustPluginWorld = {
  name: 'command',
  id: 'wasi:cli/command',
  witPath: '',
  local: false,
};

type Toml = Record<string, unknown>;

const asTable = (value: unknown): Toml | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Toml) : undefined;

async function readToml(file: string, label: string): Promise<Toml> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new BuildError('WITKIT_BUILD_MANIFEST', label, `cannot read \`${file}\``, { cause });
  }
  try {
    return parseToml(text) as Toml;
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new BuildError('WITKIT_BUILD_MANIFEST', label, `\`${file}\` is not valid TOML: ${message}`, {
      cause,
    });
  }
}

/** Whether `dir` holds a Cargo.toml with a `[package.metadata.witkit]` table. */
export async function isRustPluginDir(dir: string): Promise<boolean> {
  try {
    const toml = parseToml(await readFile(join(dir, 'Cargo.toml'), 'utf8')) as Toml;
    return asTable(asTable(asTable(toml.package)?.metadata)?.witkit) !== undefined;
  } catch {
    return false;
  }
}

/** Resolves `version.workspace = true` from the nearest enclosing `[workspace.package]`. */
async function workspaceVersion(dir: string, label: string): Promise<string | undefined> {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    const file = join(d, 'Cargo.toml');
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    const workspace = asTable((await readToml(file, label)).workspace);
    if (workspace) {
      const version = asTable(workspace.package)?.version;
      return typeof version === 'string' ? version : undefined;
    }
  }
  return undefined;
}

const stripWitComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/**
 * Lists the package id and worlds of a crate's own WIT (a folder's top-level .wit files, or
 * one file). A small scan, not a parser: wasm-tools checks the WIT itself when embedding.
 */
async function scanLocalWit(path: string): Promise<{ packageId?: string; worlds: string[] }> {
  const isFile = (await stat(path)).isFile();
  const files = isFile
    ? [path]
    : (await readdir(path))
        .filter((f) => f.endsWith('.wit'))
        .sort()
        .map((f) => join(path, f));
  let packageId: string | undefined;
  const found: string[] = [];
  for (const file of files) {
    const text = stripWitComments(await readFile(file, 'utf8'));
    packageId ??= /^\s*package\s+([a-z][\w-]*:[a-z][\w-]*(?:@[\w.+-]+)?)\s*;/m.exec(text)?.[1];
    for (const m of text.matchAll(/^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm)) found.push(m[1]!);
  }
  return packageId === undefined ? { worlds: found } : { packageId, worlds: found };
}

/** A world id: `ns:pkg/world@version` from a package id `ns:pkg@version`. */
function worldId(packageId: string, world: string): string {
  const [name, version] = packageId.split('@');
  return `${name}/${world}${version ? `@${version}` : ''}`;
}

/**
 * Reads and validates a Rust plugin's build settings from its Cargo.toml:
 *
 * ```toml
 * [lib]
 * crate-type = ["cdylib"]
 *
 * [package.metadata.witkit]
 * world = "processor-plugin"   # a world of the witkit contracts, or of `wit`
 * wit = "wit"                  # optional: the crate's own WIT folder (or file)
 * bindings = "src/bindings.rs" # optional: generate bindings there before cargo runs
 * optimize = "size"            # optional: "size" (default), "speed" or "none"
 * ```
 *
 * A WASI command instead has a binary target (`src/main.rs`) and `command = true`, and no
 * `world`, `wit` or `bindings`: it is componentized with the command adapter and exports
 * `wasi:cli/run`.
 *
 * @throws {BuildError} `WITKIT_BUILD_NOT_A_PLUGIN` when there is no `[package.metadata.witkit]`,
 *   `WITKIT_BUILD_MANIFEST` naming the bad field, `WITKIT_BUILD_UNKNOWN_WORLD` listing the worlds
 */
export async function readRustPluginManifest(dir: string): Promise<RustPluginManifest> {
  const manifestPath = join(dir, 'Cargo.toml');
  const toml = await readToml(manifestPath, basename(dir));
  const pkg = asTable(toml.package);
  if (!pkg) {
    throw new BuildError(
      'WITKIT_BUILD_NOT_A_PLUGIN',
      basename(dir),
      `\`${manifestPath}\` has no \`[package]\`${toml.workspace ? ' (it is a workspace: build its member crates)' : ''}`,
    );
  }
  const crateName = typeof pkg.name === 'string' ? pkg.name : basename(dir);
  const raw = asTable(pkg.metadata)?.witkit;
  if (raw === undefined) {
    throw new BuildError(
      'WITKIT_BUILD_NOT_A_PLUGIN',
      crateName,
      `\`${manifestPath}\` has no \`[package.metadata.witkit]\`; add one with \`world = "<world>"\` to make the crate a plugin`,
    );
  }
  const parsed = metadataSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['package.metadata.witkit', ...issue.path].join('.');
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      crateName,
      `\`${field}\` in \`${manifestPath}\`: ${issue.message}`,
      { cause: parsed.error },
    );
  }
  const meta = parsed.data;
  let version: string | undefined;
  if (typeof pkg.version === 'string') version = pkg.version;
  else if (asTable(pkg.version)?.workspace === true) version = await workspaceVersion(dir, crateName);

  if (meta.command === true) {
    return {
      dir,
      manifestPath,
      name: meta.name ?? crateName,
      crateName,
      version: version ?? '0.0.0',
      world: commandWorld,
      optimize: meta.optimize,
      kind: 'command',
      bin: await commandBinary(dir, manifestPath, crateName, toml, meta),
    };
  }
  if (meta.world === undefined) {
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      crateName,
      `\`package.metadata.witkit.world\` in \`${manifestPath}\` is missing: set it to the world the plugin implements, or set \`command = true\` to build the crate's binary as a WASI command`,
    );
  }

  // Without `cdylib`, rustc builds a wasm *program* (or an rlib) without our exports.
  const crateTypes = asTable(toml.lib)?.['crate-type'];
  if (!Array.isArray(crateTypes) || !crateTypes.includes('cdylib')) {
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      crateName,
      `\`lib.crate-type\` in \`${manifestPath}\` must include \`"cdylib"\` so the exports end up in the wasm module; add \`[lib] crate-type = ["cdylib"]\``,
    );
  }

  let world: RustPluginWorld;
  if (meta.wit === undefined) {
    const info = findWorld(meta.world);
    if (!info) {
      throw new BuildError(
        'WITKIT_BUILD_UNKNOWN_WORLD',
        crateName,
        `\`package.metadata.witkit.world\` in \`${manifestPath}\` is \`${meta.world}\`, which the contracts do not define; known worlds: ${worlds.map((w) => `\`${w.name}\``).join(', ')} (or set \`wit\` to the crate's own WIT folder)`,
      );
    }
    world = { name: info.name, id: info.id, witPath: witDir, local: false };
  } else {
    const witPath = join(dir, meta.wit);
    const scan = await scanLocalWit(witPath).catch((cause: unknown) => {
      throw new BuildError(
        'WITKIT_BUILD_MANIFEST',
        crateName,
        `\`package.metadata.witkit.wit\` in \`${manifestPath}\` is \`${meta.wit}\`, which cannot be read; point it at a folder (or file) of .wit files`,
        { cause },
      );
    });
    if (!scan.packageId || !scan.worlds.includes(meta.world)) {
      const known = scan.worlds.length > 0 ? scan.worlds.map((w) => `\`${w}\``).join(', ') : 'none';
      throw new BuildError(
        'WITKIT_BUILD_UNKNOWN_WORLD',
        crateName,
        `\`package.metadata.witkit.world\` in \`${manifestPath}\` is \`${meta.world}\`, which \`${relative(dir, witPath) || '.'}\` does not define${scan.packageId ? '' : ' (it has no `package` declaration)'}; known worlds: ${known}`,
      );
    }
    world = { name: meta.world, id: worldId(scan.packageId, meta.world), witPath, local: true };
  }

  return {
    dir,
    manifestPath,
    name: meta.name ?? crateName,
    crateName,
    version: version ?? '0.0.0',
    world,
    ...(meta.bindings === undefined ? {} : { bindings: join(dir, meta.bindings) }),
    optimize: meta.optimize,
    kind: 'reactor',
  };
}

/**
 * The binary target of a command crate: its only `[[bin]]`, else `src/main.rs` under the
 * crate's name. A command exports no world of its own, so world, WIT and bindings are refused.
 */
async function commandBinary(
  dir: string,
  manifestPath: string,
  crateName: string,
  toml: Toml,
  meta: z.infer<typeof metadataSchema>,
): Promise<string> {
  for (const field of ['world', 'wit', 'bindings'] as const) {
    if (meta[field] !== undefined) {
      throw new BuildError(
        'WITKIT_BUILD_MANIFEST',
        crateName,
        `\`package.metadata.witkit.${field}\` in \`${manifestPath}\` cannot be combined with \`command = true\`: a command exports \`wasi:cli/run\` and no world of its own; remove \`${field}\`, or remove \`command\` to build a plugin library`,
      );
    }
  }
  const bins = Array.isArray(toml.bin) ? toml.bin.map(asTable).filter((b) => b !== undefined) : [];
  const named = bins.map((b) => b.name).filter((n): n is string => typeof n === 'string');
  if (named.length > 1) {
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      crateName,
      `\`${manifestPath}\` declares ${named.length} \`[[bin]]\` targets (${named.map((n) => `\`${n}\``).join(', ')}) and \`command = true\` builds one: keep one binary target per command crate`,
    );
  }
  if (named.length === 1) return named[0]!;
  const hasMain = await stat(join(dir, 'src', 'main.rs')).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!hasMain) {
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      crateName,
      `\`package.metadata.witkit.command\` in \`${manifestPath}\` is \`true\`, but the crate has no binary target: add \`src/main.rs\` (or a \`[[bin]]\`) with a \`fn main\``,
    );
  }
  return crateName;
}
