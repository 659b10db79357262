/**
 * The witkit plugin build pipeline: TypeScript and Rust plugins to WebAssembly components.
 *
 * @packageDocumentation
 */
export {
  type BuildJsPluginOptions,
  type BuiltPlugin,
  buildJsPlugin,
  jsExportName,
} from './build-js-plugin.js';
export { BuildError, type BuildErrorCode, isBuildError } from './errors.js';
export {
  defaultJsEngine,
  type JsEngine,
  type JsPluginManifest,
  jsEngines,
  readJsPluginManifest,
} from './manifest.js';
export {
  defaultRustBindgenPackage,
  loadDefaultRustBindgen,
  type RustBindgen,
  type RustBindgenRequest,
} from './rust/bindings.js';
export {
  type AnyBuiltPlugin,
  type BuildPluginOptions,
  buildPlugin,
  pluginKind,
} from './rust/build-plugin.js';
export {
  type BuildRustPluginOptions,
  type BuiltRustPlugin,
  buildRustPlugin,
  type RustBuildTimings,
} from './rust/build-rust-plugin.js';
export { type CargoBuildOptions, debianCrateRegistry } from './rust/cargo.js';
export { preview1CommandAdapterPath, preview1ReactorAdapterPath } from './rust/componentize.js';
export {
  type RustOptimizeLevel,
  type RustPluginManifest,
  type RustPluginWorld,
  readRustPluginManifest,
  rustOptimizeLevels,
} from './rust/manifest.js';
export {
  describeRustToolchain,
  detectRustToolchain,
  inspectRustToolchain,
  type RustToolchain,
  type RustToolchainOptions,
  type RustToolchainProblem,
  type RustToolchainReport,
  type RustWasmTarget,
  rustToolchainFix,
  rustWasmTargets,
} from './rust/toolchain.js';
