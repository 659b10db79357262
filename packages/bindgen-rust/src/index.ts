export { BindgenError, type BindgenErrorCode, isBindgenError } from './errors.js';
export {
  GENERATOR_VERSION,
  generateRustBindings,
  generateRustBindingsFromPath,
  type RustBindingsOptions,
  type RustBindingsPathOptions,
} from './generate.js';
export { type RustBindingsDirection, RustBindingsLayout } from './layout.js';
export { camel as rustCamelName, snake as rustSnakeName, typeName as rustTypeName } from './names.js';
