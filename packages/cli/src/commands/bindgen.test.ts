import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBindgenError } from '@witkit/bindgen-rust';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runBindgenRust } from './bindgen.js';

const repoWit = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../wit');
const io = { out: (_: string) => {}, err: (_: string) => {} };

let dir: string;
const savedPath = process.env.PATH;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'witkit-bindgen-cli-'));
});
afterEach(() => {
  process.env.PATH = savedPath;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runBindgenRust', () => {
  it('writes the bindings atomically, creating folders, and leaves no temporary files', async () => {
    const out = join(dir, 'crate/src/bindings.rs');
    const lines: string[] = [];
    const result = await runBindgenRust(
      repoWit,
      { world: 'processor-plugin', out },
      { ...io, out: (l) => lines.push(l) },
    );
    const rust = await readFile(out, 'utf8');
    expect(rust).toContain('macro_rules! export_processor_plugin');
    expect(result).toMatchObject({ tool: 'witkit', bytes: Buffer.byteLength(rust) });
    expect(lines[0]).toMatch(/^wrote .*bindings\.rs \(\d+\.\d KiB, world `processor-plugin`, witkit\)$/);
    expect(await readdir(join(dir, 'crate/src'))).toEqual(['bindings.rs']);
  });

  it('names the fix when wit-bindgen is asked for but not on PATH', async () => {
    process.env.PATH = join(dir, 'empty-bin');
    const err = await runBindgenRust(
      repoWit,
      { world: 'processor-plugin', out: join(dir, 'x.rs'), with: 'wit-bindgen' },
      io,
    ).catch((e: unknown) => e);
    expect(isBindgenError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WITKIT_BINDGEN_TOOL_MISSING' });
    expect((err as Error).message).toMatch(/cargo install wit-bindgen-cli/);
  });

  it('delegates to a wit-bindgen binary on PATH with the world and an output folder', async () => {
    // A stand-in with wit-bindgen's command line: writes <world>.rs into --out-dir.
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, 'wit-bindgen'),
      '#!/bin/sh\n# usage: wit-bindgen rust <wit> --world <w> --out-dir <dir>\necho "// from wit-bindgen: $1 $3 $4" > "$6/$4.rs"\n',
    );
    await chmod(join(bin, 'wit-bindgen'), 0o755);
    process.env.PATH = bin;
    const out = join(dir, 'wb.rs');
    await runBindgenRust(repoWit, { world: 'minimal-plugin', out, with: 'wit-bindgen' }, io);
    expect(await readFile(out, 'utf8')).toBe(`// from wit-bindgen: rust --world minimal-plugin\n`);
  });

  it('rejects an unknown generator', async () => {
    const err = await runBindgenRust(repoWit, { world: 'w', out: 'x.rs', with: 'other' as never }, io).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'WITKIT_BINDGEN_INVALID_OPTIONS' });
  });
});
