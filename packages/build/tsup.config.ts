import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/quickjs-globals.ts', 'src/starlingmonkey-child.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
});
