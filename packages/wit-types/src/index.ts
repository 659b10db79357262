/**
 * The witkit WIT contracts as data: where the .wit files are, and which worlds they define.
 *
 * TypeScript declarations live under subpaths: `@witkit/wit-types/guest/<world>` for plugin
 * authors, `@witkit/wit-types/host/<world>` for host code.
 *
 * @packageDocumentation
 */
export { findWorld, findWorldByExports, packageId, type WorldInfo, witDir, worlds } from './worlds.js';
