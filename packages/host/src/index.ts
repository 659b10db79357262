/**
 * The witkit host runtime: load WebAssembly component plugins, sandbox them, bind host
 * services to them and call them with types; a registry with lifecycle, pools, events,
 * plugin-to-plugin requests, batches and metrics.
 *
 * @packageDocumentation
 */

export {
  CommandError,
  type CommandResult,
  isCommandError,
  type RunCommandOptions,
  runCommand,
} from './command.js';
export {
  type CompiledComponent,
  ComponentCache,
  type ComponentCacheOptions,
  defaultCacheDir,
  transpileCacheVersion,
} from './component-cache.js';
export { FileConfigStore } from './config-store.js';
export { DEFAULT_LOG_LEVEL, defaultLogger, type LineSink } from './default-logger.js';
export { type DiscoveredPlugin, discoverPlugins } from './discovery.js';
export { isPluginError, PluginError, type PluginErrorCode } from './errors.js';
export { EventBus, type EventHandler } from './event-bus.js';
export {
  createHostServices,
  type GuestLogLevel,
  type GuestRequest,
  type HostServicesContext,
  type HttpPolicy,
  type PluginEvent,
} from './host-services.js';
export { InstancePool, type InstancePoolOptions } from './instance-pool.js';
export { LatencyHistogram } from './latency.js';
export { type LoadedPlugin, type LoadPluginOptions, loadPlugin } from './load-plugin.js';
export type { InstanceCounts, PluginMetricsSnapshot } from './metrics.js';
export { type AsyncExports, type LimitHit, Plugin, type PluginInfo, type PluginStatus } from './plugin.js';
export {
  type BatchCall,
  type BatchResult,
  type LoadOptions,
  PluginHost,
  type PluginHostOptions,
  type StartReport,
  type VersionRouter,
  type WorldName,
} from './plugin-host.js';
export { prometheusRegistry } from './prometheus.js';
export { type StdioRecord, type StdioStream, stdioLimits } from './stdio.js';
export { SyncHttp } from './sync-http.js';
export {
  type AsyncExportsOf,
  type ExportsOf,
  type HostImports,
  type ImportsOf,
  isWorldBinding,
  type MaybePromise,
  type UntypedExports,
  type WorldBinding,
  type WorldRef,
} from './world-binding.js';
