/**
 * The structural model of what a component imports and exports lives in `@witkit/wit`, beside
 * the binary reader that produces it; the compatibility checks import it from here.
 *
 * @module
 */
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
} from '@witkit/wit';
