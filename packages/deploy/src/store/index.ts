export { isStoreError, StoreError, type StoreErrorCode } from './errors.js';
export {
  LocalStore,
  type LocalStoreReport,
  type LocalVerifyOptions,
} from './local-store.js';
export {
  pluginManifestAnnotation,
  releaseAnnotation,
  signatureAnnotation,
  wasmConfigMediaType,
  wasmLayerMediaType,
} from './oci/artifact.js';
export type { RegistryCredentials } from './oci/auth.js';
export { type OciPutResult, OciStore, type OciStoreOptions } from './oci/oci-store.js';
export {
  formatOciReference,
  type OciReference,
  parseOciReference,
} from './oci/reference.js';
export type { StoreProgress, StoreProgressStep, TransferOptions } from './progress.js';
export { pluginNamePattern } from './release-id.js';
