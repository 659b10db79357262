export type * from './ast.js';
export { isWitError, WitError, type WitErrorCode, type WitErrorOptions, type WitLocation } from './errors.js';
export { resolveWitPath, resolveWitSource, selectWorld } from './load.js';
export type * from './model.js';
export { parseWit } from './parser.js';
export { type ResolveInput, type ResolveOptions, resolvePackages, unaliasTypeDef } from './resolver.js';
