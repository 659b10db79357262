/**
 * Snapshot tests of the generator: the expected Rust for each world of the project's contracts
 * and for a kitchen-sink world lives in fixtures/snapshots/. A difference fails with a diff;
 * `WITKIT_BLESS=1 pnpm test` rewrites the snapshots (review them in the diff before committing),
 * as wasmtime's BINDGEN_TEST_BLESS does. Every snapshot must also compile: with Debian's Rust
 * 1.63 for wasm32-wasi and with the current stable toolchain for the host.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isWitError, resolveWitPath, resolveWitSource } from '@witkit/wit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRustBindings, generateRustBindingsFromPath, isBindgenError } from './index.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const fixtures = resolve(here, '../fixtures');
const snapshots = join(fixtures, 'snapshots');
const repoWit = resolve(here, '../../../wit');
const kitchenSink = join(fixtures, 'kitchen-sink/wit');
const bless = process.env.WITKIT_BLESS === '1';

/** Debian's rustc 1.63 (with std for wasm32-wasi) and rustup's current stable. */
const RUSTC_163 = '/usr/bin/rustc';
const RUSTC_STABLE = join(homedir(), '.cargo/bin/rustc');

const projectWorlds = [...(await resolveWitPath(repoWit)).root.worlds.keys()];
const cases = [
  ...projectWorlds.map((world) => ({ name: world, path: repoWit, world })),
  { name: 'kitchen-sink', path: kitchenSink, world: 'kitchen-sink' },
];

