import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isWitError } from '@witkit/wit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWitResolve } from './wit-resolve.js';

const repoWit = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../wit');

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'witkit-wit-resolve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runWitResolve', () => {
  it('prints every package with versioned interface ids, worlds and WIT type strings as JSON', async () => {
    const { io, out } = collect();
    await runWitResolve(repoWit, { json: true }, io);
    const report = JSON.parse(out.join('\n'));
    expect(report.root).toBe('witkit:plugin-system@0.1.0');
    const ids = report.packages.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['witkit:host-api@0.1.0', 'witkit:plugin-system@0.1.0']));
    const system = report.packages.find((p: { id: string }) => p.id === 'witkit:plugin-system@0.1.0');
    const base = system.interfaces.find(
      (i: { id: string }) => i.id === 'witkit:plugin-system/base-plugin@0.1.0',
    );
    expect(base.functions).toContainEqual({
      name: 'initialize',
      kind: 'freestanding',
      params: [{ name: 'config', type: 'list<tuple<string, string>>' }],
      result: 'result<_, string>',
      docs: expect.any(String),
    });
    const world = system.worlds.find((w: { name: string }) => w.name === 'processor-plugin');
    expect(world.imports).toContainEqual({
      key: 'witkit:host-api/host-services@0.1.0',
      kind: 'interface',
      id: 'witkit:host-api/host-services@0.1.0',
      implicit: false,
    });
    expect(world.exports.map((e: { key: string }) => e.key)).toEqual([
      'witkit:plugin-system/base-plugin@0.1.0',
      'witkit:plugin-system/data-processor@0.1.0',
    ]);
  });

  it('prints one world with the interfaces it uses, including methods with their borrowed self', async () => {
    const { io, out } = collect();
    await runWitResolve(repoWit, { world: 'minimal-plugin', json: true }, io);
    const report = JSON.parse(out.join('\n'));
    expect(report.world.id).toBe('witkit:plugin-system/minimal-plugin@0.1.0');
    const host = report.interfaces.find(
      (i: { id: string }) => i.id === 'witkit:host-api/host-services@0.1.0',
    );
    const log = host.functions.find((f: { name: string }) => f.name === '[method]logger.log');
    expect(log.params[0]).toEqual({ name: 'self', type: 'borrow<logger>' });
  });

  it('prints an outline for people', async () => {
    const { io, out } = collect();
    await runWitResolve(repoWit, { world: 'processor-plugin', json: false }, io);
    expect(out[0]).toBe('world witkit:plugin-system/processor-plugin@0.1.0');
    expect(out).toContain('  export witkit:plugin-system/data-processor@0.1.0');
    expect(out.some((l) => /validate: func\(input: list<u8>\) -> bool/.test(l))).toBe(true);
  });

  it('throws the located WitError for bad WIT', async () => {
    const file = join(dir, 'bad.wit');
    await writeFile(file, 'package a:b;\ninterface x {\n  f: func(a: nope);\n}\n');
    const { io } = collect();
    const err = await runWitResolve(file, { json: true }, io).catch((e: unknown) => e);
    expect(isWitError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WITKIT_WIT_RESOLVE', file, line: 3 });
  });
});
