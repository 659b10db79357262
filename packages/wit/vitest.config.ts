import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The oracle is a large wasm component; instantiating it takes a few seconds on a slow machine.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
