import { packageBuild } from '../../tsup.shared.js';

// The QuickJS globals and console and the StarlingMonkey child are loaded by path at run time;
// the console's import of the host logger is resolved when a plugin is componentized.
export default packageBuild(
  ['src/index.ts', 'src/quickjs-globals.ts', 'src/quickjs-console.ts', 'src/starlingmonkey-child.ts'],
  { external: [/^witkit:/] },
);
