/**
 * Structural WIT compatibility: what a component really imports and exports, checked against
 * what the host provides and expects and against the release it replaces.
 *
 * @module
 */
export {
  type Change,
  type ChangeKind,
  type CompatibilityInput,
  type CompatibilityReport,
  checkCompatibility,
} from './check.js';
export { type CompareMode, compareFunctions, type Difference, type PathStep } from './compare.js';
export { describeComponentWorld } from './component-world.js';
export {
  assertCompatible,
  CompatibilityError,
  type CompatibilityErrorCode,
  isCompatibilityError,
} from './errors.js';
export { formatChange, formatCompatibilityReport } from './format.js';
export { type HostContract, type HostProvisions, hostContract, loadHostContract } from './host-contract.js';
export { type CompatibilityOptions, compatibleWorlds, releaseCompatibilityCheck } from './release-check.js';
export {
  type FunctionShape,
  type InterfaceShape,
  type PrimitiveKind,
  type ResourceRef,
  renderSignature,
  renderType,
  type ValueShape,
  type WorldShape,
} from './shape.js';
export { type NamedProvision, wasiProvisions } from './wasi.js';
export { describeWitWorld } from './wit-world.js';
