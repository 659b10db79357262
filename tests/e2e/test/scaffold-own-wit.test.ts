/**
 * `witkit new plugin --wit` and `witkit new host` for an application's own WIT world (an imported
 * interface with a function and a resource, a world-level import, an exported interface with a
 * record, functions and a resource, world-level exports): the scaffolded TS and Rust plugins
 * build with our pipeline, type-check, and pass the tests they were generated with (loading with
 * the typed stub imports and calling every export); the scaffolded host runs against the built
 * TS plugin. Scaffolded under `.scaffold-tmp/` (gitignored) so `@witkit/*` resolve here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { buildJsPlugin, buildRustPlugin, type RustBindgen } from '@witkit/build';
import { runCli } from '@witkit/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const scratchRoot = fileURLToPath(new URL('../.scaffold-tmp', import.meta.url));
const targetDir = fileURLToPath(new URL('../target', import.meta.url));
let scratch: string;
let wit: string;

const bindgenModule = (await import(
  pathToFileURL(join(repo, 'packages/cli/node_modules/@witkit/bindgen-rust/dist/index.js')).href
)) as {
  generateRustBindingsFromPath(path: string, options: { world: string; modulePath: string }): Promise<string>;
};
const bindgen: RustBindgen = ({ witPath, world, modulePath }) =>
  bindgenModule.generateRustBindingsFromPath(witPath, { world, modulePath });

const SHOP_WIT = `package acme:shop@0.2.0;

/// What the application gives plugins.
interface catalog {
  /// The price of \`sku\`, in cents, if the catalog has it.
  price: func(sku: string) -> option<u32>;
  /// A shopping cart the host keeps.
  resource cart {
    constructor(owner: string);
    /// Adds an item; returns the cart's size.
    add: func(sku: string, qty: u32) -> u32;
  }
}

interface pricing {
  enum tier { basic, gold }
  record quote { sku: string, cents: u64, tier: tier, note: option<string> }
  /// Prices \`qty\` of \`sku\`.
  price-of: func(sku: string, qty: u32) -> result<quote, string>;
  /// A basket of quotes, kept by the plugin.
  resource basket {
    constructor(owner: string);
    add: func(q: quote) -> u32;
    total: func() -> u64;
    tiers: static func() -> list<tier>;
  }
  merge: func(a: borrow<basket>, b: borrow<basket>) -> basket;
}

world shop-plugin {
  import catalog;
  import notify: func(msg: string);
  export pricing;
  /// Who the plugin is.
  export describe: func() -> string;
  export version: func() -> tuple<u32, u32>;
}
`;

beforeAll(() => {
  mkdirSync(scratchRoot, { recursive: true });
  scratch = mkdtempSync(join(scratchRoot, 'own-'));
  wit = join(scratch, 'wit');
  mkdirSync(wit);
  writeFileSync(join(wit, 'shop.wit'), SHOP_WIT);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function vitest(dir: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=verbose'],
    {
      cwd: dir,
      env: { ...process.env, ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((cause: { stdout?: string; stderr?: string }) => {
    throw new Error(`generated test failed in ${dir}:\n${cause.stdout ?? ''}\n${cause.stderr ?? ''}`, {
      cause,
    });
  });
  return stdout;
}

const tsc = (project: string) =>
  run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', project], {
    maxBuffer: 16 * 1024 * 1024,
  }).catch((cause: { stdout?: string }) => {
    throw new Error(`tsc -p ${project} failed:\n${cause.stdout ?? ''}`, { cause });
  });

/** Runs a `witkit wit types` line of a scaffold's `build` script, in its folder. */
async function witTypes(dir: string, script: string): Promise<void> {
  const m = /^witkit wit types (\S+) --out (\S+)( --guest)?/.exec(script);
  expect(m).not.toBeNull();
  const { code, err } = await cli(
    'wit',
    'types',
    join(dir, m![1]!),
    '--out',
    join(dir, m![2]!),
    ...(m![3] ? ['--guest'] : []),
  );
  expect(err).toBe('');
  expect(code).toBe(0);
}

const expectedTests = [
  'loads as a component of world `shop-plugin`',
  'pricing.priceOf returns the stub value',
  'pricing.merge returns the stub value',
  'describe returns the stub value',
  'version returns the stub value',
  'pricing.Basket answers every method and static with the stub values',
];

