import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Componentizing with StarlingMonkey takes several seconds on a 2-core machine.
      testTimeout: 120_000,
      hookTimeout: 120_000,
      globalSetup: ['test/global-setup.ts'],
    },
  }),
);
