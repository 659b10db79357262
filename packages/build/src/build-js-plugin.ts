import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { bundlePlugin } from './bundle.js';
import { componentizePlugin } from './componentize.js';
import { BuildError } from './errors.js';
import { type JsEngine, readJsPluginManifest } from './manifest.js';

/**
 * The JS export name componentizers bind an exported interface to: the interface name
 * in lowerCamelCase (`witkit:plugin-system/data-processor@0.1.0` → `dataProcessor`).
 */
export function jsExportName(interfaceId: string): string {
  const name = interfaceId.replace(/@.*$/, '').split('/').pop() ?? interfaceId;
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** What {@link buildJsPlugin} produced. */
export interface BuiltPlugin {
  /** Plugin name. */
  readonly name: string;
  /** Plugin version, from package.json. */
  readonly version: string;
  /** Full id of the world the component targets. */
  readonly world: string;
  /** Engine the component embeds. */
  readonly engine: JsEngine;
  /** Absolute path of the component file. */
  readonly componentPath: string;
  /** Size of the component in bytes. */
  readonly size: number;
  /** Hex sha256 of the component. */
  readonly sha256: string;
  /** Wall-clock build time in milliseconds. */
  readonly durationMs: number;
}

/** Options of {@link buildJsPlugin}. */
export interface BuildJsPluginOptions {
  /**
   * Folder for the outputs: relative to the plugin, or absolute.
   * @default 'dist'
   */
  readonly outDir?: string;
}

/**
 * Builds a TypeScript (or JavaScript) plugin package into a WebAssembly component.
 *
 * Reads the `witkit` field of the plugin's package.json, bundles the entry with esbuild,
 * componentizes it with the chosen engine against the world, and writes
 * `<outDir>/<name>.wasm` plus `<outDir>/<name>.build.json` (world, engine, size, sha256).
 * Files are replaced atomically: a failed build leaves the previous outputs intact.
 *
 * @example
 * ```ts
 * const built = await buildJsPlugin('plugins-js/text-transformer');
 * console.log(built.componentPath, built.size);
 * ```
 * @throws {BuildError} naming the plugin and the step that failed
 */
export async function buildJsPlugin(
  pluginDir: string,
  options: BuildJsPluginOptions = {},
): Promise<BuiltPlugin> {
  const started = performance.now();
  const dir = resolve(pluginDir);
  const manifest = await readJsPluginManifest(dir);
  const entryExists = await stat(manifest.entry).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!entryExists) {
    throw new BuildError(
      'WITKIT_BUILD_ENTRY_MISSING',
      manifest.name,
      `entry \`${manifest.entry}\` does not exist; create it or set \`witkit.entry\` in package.json`,
    );
  }
  const bundle = await bundlePlugin(manifest);
  // Not every engine notices a missing export (QuickJS builds the component and traps on the
  // first call), so check the module against the world before componentizing.
  // Interfaces bind to their lowerCamelCase name, world-level functions to their camelCase one.
  const missing = [
    ...manifest.world.exports.map((id) => ({ id, jsName: jsExportName(id) })),
    ...manifest.worldFunctions.map((fn) => ({ id: `${fn}: func`, jsName: jsExportName(fn) })),
  ].filter(({ jsName }) => !bundle.exports.includes(jsName));
  if (missing.length > 0) {
    throw new BuildError(
      'WITKIT_BUILD_MISSING_EXPORT',
      manifest.name,
      `\`${manifest.entry}\` must export ${missing.map((m) => `\`${m.jsName}\` (for \`${m.id}\`)`).join(', ')} to implement world \`${manifest.world.name}\``,
    );
  }
  const component = await componentizePlugin(manifest, bundle.source);
  const outDir = resolve(dir, options.outDir ?? 'dist');
  await mkdir(outDir, { recursive: true });
  const componentPath = join(outDir, `${manifest.name}.wasm`);
  const sha256 = createHash('sha256').update(component).digest('hex');
  const built: BuiltPlugin = {
    name: manifest.name,
    version: manifest.version,
    world: manifest.world.id,
    engine: manifest.engine,
    componentPath,
    size: component.byteLength,
    sha256,
    durationMs: Math.round(performance.now() - started),
  };
  await writeFileAtomic(
    componentPath,
    Buffer.from(component.buffer, component.byteOffset, component.byteLength),
  );
  const { componentPath: _path, durationMs: _ms, ...info } = built;
  await writeFileAtomic(join(outDir, `${manifest.name}.build.json`), `${JSON.stringify(info, null, 2)}\n`);
  return built;
}
