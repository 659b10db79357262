// Every code point through both plugins: the word-character table (`snake`/`kebab` split on
// `[^\p{L}\p{N}]`), and the case mappings of `upper`, `lower` and `title`, one code point per line.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedPlugin, loadPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/text-transformer-rs.wasm', import.meta.url));
const require = createRequire(import.meta.url);
const tsComponent = join(
  dirname(require.resolve('@witkit-plugins/text-transformer/package.json')),
  'dist/text-transformer.wasm',
);
const enc = new TextEncoder();
const dec = new TextDecoder();
type Processor = LoadedPlugin<WorldExports['processor-plugin']>;

/** The code points of one plane, but surrogates and `\n` (the line separator here). */
function plane(n: number): number[] {
  const cps: number[] = [];
  for (let cp = n * 0x10000; cp < (n + 1) * 0x10000; cp++) {
    if (cp === 0x0a || (cp >= 0xd800 && cp <= 0xdfff)) continue;
    cps.push(cp);
  }
  return cps;
}

describe('text-transformer-rs against the TypeScript plugin, every code point', () => {
  const tmp = tempDir();
  let plugin: Processor;
  let reference: Processor;

  beforeAll(async () => {
    const options = {
      world: 'processor-plugin' as const,
      logger: captureLogger().logger,
      dataDir: tmp.dir,
      cacheDir: `${tmp.dir}/cache`,
      config: [],
    };
    plugin = await loadPlugin(component, options);
    reference = await loadPlugin(tsComponent, options);
  });
  afterAll(() => tmp.cleanup());

  const lines = (p: Processor, text: string, mode: string) =>
    dec
      .decode(
        p.exports.dataProcessor.process({
          input: enc.encode(text),
          contentType: 'text/plain',
          options: [['mode', mode]],
        }).output,
      )
      .split('\n');

  const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

  // Planes 0-3 and 14 hold every assigned code point but the private-use planes 15-16.
  for (const n of [0, 1, 2, 3, 14]) {
    it(`classifies and case-maps plane ${n} the same`, () => {
      const cps = plane(n);
      const mismatches: string[] = [];
      for (const [mode, wrap] of [
        ['kebab', (c: string) => `x${c}x`],
        ['upper', (c: string) => c],
        ['lower', (c: string) => c],
        ['title', (c: string) => c],
      ] as const) {
        const text = cps.map((cp) => wrap(String.fromCodePoint(cp))).join('\n');
        const ours = lines(plugin, text, mode);
        const theirs = lines(reference, text, mode);
        expect(ours).toHaveLength(cps.length);
        expect(theirs).toHaveLength(cps.length);
        cps.forEach((cp, i) => {
          if (ours[i] !== theirs[i]) {
            mismatches.push(`${mode} ${hex(cp)}: ${JSON.stringify(ours[i])} vs ${JSON.stringify(theirs[i])}`);
          }
        });
      }
      expect(mismatches).toEqual([]);
    }, 60_000);
  }
});
