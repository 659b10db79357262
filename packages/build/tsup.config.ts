import { packageBuild } from '../../tsup.shared.js';

// The QuickJS globals and the StarlingMonkey child are loaded by path at run time.
export default packageBuild(['src/index.ts', 'src/quickjs-globals.ts', 'src/starlingmonkey-child.ts']);
