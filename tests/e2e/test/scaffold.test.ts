/**
 * `witkit new plugin` end to end: scaffolded plugins build with our pipeline, type-check, load
 * in the host and pass the test they were generated with. They are scaffolded under
 * `.scaffold-tmp/` (gitignored) so `@witkit/*` resolve through this package's node_modules.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildPlugin, type RustBindgen } from '@witkit/build';
import { runCli } from '@witkit/cli';
import { loadPlugin } from '@witkit/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const scratchRoot = fileURLToPath(new URL('../.scaffold-tmp', import.meta.url));
// One cargo target folder for every temp crate of the e2e suites.
const targetDir = fileURLToPath(new URL('../target', import.meta.url));
let scratch: string;

// `@witkit/build` loads the Rust generator as an optional peer, which pnpm does not link next to
// it; take the copy the CLI depends on, as a user's install of @witkit/cli would provide.
const bindgenModule = (await import(
  pathToFileURL(join(repo, 'packages/cli/node_modules/@witkit/bindgen-rust/dist/index.js')).href
)) as {
  generateRustBindingsFromPath(path: string, options: { world: string; modulePath: string }): Promise<string>;
};
const bindgen: RustBindgen = ({ witPath, world, modulePath }) =>
  bindgenModule.generateRustBindingsFromPath(witPath, { world, modulePath });

beforeAll(() => {
  mkdirSync(scratchRoot, { recursive: true });
  scratch = mkdtempSync(join(scratchRoot, 'run-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Runs the plugin's generated test file with vitest, as `pnpm test` in its folder would. */
async function runGeneratedTest(dir: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=verbose'],
    {
      cwd: dir,
      env: { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((cause: { stdout?: string; stderr?: string }) => {
    throw new Error(`generated test failed in ${dir}:\n${cause.stdout ?? ''}\n${cause.stderr ?? ''}`, {
      cause,
    });
  });
  return stdout;
}

const tsc = (dir: string) =>
  run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((cause: { stdout?: string }) => {
    throw new Error(`tsc -p ${dir} failed:\n${cause.stdout ?? ''}`, { cause });
  });

describe('witkit new plugin', () => {
  for (const world of ['processor-plugin', 'event-plugin'] as const) {
    it(`scaffolds a TypeScript \`${world}\` plugin that type-checks, builds, loads and passes its test`, async () => {
      const name = `scaffold-${world}`;
      const dir = join(scratch, name);
      const { code, out, err } = await cli(
        'new',
        'plugin',
        name,
        '--lang',
        'ts',
        '--world',
        world,
        '--dir',
        dir,
      );
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toContain(`created TypeScript plugin \`${name}\` (world \`${world}\`)`);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(pkg).toMatchObject({ name: `@witkit-plugins/${name}`, private: true, witkit: { world } });
      expect(pkg.devDependencies['@witkit/host']).toBe('workspace:*');

      await tsc(dir);
      const built = await buildPlugin(dir);
      expect(built.componentPath).toBe(join(dir, 'dist', `${name}.wasm`));

      const plugin = await loadPlugin(built.componentPath, { world, cacheDir: join(dir, '.cache') });
      expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: '', version: '' });
      plugin.shutdown();

      const report = await runGeneratedTest(dir);
      expect(report).toMatch(/Tests\s+\d+ passed/);
      expect(report).not.toMatch(/failed/);
    });
  }

  it('scaffolds a Rust `minimal-plugin` crate that builds, loads and passes its test', async () => {
    const name = 'scaffold-rust-minimal';
    const dir = join(scratch, name);
    const { code, out } = await cli(
      'new',
      'plugin',
      name,
      '--lang',
      'rust',
      '--world',
      'minimal-plugin',
      '--dir',
      dir,
    );
    expect(code).toBe(0);
    expect(out).toContain('src/lib.rs');
    expect(readFileSync(join(dir, 'Cargo.toml'), 'utf8')).toMatch(/^\[workspace\]$/m);

    const built = await buildPlugin(dir, { targetDir, bindgen });
    expect(built.componentPath).toBe(join(dir, 'dist', `${name}.wasm`));
    const plugin = await loadPlugin(built.componentPath, {
      world: 'minimal-plugin',
      cacheDir: join(dir, '.cache'),
    });
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: '', version: '' });
    plugin.shutdown();

    const report = await runGeneratedTest(dir);
    expect(report).toMatch(/Tests\s+\d+ passed/);
  });

  it('refuses a folder that is not empty, with its error code', async () => {
    const dir = join(scratch, 'scaffold-processor-plugin');
    const { code, err } = await cli(
      'new',
      'plugin',
      'again',
      '--lang',
      'ts',
      '--world',
      'minimal-plugin',
      '--dir',
      dir,
    );
    expect(code).toBe(1);
    expect(err).toMatch(/^error\[WITKIT_SCAFFOLD_EXISTS\]: /);
  });
});
