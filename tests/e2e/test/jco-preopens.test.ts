// Regression guard for a toolchain pitfall: jco's WIT tools run on preview2-shim, whose WASI
// filesystem starts with no preopens (0.26.1), so they cannot read WIT from disk. Our builds
// run those tools in a worker thread that grants exactly the folders they need; these tests
// fail if that stops working or starts leaking access into the calling thread.
import { generateGuestTypes } from '@bytecodealliance/jco-transpile';
import { preopens } from '@bytecodealliance/preview2-shim/filesystem';
import { buildJsPlugin } from '@witkit/build';
import { witDir } from '@witkit/wit-types';
import { describe, expect, it } from 'vitest';
import { copyEchoFixture } from './fixtures.js';

describe('reading WIT through jco', () => {
  it('fails in a thread that granted no access (the upstream behaviour we work around)', async () => {
    await expect(generateGuestTypes(witDir, { worldName: 'minimal-plugin' })).rejects.toThrow(/os error 44/);
  });

  it('works for a StarlingMonkey build, twice in one process, without granting the caller any access', async () => {
    for (let i = 0; i < 2; i++) {
      const tmp = copyEchoFixture({ world: 'plugin-v2', engine: 'starlingmonkey' });
      try {
        const built = await buildJsPlugin(tmp.dir);
        expect(built.size).toBeGreaterThan(1_000_000);
      } finally {
        tmp.cleanup();
      }
      expect(preopens.getDirectories()).toEqual([]);
    }
  });
});
