import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type BuildJsPluginOptions, type BuiltPlugin, buildJsPlugin } from '../build-js-plugin.js';
import { BuildError } from '../errors.js';
import { type BuildRustPluginOptions, type BuiltRustPlugin, buildRustPlugin } from './build-rust-plugin.js';
import { isRustPluginDir } from './manifest.js';

/** What {@link buildPlugin} produced: a TypeScript plugin's or a Rust plugin's build. */
export type AnyBuiltPlugin = BuiltPlugin | BuiltRustPlugin;

/** Options of {@link buildPlugin}: those of both pipelines (each uses its own). */
export interface BuildPluginOptions extends BuildJsPluginOptions, BuildRustPluginOptions {}

/** The kind of plugin a folder holds, or `undefined` when it holds none. */
export async function pluginKind(dir: string): Promise<'js' | 'rust' | undefined> {
  const pkg = await readFile(join(dir, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as { witkit?: unknown },
    () => undefined,
  );
  if (pkg?.witkit !== undefined) return 'js';
  if (await isRustPluginDir(dir)) return 'rust';
  return undefined;
}

/**
 * Builds the plugin in `dir`, whatever its language: a package.json with a `witkit` field is
 * a TypeScript plugin ({@link buildJsPlugin}); a Cargo.toml with `[package.metadata.witkit]`
 * is a Rust plugin ({@link buildRustPlugin}). The `witkit` field wins when a folder has both
 * (Rust crates carry a package.json without it, for the task runner).
 *
 * @example
 * ```ts
 * for (const dir of ['plugins-js/text-transformer', 'plugins-rust/bench-kernels']) {
 *   const built = await buildPlugin(dir);
 *   console.log(`${built.name} (${built.engine}): ${built.size} bytes`);
 * }
 * ```
 * @throws {BuildError} `WITKIT_BUILD_NOT_A_PLUGIN` when the folder holds neither, else what
 *   the language's pipeline throws
 */
export async function buildPlugin(dir: string, options: BuildPluginOptions = {}): Promise<AnyBuiltPlugin> {
  const abs = resolve(dir);
  switch (await pluginKind(abs)) {
    case 'js':
      return buildJsPlugin(abs, options);
    case 'rust':
      return buildRustPlugin(abs, options);
    default:
      throw new BuildError(
        'WITKIT_BUILD_NOT_A_PLUGIN',
        basename(abs),
        `\`${abs}\` holds no plugin: add \`"witkit": { "world": "<world>" }\` to its package.json (TypeScript) or \`[package.metadata.witkit] world = "<world>"\` to its Cargo.toml (Rust)`,
      );
  }
}
