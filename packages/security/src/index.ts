/**
 * Capability security for witkit plugins: what a plugin's `plugin.toml` may grant, and the
 * limits that apply when it grants nothing. Enforcement lands in later versions.
 *
 * @packageDocumentation
 */
export {
  defaultLimits,
  type FsGrant,
  type NetGrant,
  type PluginManifest,
  type PluginPermissions,
  type ResourceLimits,
} from './manifest.js';
