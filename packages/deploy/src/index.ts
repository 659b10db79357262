/**
 * Deployment of witkit plugins: releases, versions, signatures, WIT compatibility, storage
 * (local and OCI), hot reload, canary and rollback.
 *
 * @packageDocumentation
 */

export * from './compat/index.js';
export { type ComponentInterfaces, componentInterfaces } from './component-info.js';
export { type CreateReleaseOptions, createRelease, hostVersion } from './create-release.js';
export { DeployError, type DeployErrorCode, isDeployError } from './errors.js';
export {
  type PluginDirChange,
  type PluginDirWatcher,
  type WatchPluginDirOptions,
  watchPluginDir,
} from './hot-reload/watch-plugin-dir.js';
export type { Release, ReleaseBundle, ReleaseSignature, ReleaseStore } from './release.js';
export {
  type CompatibilityCheck,
  Deployer,
  type DeployerOptions,
  type PluginStatusReport,
} from './rollout/deployer.js';
export { type GateVerdict, judgeStep, quantileRange } from './rollout/gates.js';
export { type DeployOptions, planDeploy, planPromote, planRollback } from './rollout/plan.js';
export { bucketOf, canaryRouter } from './rollout/router.js';
export {
  type CanaryPolicy,
  type Candidate,
  defaultCanaryPolicy,
  type GateFigures,
  type Placed,
  type PluginRollout,
  type RolloutDecision,
  type RolloutState,
  RolloutStateFile,
  type Serving,
} from './rollout/state.js';
export {
  generateSigningKeys,
  type KeyInput,
  keyIdOf,
  releaseSigningPayload,
  type SigningKeys,
  signRelease,
  verifyReleaseSignature,
} from './signing.js';
export * from './store/index.js';
export { VersionManager, type VersionManagerOptions } from './version-manager.js';
