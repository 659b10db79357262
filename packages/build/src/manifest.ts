import { readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { resolveWitPath, type WitResolve } from '@witkit/wit';
import { findWorld, type WorldInfo, witDir, worlds } from '@witkit/wit-types';
import { z } from 'zod';
import { BuildError } from './errors.js';

/** The JavaScript engines a TypeScript plugin can be componentized with. */
export const jsEngines = ['quickjs', 'starlingmonkey'] as const;

/** A JavaScript engine for TypeScript plugins; see `docs/engines.md` for the measured trade-offs. */
export type JsEngine = (typeof jsEngines)[number];

/**
 * The default engine. QuickJS components are 7x smaller, build 10x faster and answer a
 * small call ~6x faster than StarlingMonkey ones on our measurements (docs/engines.md).
 */
export const defaultJsEngine: JsEngine = 'quickjs';

const witkitField = z
  .object({
    world: z.string().min(1),
    engine: z.enum(jsEngines).default(defaultJsEngine),
    entry: z.string().min(1).default('src/index.ts'),
    wit: z.string().min(1).optional(),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'must be kebab-case: lowercase letters, digits and dashes')
      .optional(),
  })
  .strict();

/** The build settings of a TypeScript plugin, read from the `witkit` field of its package.json. */
export interface JsPluginManifest {
  /** Folder of the plugin package. */
  readonly dir: string;
  /** Plugin name: `witkit.name`, else the package name without its scope. */
  readonly name: string;
  /** Version from package.json. */
  readonly version: string;
  /** The world the plugin targets. */
  readonly world: WorldInfo;
  /**
   * Functions the world exports directly, by WIT (kebab-case) name; empty for the contracts'
   * worlds, which export only interfaces.
   */
  readonly worldFunctions: readonly string[];
  /**
   * The WIT folder (or file) the componentizers read: `witkit.wit` resolved against the plugin
   * folder when set, else the witkit contracts.
   */
  readonly witPath: string;
  /** Whether the world comes from the plugin's own WIT (`witkit.wit`). */
  readonly localWit: boolean;
  /** Engine to componentize with. */
  readonly engine: JsEngine;
  /** Entry module, absolute. */
  readonly entry: string;
}

/**
 * Reads and validates a TypeScript plugin's build settings.
 *
 * @throws {BuildError} `WITKIT_BUILD_NOT_A_PLUGIN` when package.json has no `witkit` field,
 *   `WITKIT_BUILD_MANIFEST` naming the bad field, `WITKIT_BUILD_UNKNOWN_WORLD` listing the worlds
 */
export async function readJsPluginManifest(dir: string): Promise<JsPluginManifest> {
  const file = join(dir, 'package.json');
  let pkg: { name?: unknown; version?: unknown; witkit?: unknown };
  try {
    pkg = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new BuildError('WITKIT_BUILD_MANIFEST', basename(dir), `cannot read \`${file}\``, { cause });
  }
  const label = typeof pkg.name === 'string' ? pkg.name : basename(dir);
  if (pkg.witkit === undefined) {
    throw new BuildError(
      'WITKIT_BUILD_NOT_A_PLUGIN',
      label,
      `\`${file}\` has no \`witkit\` field; add \`"witkit": { "world": "<world>" }\` to make it a plugin`,
    );
  }
  const parsed = witkitField.safeParse(pkg.witkit);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = ['witkit', ...issue.path].join('.');
    throw new BuildError('WITKIT_BUILD_MANIFEST', label, `\`${field}\` in \`${file}\`: ${issue.message}`, {
      cause: parsed.error,
    });
  }
  const local = parsed.data.wit === undefined ? undefined : await localWorld(dir, file, label, parsed.data);
  const world = local?.world ?? findWorld(parsed.data.world);
  if (!world) {
    throw new BuildError(
      'WITKIT_BUILD_UNKNOWN_WORLD',
      label,
      `\`witkit.world\` in \`${file}\` is \`${parsed.data.world}\`, which the contracts do not define; known worlds: ${worlds.map((w) => `\`${w.name}\``).join(', ')} (or set \`witkit.wit\` to your own WIT folder)`,
    );
  }
  const name = parsed.data.name ?? label.replace(/^@[^/]+\//, '');
  return {
    dir,
    name,
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
    world,
    worldFunctions: local?.functions ?? [],
    witPath: local?.witPath ?? witDir,
    localWit: local !== undefined,
    engine: parsed.data.engine,
    entry: join(dir, parsed.data.entry),
  };
}

/**
 * The world named by `witkit.world` in the plugin's own WIT (`witkit.wit`), resolved with
 * `@witkit/wit`: its interface imports and exports by versioned id, and its world-level
 * exported functions.
 *
 * @throws {BuildError} `WITKIT_BUILD_MANIFEST` when the WIT cannot be read or is invalid (the
 *   message carries the file and line), `WITKIT_BUILD_UNKNOWN_WORLD` naming the known worlds
 */
async function localWorld(
  dir: string,
  file: string,
  label: string,
  field: { world: string; wit?: string | undefined },
): Promise<{ world: WorldInfo; functions: string[]; witPath: string }> {
  const witPath = join(dir, field.wit!);
  let witResolve: WitResolve;
  try {
    witResolve = await resolveWitPath(witPath);
  } catch (cause) {
    const detail = (cause as { formatted?: string; message?: string }).formatted ?? String(cause);
    throw new BuildError(
      'WITKIT_BUILD_MANIFEST',
      label,
      `\`witkit.wit\` in \`${file}\` is \`${field.wit}\`, which cannot be resolved: ${detail}`,
      { cause },
    );
  }
  const w = witResolve.root.worlds.get(field.world);
  if (!w) {
    const known = [...witResolve.root.worlds.keys()].map((k) => `\`${k}\``).join(', ') || 'none';
    throw new BuildError(
      'WITKIT_BUILD_UNKNOWN_WORLD',
      label,
      `\`witkit.world\` in \`${file}\` is \`${field.world}\`, which \`${relative(dir, witPath) || '.'}\` (package \`${witResolve.root.id}\`) does not define; known worlds: ${known}`,
    );
  }
  const ids = (items: typeof w.imports) =>
    [...items].flatMap(([key, item]) => (item.kind === 'interface' ? [item.interface.id ?? key] : []));
  const functions = [...w.exports.values()].flatMap((item) =>
    item.kind === 'function' ? [item.function.name] : [],
  );
  return {
    world: { name: w.name, id: w.id, imports: ids(w.imports), exports: ids(w.exports) },
    functions,
    witPath,
  };
}
