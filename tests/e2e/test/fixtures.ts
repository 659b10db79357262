import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@witkit-internal/test-support';

const require = createRequire(import.meta.url);
const distOf = (pkg: string, file: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);

/** The built text-transformer component (QuickJS, processor-plugin). */
export const textTransformer = distOf('@witkit-plugins/text-transformer', 'text-transformer.wasm');
/** The built text-transformer-rs component (Rust, processor-plugin; same outputs as the QuickJS one). */
export const textTransformerRs = distOf('@witkit-plugins/text-transformer-rs', 'text-transformer-rs.wasm');
/** The built bench-kernels component (Rust, hand-written canonical ABI: `add`, `reverse`). */
export const benchKernels = join(
  dirname(require.resolve('@witkit-plugins/bench-kernels/package.json')),
  'dist',
  'bench-kernels.wasm',
);
/** The built event-logger component (StarlingMonkey, event-plugin). */
export const eventLogger = distOf('@witkit-plugins/event-logger', 'event-logger.wasm');

/** A release of the demo's word-stats plugin (1.0.0, 2.0.0, or the faulty 3.0.0). */
export function wordStats(v: 1 | 2 | 3): { dir: string; component: string; manifest: string } {
  const dir = dirname(require.resolve(`@witkit-demo/word-stats-${v}/package.json`));
  return { dir, component: join(dir, 'dist', `word-stats-${v}.wasm`), manifest: join(dir, 'plugin.toml') };
}

/** A fixture plugin's built component (built by the global setup). */
export const fixtureComponent = (name: 'host-probe' | 'echo-service') =>
  fileURLToPath(new URL(`../fixtures/${name}/dist/${name}.wasm`, import.meta.url));

const echoFixture = fileURLToPath(new URL('../fixtures/echo', import.meta.url));

/**
 * A temp copy of the `echo` plugin fixture (world plugin-v2), with its `witkit` field
 * replaced by `witkit` when given.
 */
export function copyEchoFixture(witkit?: Record<string, unknown>): { dir: string; cleanup: () => void } {
  const tmp = tempDir('witkit-build-');
  cpSync(echoFixture, tmp.dir, { recursive: true });
  if (witkit) {
    const pkgFile = join(tmp.dir, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    writeFileSync(pkgFile, JSON.stringify({ ...pkg, witkit }));
  }
  return tmp;
}

/** The hand-written WAT components of `fixtures/wat/` (built by the global setup). */
export type WatFixture =
  | 'context-sync'
  | 'composed'
  | 'utf16-strings'
  | 'renamed-abi'
  | 'async-lift'
  | 'stream-param'
  | 'bad-signature'
  | 'scalars';

/** A WAT fixture's built component. */
export const watComponent = (name: WatFixture) =>
  fileURLToPath(new URL(`../fixtures/wat/dist/${name}.wasm`, import.meta.url));
