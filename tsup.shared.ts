// The build every publishable package uses: ESM with declarations, for Node 22+.
import { defineConfig, type Options } from 'tsup';

/**
 * tsup config for a package whose entry points are `entry` (default: src/index.ts); an
 * object maps output names to sources, for files loaded by path at run time (workers).
 * `extra` adds options (e.g. `external`).
 */
export function packageBuild(
  entry: string[] | Record<string, string> = ['src/index.ts'],
  extra: Options = {},
): Options {
  return defineConfig({
    ...extra,
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node22',
  }) as Options;
}
