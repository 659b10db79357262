export { BindgenTsError, type BindgenTsErrorCode, isBindgenTsError } from './errors.js';
export {
  GENERATOR_NAME,
  generateHostBindings,
  generateHostBindingsForWorlds,
  generateHostBindingsFromPath,
  type HostBindingsPathOptions,
  isProvidedInterface,
  TYPED_ARRAYS as jsTypedArrays,
  worldBindingName,
} from './generate.js';
export { camelName as jsCamelName, pascalName as jsPascalName } from './names.js';
