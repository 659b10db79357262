import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { runWitTypes } from './wit-types.js';

const notesWit = resolve(
  fileURLToPath(new URL('.', import.meta.url)),
  '../../../bindgen-ts/fixtures/notes/wit',
);
const io = { out: (_: string) => {}, err: (_: string) => {} };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'witkit-wit-types-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('witkit wit types', () => {
  it('writes host bindings for every world with an index, printing what it wrote', async () => {
    const out = join(dir, 'all');
    const { code, out: lines } = await cli(['wit', 'types', notesWit, '--out', out]);
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'index.d.ts',
      'index.js',
      'notes-plugin.d.ts',
      'notes-plugin.js',
    ]);
    expect(lines.filter((l) => l.startsWith('wrote '))).toHaveLength(4);
    expect(lines.at(-1)).toBe('generated host types for 1 world of `acme:notes@0.1.0` (`notes-plugin`)');
    const mod = (await import(join(out, 'index.js'))) as { notesPlugin: { id: string } };
    expect(mod.notesPlugin.id).toBe('acme:notes/notes-plugin@0.1.0');
    expect(await readFile(join(out, 'notes-plugin.d.ts'), 'utf8')).toContain(
      "'acme:notes/host-store@0.1.0': AcmeNotesHostStore.Imports;",
    );
  });

  it('with --guest also writes jco guest declarations and an index exporting `Exports`', async () => {
    const out = join(dir, 'guest');
    const result = await runWitTypes(notesWit, { out, worlds: ['notes-plugin'], guest: true }, io);
    expect(result.worlds).toEqual(['notes-plugin']);
    const guest = join(out, 'guest/notes-plugin');
    expect(await readdir(guest)).toEqual(
      expect.arrayContaining(['index.d.ts', 'notes-plugin.d.ts', 'interfaces']),
    );
    expect(await readFile(join(guest, 'index.d.ts'), 'utf8')).toContain(
      "export type Exports = typeof import('acme:notes/notes-plugin@0.1.0');",
    );
    expect(await readFile(join(guest, 'interfaces/acme-notes-host-store.d.ts'), 'utf8')).toContain(
      "declare module 'acme:notes/host-store@0.1.0'",
    );
  });

  it('refuses an unknown world with exit 1, naming the known worlds, and writes nothing', async () => {
    const out = join(dir, 'unknown');
    const { code, err } = await cli([
      'wit',
      'types',
      notesWit,
      '--out',
      out,
      '--world',
      'notes-plugin',
      'nope',
    ]);
    expect(code).toBe(1);
    expect(err.join('\n')).toBe(
      'error[WITKIT_BINDGEN_TS_UNKNOWN_WORLD]: world `nope` is not in package `acme:notes@0.1.0`; its worlds are `notes-plugin`',
    );
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('reports invalid WIT with its file and line, and a missing path, with exit 1', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'bad.wit'), 'package a:b;\n\nworld w {\n  export f: func() -> nope;\n}\n');
    const invalid = await cli(['wit', 'types', bad, '--out', join(dir, 'bad-out')]);
    expect(invalid.code).toBe(1);
    expect(invalid.err.join('\n')).toMatch(/^error\[WITKIT_WIT_\w+\]: .*bad\.wit:4:/s);
    const missing = await cli(['wit', 'types', join(dir, 'no-such-wit'), '--out', join(dir, 'x')]);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toMatch(/^error\[WITKIT_WIT_IO\]: .*no-such-wit/);
  });

  it('requires --out', async () => {
    expect((await cli(['wit', 'types', notesWit])).code).toBe(2);
  });
});