describe('witkit new plugin --wit and witkit new host', () => {
  let tsComponent: string;

  it('scaffolds a TypeScript plugin of the own world that type-checks, builds and passes its test', async () => {
    const dir = join(scratch, 'shop-ts');
    const { code, out, err } = await cli(
      'new',
      'plugin',
      'shop-ts',
      '--lang',
      'ts',
      '--world',
      'shop-plugin',
      '--wit',
      wit,
      '--dir',
      dir,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('created TypeScript plugin `shop-ts` (world `shop-plugin`)');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.witkit).toEqual({ world: 'shop-plugin', wit: '../wit' });
    expect(pkg.scripts.build).toBe('witkit wit types ../wit --out src/generated --guest && witkit build');
    const src = readFileSync(join(dir, 'src/index.ts'), 'utf8');
    expect(src).toContain('class Basket {');
    expect(src).toContain('static tiers(): Tier[] {');

    await witTypes(dir, pkg.scripts.build);
    await tsc(dir);
    await tsc(join(dir, 'test'));
    const built = await buildJsPlugin(dir);
    expect(built.world).toBe('acme:shop/shop-plugin@0.2.0');
    tsComponent = built.componentPath;

    const report = await vitest(dir);
    for (const name of expectedTests) expect(report).toContain(name);
    expect(report).toMatch(/Tests\s+6 passed/);
  });

  it('scaffolds a Rust plugin of the own world that builds and passes its test', async () => {
    const dir = join(scratch, 'shop-rust');
    const { code, err } = await cli(
      'new',
      'plugin',
      'shop-rust',
      '--lang',
      'rust',
      '--world',
      'shop-plugin',
      '--wit',
      wit,
      '--dir',
      dir,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'Cargo.toml'), 'utf8')).toContain('wit = "../wit"');
    const lib = readFileSync(join(dir, 'src/lib.rs'), 'utf8');
    expect(lib).toContain('impl pricing::GuestBasket for BasketImpl {');
    expect(lib).toContain('    type Basket = BasketImpl;');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

    await witTypes(dir, pkg.scripts.build);
    await tsc(join(dir, 'test'));
    const built = await buildRustPlugin(dir, { targetDir, bindgen });
    expect(built.componentPath).toBe(join(dir, 'dist', 'shop-rust.wasm'));

    const report = await vitest(dir);
    for (const name of expectedTests) expect(report).toContain(name);
    expect(report).toMatch(/Tests\s+6 passed/);
  });

  it('scaffolds a host that type-checks, passes its test and runs the TS plugin', async () => {
    expect(tsComponent).toBeDefined();
    const dir = join(scratch, 'shop-host');
    const { code, out, err } = await cli(
      'new',
      'host',
      'shop-host',
      '--wit',
      wit,
      '--world',
      'shop-plugin',
      '--dir',
      dir,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('created host `shop-host` (world `shop-plugin`)');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      dependencies: { '@witkit/host': 'workspace:*' },
      devDependencies: { '@witkit/cli': 'workspace:*' },
      scripts: { build: 'witkit wit types ../wit --out src/generated', start: 'node src/main.ts' },
    });
    const imports = readFileSync(join(dir, 'src/imports.ts'), 'utf8');
    expect(imports).toContain('// TODO: implement `price`');
    expect(imports).toContain('export class Cart {');

    await witTypes(dir, pkg.scripts.build);
    await tsc(dir);
    const { stdout } = await run(process.execPath, ['src/main.ts', tsComponent], { cwd: dir });
    expect(stdout).toBe("shop-ts: describe() = ''\nshop-ts: version() = [ 0, 0 ]\n");

    const report = await vitest(dir, { PLUGINS: tsComponent });
    expect(report).toMatch(/Tests\s+3 passed/);
  });

  it('refuses an unknown world of the own WIT, listing its worlds', async () => {
    for (const argv of [
      ['new', 'plugin', 'x', '--lang', 'ts', '--world', 'nope', '--wit', wit, '--dir', join(scratch, 'x')],
      ['new', 'host', 'x', '--world', 'nope', '--wit', wit, '--dir', join(scratch, 'x')],
    ]) {
      const { code, err } = await cli(...argv);
      expect(code).toBe(1);
      expect(err).toBe(
        'error[WITKIT_SCAFFOLD_UNKNOWN_WORLD]: unknown world `nope`; expected one of `shop-plugin`',
      );
    }
  });
});
