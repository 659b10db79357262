/**
 * Capability security for witkit plugins: the `plugin.toml` manifest (permissions, deny rules,
 * resource limits, config), parsed and validated with errors that name the file, line and key.
 *
 * @packageDocumentation
 */
export { isManifestError, ManifestError, type ManifestErrorCode } from './errors.js';
export { parseFsGrant, parseNetGrant } from './grants.js';
export {
  defaultLimits,
  type FsGrant,
  type NetGrant,
  type PluginManifest,
  type PluginPermissions,
  parseManifest,
  type ResourceLimits,
  readManifest,
} from './manifest.js';
export { isNetAllowed } from './net-policy.js';
export { parseDuration, parseSize } from './units.js';
