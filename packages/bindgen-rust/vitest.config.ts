import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Snapshot checks run rustc on each expected file; the end-to-end suite builds a Rust crate
      // for wasm32-wasi in its beforeAll (about a minute cold, seconds when cached).
      testTimeout: 120_000,
      hookTimeout: 600_000,
    },
  }),
);