async function expectSnapshot(name: string, actual: string): Promise<void> {
  const file = join(snapshots, `${name}.rs`);
  if (bless) {
    await mkdir(snapshots, { recursive: true });
    await writeFile(file, actual);
    return;
  }
  const expected = existsSync(file) ? await readFile(file, 'utf8') : undefined;
  expect(
    expected,
    `no snapshot \`fixtures/snapshots/${name}.rs\` yet: run the tests with WITKIT_BLESS=1 and review the new file`,
  ).toBeDefined();
  expect(
    actual,
    `generated Rust for \`${name}\` changed: re-bless with WITKIT_BLESS=1 if that is intended`,
  ).toBe(expected);
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'witkit-bindgen-rust-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function rustc(compiler: string, file: string, target?: string): Promise<void> {
  const args = ['--edition', '2021', '--crate-type', 'lib', '--emit', 'metadata', '-D', 'warnings'];
  if (target) args.push('--target', target);
  args.push('--out-dir', scratch, file);
  try {
    await run(compiler, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (cause) {
    throw new Error(`${compiler} rejected \`${file}\`:\n${(cause as { stderr?: string }).stderr ?? ''}`, {
      cause,
    });
  }
}

describe('generated Rust matches the committed snapshots and compiles', () => {
  it.each(cases)('for world `$name`', async ({ name, path, world }) => {
    const rust = await generateRustBindingsFromPath(path, { world });
    await expectSnapshot(name, rust);
    const file = join(scratch, `${name.replace(/-/g, '_')}.rs`);
    await writeFile(file, rust);
    await rustc(RUSTC_163, file, 'wasm32-wasi');
    await rustc(RUSTC_STABLE, file);
  });

  it('covers every world of the project contracts', () => {
    expect(projectWorlds).toEqual(
      expect.arrayContaining(['minimal-plugin', 'processor-plugin', 'full-plugin']),
    );
  });
});

describe('every world of the @witkit/wit conformance corpus', () => {
  const corpus = resolve(here, '../../wit/test/corpus/valid');

  it('generates Rust that compiles with rustc 1.63, or is refused with a BindgenError saying why', async () => {
    const compiled: string[] = [];
    const refused: string[] = [];
    const jobs: (() => Promise<void>)[] = [];
    for (const name of (await readdir(corpus)).sort()) {
      if (name.endsWith('.md')) continue;
      const witResolve = await resolveWitPath(join(corpus, name));
      for (const world of witResolve.root.worlds.keys()) {
        let rust: string;
        try {
          rust = generateRustBindings({ resolve: witResolve, world });
        } catch (e) {
          expect(isBindgenError(e), `${name} ${world}: ${String(e)}`).toBe(true);
          expect((e as { code: string }).code).toMatch(/^WITKIT_BINDGEN_(UNSUPPORTED|NO_ABI)$/);
          refused.push(`${name} ${world}`);
          continue;
        }
        const file = join(scratch, `corpus_${`${name}_${world}`.replace(/\W/g, '_')}.rs`);
        jobs.push(async () => {
          await writeFile(file, rust);
          await rustc(RUSTC_163, file, 'wasm32-wasi');
          compiled.push(`${name} ${world}`);
        });
      }
    }
    // Two compilers at a time: the machines this runs on have two cores.
    const queue = [...jobs];
    await Promise.all(
      [0, 1].map(async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );
    // WASI 0.2 cli, http and sockets are among them; async (WASI 0.3) and fixed-length lists are not.
    expect(compiled.length).toBeGreaterThanOrEqual(40);
    expect(compiled).toEqual(expect.arrayContaining(['wasi-0.2.12-http proxy']));
    expect(refused.length).toBeLessThan(compiled.length);
  });
});

describe('generated Rust', () => {
  const source = `package a:b@0.1.0;
/// Docs of i.
interface i {
  /// Docs of r.
  record r {
    /// Docs of f.
    f: string,
  }
  /// Docs of g.
  g: func(x: r) -> list<r>;
}
world w { export i; }`;

  it('carries WIT doc comments into Rust doc comments', () => {
    const rust = generateRustBindings({ resolve: resolveWitSource(source), world: 'w' });
    for (const doc of ['/// Docs of i.', '/// Docs of r.', '/// Docs of f.', '/// Docs of g.']) {
      expect(rust).toContain(doc);
    }
  });

  it('exports with the legacy core names component new accepts, and a post-return for results in memory', () => {
    const rust = generateRustBindings({ resolve: resolveWitSource(source), world: 'w' });
    expect(rust).toContain('#[export_name = "a:b/i@0.1.0#g"]');
    expect(rust).toContain('#[export_name = "cabi_post_a:b/i@0.1.0#g"]');
    expect(rust).toContain('pub unsafe extern "C" fn cabi_realloc(');
    expect(rust).toContain('macro_rules! export_w {');
  });

  it('mounts the export macro at the given module path', () => {
    const rust = generateRustBindings({
      resolve: resolveWitSource(source),
      world: 'w',
      modulePath: 'crate::gen::wit',
    });
    expect(rust).toContain('crate::gen::wit::exports::a::b::i::_export_g::<$ty>');
  });

  it('gives an exported resource a handle type, a borrow type, an implementation trait and a destructor', () => {
    const resolve = resolveWitSource(
      'package a:b;\ninterface i { resource r { constructor(); m: func(o: borrow<r>) -> u32; } }\nworld w { export i; }',
    );
    const rust = generateRustBindings({ resolve, world: 'w' });
    expect(rust).toContain('pub struct R {');
    expect(rust).toContain('pub struct RBorrow {');
    expect(rust).toContain("pub trait GuestR: 'static {");
    expect(rust).toContain('fn m(&self, o: RBorrow) -> u32;');
    expect(rust).toContain('type R: GuestR;');
    expect(rust).toContain('#[export_name = "a:b/i#[dtor]r"]');
    expect(rust).toContain('#[link(wasm_import_module = "[export]a:b/i")]');
  });

  it('suffixes type names that would shadow Rust prelude items or the Guest trait', () => {
    const resolve = resolveWitSource(
      'package a:b;\ninterface i { record vec { x: u8 }\n variant drop { a(vec) }\n resource %result { constructor(); }\n type guest = u32;\n f: func(a: vec) -> drop; }\nworld w { export i; }',
    );
    const rust = generateRustBindings({ resolve, world: 'w' });
    for (const item of [
      'pub struct Vec_ {',
      'pub enum Drop_ {',
      'pub struct Result_ {',
      'pub struct ResultBorrow {',
      'pub trait GuestResult',
      'pub type Guest_ = u32;',
    ]) {
      expect(rust).toContain(item);
    }
    expect(rust).toContain('fn f(a: Vec_) -> Drop_;');
  });

  it('lets a constructor of an exported resource fail when its WIT declares a result', () => {
    const resolve = resolveWitSource(
      'package a:b;\ninterface i { resource r { constructor() -> result<r, string>; } }\nworld w { export i; }',
    );
    const rust = generateRustBindings({ resolve, world: 'w' });
    expect(rust).toContain('fn new() -> Result<Self, String> where Self: Sized;');
    expect(rust).toContain('Ok(v) => Ok(R::new(v)), Err(e) => Err(e)');
  });

  it('rejects flags with more than 32 members, with the ABI error as cause', () => {
    const wide = Array.from({ length: 33 }, (_, i) => `x${i}`).join(', ');
    const resolve = resolveWitSource(
      `package a:b;\ninterface i { flags wide { ${wide} }\n f: func(x: wide); }\nworld w { export i; }`,
    );
    let err: unknown;
    try {
      generateRustBindings({ resolve, world: 'w' });
    } catch (e) {
      err = e;
    }
    expect(isBindgenError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'WITKIT_BINDGEN_NO_ABI' });
    expect((err as Error).message).toMatch(/flags `wide` .*cannot have more than 32 flags \(has 33\)/);
    expect((err as Error).cause).toMatchObject({ code: 'WITKIT_WIT_ABI_UNREPRESENTABLE' });
  });

  it('rejects a bad module path and an unknown world', () => {
    const resolve = resolveWitSource(source);
    expect(() => generateRustBindings({ resolve, world: 'w', modulePath: 'not a path' })).toThrow(
      /expected `modulePath` to be a Rust path/,
    );
    let err: unknown;
    try {
      generateRustBindings({ resolve, world: 'nope' });
    } catch (e) {
      err = e;
    }
    expect(isWitError(err) || isBindgenError(err)).toBe(true);
  });
});
