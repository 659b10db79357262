import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The jco comparison runs jco's type generator and `tsc` over its output and ours.
      testTimeout: 120_000,
    },
  }),
);
