import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { BuiltPlugin } from '../build-js-plugin.js';
import { type RustBindgen, writeRustBindings } from './bindings.js';
import { type CargoBuildOptions, cargoBuild, formatDiagnostic } from './cargo.js';
import { componentizeCoreModule } from './componentize.js';
import { type RustOptimizeLevel, readRustPluginManifest } from './manifest.js';
import { optimizeCoreModule } from './optimize.js';
import { adoptReactorInit } from './reactor.js';
import { describeRustToolchain, detectRustToolchain, type RustToolchainOptions } from './toolchain.js';

/** Wall-clock milliseconds of each step of {@link buildRustPlugin}. */
export interface RustBuildTimings {
  readonly toolchain: number;
  readonly bindings: number;
  readonly cargo: number;
  readonly optimize: number;
  readonly componentize: number;
  readonly write: number;
}

/** What {@link buildRustPlugin} produced: the {@link BuiltPlugin} contract, plus the Rust specifics. */
export interface BuiltRustPlugin extends Omit<BuiltPlugin, 'engine'> {
  /** Always `rust`: what produced the component, as `engine` does for TypeScript plugins. */
  readonly engine: 'rust';
  /** Absolute path of the optimized core module, before componentization (`<name>.core.wasm`). */
  readonly coreModulePath: string;
  /** Size in bytes of the core module cargo built. */
  readonly cargoCoreSize: number;
  /** Size in bytes of the core module after wasm-opt (equal to `cargoCoreSize` with `optimize = "none"`). */
  readonly coreSize: number;
  /** The toolchain, e.g. `rustc 1.63.0 (debian, wasm32-wasi)`. */
  readonly toolchain: string;
  /** The binaryen optimization applied. */
  readonly optimize: RustOptimizeLevel;
  /** What the bindings step did: generated or unchanged bindings, or none (hand-written ABI). */
  readonly bindings: 'generated' | 'unchanged' | 'hand-written';
  /** rustc warnings about the crate, one line each (`src/lib.rs:3:5: warning: …`). */
  readonly warnings: readonly string[];
  /** Time per step. */
  readonly timings: RustBuildTimings;
}

/** Options of {@link buildRustPlugin}. */
export interface BuildRustPluginOptions extends CargoBuildOptions {
  /**
   * Folder for the outputs, relative to the crate.
   * @default 'dist'
   */
  readonly outDir?: string;
  /** Which rustc and cargo to use; by default they are searched for ({@link detectRustToolchain}). */
  readonly toolchain?: RustToolchainOptions;
  /**
   * Generates the bindings of crates with `bindings` in their metadata.
   * @default `generateRustBindings` of `@witkit/bindgen-rust`, when installed
   */
  readonly bindgen?: RustBindgen;
  /**
   * Overrides the crate's `optimize` setting.
   * @default the crate's `[package.metadata.witkit] optimize`, else `size`
   */
  readonly optimize?: RustOptimizeLevel;
}

/**
 * Builds a Rust plugin crate into a WebAssembly component: the Rust sibling of `buildJsPlugin`.
 *
 * Reads `[package.metadata.witkit]` of the crate's Cargo.toml, finds a toolchain that targets
 * WASI, writes generated bindings (when the crate asks for them), builds the library with
 * cargo (`cargo rustc --lib --release --target wasm32-wasi --offline`, crates from Debian's
 * packages), makes the module a reactor (`_initialize`), strips and optimizes it with
 * binaryen, embeds the world's WIT and makes a component with the WASI preview 1 reactor
 * adapter, and checks it exports the world. Writes
 * `<outDir>/<name>.wasm`, `<outDir>/<name>.core.wasm` (the optimized core module, for
 * benchmarks that call it directly) and `<outDir>/<name>.build.json`, each atomically and only
 * after every step succeeded: a failed build leaves the previous outputs intact.
 *
 * @example
 * ```ts
 * const built = await buildRustPlugin('plugins-rust/bench-kernels');
 * console.log(built.componentPath, built.size, built.timings.cargo);
 * ```
 * @throws {BuildError} naming the plugin and the step that failed: `WITKIT_BUILD_NOT_A_PLUGIN`,
 *   `WITKIT_BUILD_MANIFEST`, `WITKIT_BUILD_UNKNOWN_WORLD`, `WITKIT_BUILD_RUST_TOOLCHAIN`,
 *   `WITKIT_BUILD_BINDINGS`, `WITKIT_BUILD_CARGO`, `WITKIT_BUILD_OPTIMIZE`,
 *   `WITKIT_BUILD_COMPONENTIZE`, `WITKIT_BUILD_MISSING_EXPORT`
 */
export async function buildRustPlugin(
  crateDir: string,
  options: BuildRustPluginOptions = {},
): Promise<BuiltRustPlugin> {
  const started = performance.now();
  let mark = started;
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  const dir = resolve(crateDir);
  const manifest = await readRustPluginManifest(dir);
  const toolchain = await detectRustToolchain({ cwd: dir, ...options.toolchain }, manifest.name);
  const tToolchain = lap();
  const bindings = await writeRustBindings(manifest, options.bindgen);
  const tBindings = lap();
  const cargo = await cargoBuild(manifest, toolchain, options);
  const cargoCore = new Uint8Array(await readFile(cargo.wasmPath));
  const tCargo = lap();
  const optimize = options.optimize ?? manifest.optimize;
  const core = await optimizeCoreModule(
    manifest.name,
    manifest.kind === 'command' ? cargoCore : adoptReactorInit(cargoCore),
    optimize,
    toolchain.version,
  );
  const tOptimize = lap();
  const { component, wit } = await componentizeCoreModule(manifest, core);
  // A command's world is the adapter's: name it with the version it exports.
  const runVersion = /export wasi:cli\/run@([\w.+-]+)/.exec(wit)?.[1];
  const worldId =
    manifest.kind === 'command' && runVersion ? `${manifest.world.id}@${runVersion}` : manifest.world.id;
  const tComponentize = lap();

  const outDir = resolve(dir, options.outDir ?? 'dist');
  await mkdir(outDir, { recursive: true });
  const componentPath = join(outDir, `${manifest.name}.wasm`);
  const coreModulePath = join(outDir, `${manifest.name}.core.wasm`);
  const sha256 = createHash('sha256').update(component).digest('hex');
  const toolchainLabel = describeRustToolchain(toolchain);
  // The component last: whoever sees a new component also sees the matching core module.
  await writeFileAtomic(coreModulePath, Buffer.from(core.buffer, core.byteOffset, core.byteLength));
  await writeFileAtomic(
    componentPath,
    Buffer.from(component.buffer, component.byteOffset, component.byteLength),
  );
  const info = {
    name: manifest.name,
    version: manifest.version,
    world: worldId,
    engine: 'rust' as const,
    size: component.byteLength,
    sha256,
    coreSize: core.byteLength,
    cargoCoreSize: cargoCore.byteLength,
    toolchain: toolchainLabel,
    optimize,
  };
  await writeFileAtomic(join(outDir, `${manifest.name}.build.json`), `${JSON.stringify(info, null, 2)}\n`);
  const tWrite = lap();
  return {
    ...info,
    componentPath,
    coreModulePath,
    bindings,
    warnings: cargo.warnings.map(formatDiagnostic),
    durationMs: Math.round(performance.now() - started),
    timings: {
      toolchain: tToolchain,
      bindings: tBindings,
      cargo: tCargo,
      optimize: tOptimize,
      componentize: tComponentize,
      write: tWrite,
    },
  };
}
