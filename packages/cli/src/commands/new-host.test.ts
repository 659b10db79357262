import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNewHost } from './new-host.js';

const silent = { out: (_: string) => {}, err: (_: string) => {} };
const WIT = `package acme:kv@1.0.0;
interface store {
  get: func(key: string) -> option<string>;
  resource lock { constructor(name: string); held: func() -> bool; }
}
world kv-plugin {
  import store;
  import log: func(msg: string);
  export hello: func() -> string;
  export greet: func(who: string) -> string;
}
world other { export x: func(); }
`;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'witkit-new-host-'));
  await mkdir(join(tmp, 'wit'));
  await writeFile(join(tmp, 'wit/kv.wit'), WIT);
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe('runNewHost', () => {
  it('writes a host package whose imports stub every import and whose main calls argument-less exports', async () => {
    const lines: string[] = [];
    const result = await runNewHost(
      'kv-host',
      { wit: 'wit', world: 'kv-plugin', cwd: tmp },
      { ...silent, out: (l) => lines.push(l) },
    );
    expect(result.dir).toBe(join(tmp, 'kv-host'));
    expect(result.files).toEqual([
      '.gitignore',
      'package.json',
      'src/imports.ts',
      'src/main.ts',
      'test/host.test.ts',
      'tsconfig.json',
      'vitest.config.ts',
    ]);
    expect(lines[0]).toBe(`created host \`kv-host\` (world \`kv-plugin\`) in ${result.dir}`);
    const pkg = JSON.parse(await readFile(join(result.dir, 'package.json'), 'utf8'));
    expect(pkg.scripts).toEqual({
      build: 'witkit wit types ../wit --out src/generated',
      start: 'node src/main.ts',
      test: 'vitest run',
      typecheck: 'tsc -p .',
    });
    expect(pkg.dependencies['@witkit/host']).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.devDependencies)).toEqual(['@types/node', '@witkit/cli', 'typescript', 'vitest']);
    const imports = await readFile(join(result.dir, 'src/imports.ts'), 'utf8');
    expect(imports).toContain("import type { Imports } from './generated/kv-plugin.js';");
    expect(imports).toContain("type StoreImports = Imports['acme:kv/store@1.0.0'];");
    expect(imports).toContain('export class Lock {');
    expect(imports).toContain(
      '    // TODO: implement `get`\n    get(_key) {\n      return undefined;\n    },',
    );
    expect(imports).toContain('  $root: {\n    // TODO: implement `log`\n    log(_msg) {},\n  },');
    const main = await readFile(join(result.dir, 'src/main.ts'), 'utf8');
    expect(main).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the generated template literal, verbatim
      'print(`${name}: hello() = ${inspect(await plugin.exports.hello())}`);',
    );
    expect(main).not.toContain('greet');
    expect((await readdir(tmp)).filter((f) => f.includes('scaffold'))).toEqual([]);
  });

  it('refuses a bad name, an unknown world (listing the WIT worlds) and a non-empty folder', async () => {
    await expect(
      runNewHost('Bad_Name', { wit: 'wit', world: 'kv-plugin', cwd: tmp }, silent),
    ).rejects.toMatchObject({ code: 'WITKIT_SCAFFOLD_BAD_NAME' });
    await expect(runNewHost('h', { wit: 'wit', world: 'nope', cwd: tmp }, silent)).rejects.toMatchObject({
      code: 'WITKIT_SCAFFOLD_UNKNOWN_WORLD',
      message: 'unknown world `nope`; expected one of `kv-plugin`, `other`',
    });
    await expect(
      runNewHost('again', { wit: 'wit', world: 'kv-plugin', cwd: tmp, dir: 'kv-host' }, silent),
    ).rejects.toMatchObject({ code: 'WITKIT_SCAFFOLD_EXISTS' });
  });
});
