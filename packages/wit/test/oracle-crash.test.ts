import { describe, expect, it } from 'vitest';
import { resolveWitSource } from '../src/index.js';
import { OracleCrash, oracleVerdictSource } from './oracle.js';

// In its own file: a wasm-tools panic poisons the oracle's component instance for the rest of
// the module graph, and vitest gives each test file a fresh one.
describe('block comments that look like empty doc comments', () => {
  it('crash wasm-tools 0.259 (jco-transpile 0.15.0), which panics on `/**/`', async () => {
    await expect(oracleVerdictSource('package a:b;\n/**/\ninterface x {}')).rejects.toBeInstanceOf(
      OracleCrash,
    );
  });

  it('are plain comments to us', () => {
    for (const comment of ['/**/', '/***/', '/** **/']) {
      const resolve = resolveWitSource(`package a:b;\n${comment}\ninterface x {}`);
      expect(resolve.root.interfaces.get('x')?.docs, comment).toBeUndefined();
    }
  });
});
