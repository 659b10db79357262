/**
 * Capability security for witkit plugins: the `plugin.toml` manifest (permissions, deny rules,
 * resource limits, config), parsed and validated with errors that name the file, line and key;
 * and the per-plugin WASI filesystem sandbox that enforces its `fs` grants and deny rules.
 *
 * @packageDocumentation
 */

export {
  AuditLog,
  type AuditQuery,
  type EnforcementAction,
  type SecurityViolation,
  type ViolationType,
} from './audit/audit-log.js';
export { isManifestError, ManifestError, type ManifestErrorCode } from './errors.js';
export { parseFsGrant, parseNetGrant } from './grants.js';
export {
  capMemories,
  type DefinedMemory,
  definedMemories,
  PAGE,
  splitMemoryBudget,
} from './limits/memory-cap.js';
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
export type { WasiErrorCode } from './sandbox/errno.js';
export { isSandboxError, SandboxError, type SandboxErrorCode } from './sandbox/errors.js';
export {
  createFilesystemSandbox,
  type FilesystemSandbox,
  type FilesystemSandboxOptions,
  type FsOperation,
  type FsViolation,
  type FsViolationReason,
} from './sandbox/filesystem.js';
export type { FsAccess } from './sandbox/policy.js';
export { parseDuration, parseSize } from './units.js';
