export {
  type AbiDirection,
  AbiError,
  type AbiErrorCode,
  type AbiLayout,
  alignTo,
  type CoreFunction,
  type CoreFunctionRole,
  type CoreSignature,
  type CoreType,
  coreExportName,
  coreSignature,
  discriminantSize,
  flattenType,
  hasAllocations,
  isAbiError,
  joinCoreTypes,
  layoutOf,
  MAX_FLAGS,
  MAX_FLAT_PARAMS,
  MAX_FLAT_RESULTS,
  type RecordLayout,
  recordFields,
  recordLayout,
  type VariantLayout,
  variantCases,
  variantLayout,
  type WorldCoreOptions,
  worldCoreFunctions,
} from './abi.js';
export type * from './ast.js';
export {
  BinaryReader,
  isMalformedComponent,
  MalformedComponent,
} from './component/binary-reader.js';
export {
  type CanonLift,
  type CanonStringEncoding,
  type ComponentCanon,
  type CoreExportRef,
  type CoreItemRef,
  describeComponentCanon,
} from './component/component-canon.js';
export { describeComponentWorld } from './component/component-world.js';
export {
  type FunctionShape,
  functionLabel,
  type InterfaceShape,
  type PrimitiveKind,
  type ResourceRef,
  renderSignature,
  renderStructure,
  renderType,
  type ValueShape,
  type WorldShape,
} from './component/shape.js';
export { isWitError, WitError, type WitErrorCode, type WitErrorOptions, type WitLocation } from './errors.js';
export { resolveWitPath, resolveWitSource, selectWorld } from './load.js';
export type * from './model.js';
export { parseWit } from './parser.js';
export { type ResolveInput, type ResolveOptions, resolvePackages, unaliasTypeDef } from './resolver.js';
