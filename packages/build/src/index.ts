/**
 * The witkit plugin build pipeline: TypeScript plugins to WebAssembly components.
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
