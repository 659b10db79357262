/**
 * The witkit host runtime: load WebAssembly component plugins, sandbox them, bind host
 * services to them and call them with types.
 *
 * @packageDocumentation
 */
export { FileConfigStore } from './config-store.js';
export { isPluginError, PluginError, type PluginErrorCode } from './errors.js';
export {
  createHostServices,
  type GuestLogLevel,
  type HostServicesContext,
  type PluginEvent,
} from './host-services.js';
export { type LoadedPlugin, type LoadPluginOptions, loadPlugin, type WorldName } from './load-plugin.js';
export type { PluginInfo, PluginStatus } from './plugin.js';
export { defaultCacheDir, transpileCacheVersion } from './transpile-cache.js';
