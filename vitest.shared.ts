// Settings every package's vitest config starts from.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the one-line summary that test.sh prints for the whole repo.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    server: {
      deps: {
        // Load our built packages with Node's own resolver, as users do: Vite would resolve
        // preview2-shim's subpaths to their browser builds, a second copy with its own state.
        external: [/\/packages\/[^/]+\/dist\//],
      },
    },
  },
});
