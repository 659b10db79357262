import { packageBuild } from '../../tsup.shared.js';

// Workers are loaded by path next to the bundle: dist/http-worker.js, dist/plugin-worker.js,
// dist/transpile-worker.js, dist/command-worker.js.
export default packageBuild({
  'command-worker': 'src/command-worker.ts',
  index: 'src/index.ts',
  'http-worker': 'src/http-worker.ts',
  'plugin-worker': 'src/isolation/plugin-worker.ts',
  'transpile-worker': 'src/transpile-worker.ts',
});
