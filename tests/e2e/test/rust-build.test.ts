import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import {
  type BuildError,
  type BuildRustPluginOptions,
  buildPlugin,
  buildRustPlugin,
  isBuildError,
  type RustBindgenRequest,
} from '@witkit/build';
import { loadPlugin } from '@witkit/host';
import { tempDir } from '@witkit-internal/test-support';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { copyEchoFixture } from './fixtures.js';

const repo = new URL('../../../', import.meta.url).pathname;
const benchKernels = join(repo, 'plugins-rust', 'bench-kernels');
const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url).pathname;
// One cargo target folder for every temp crate of this suite: dependencies compile once.
const targetDir = new URL('../target', import.meta.url).pathname;

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
const hostDirs = tempDir('witkit-rust-host-');
afterAll(() => hostDirs.cleanup());

/** A temp copy of a crate's sources (no `dist/`, `target/` or package.json), standalone. */
function copyCrate(from: string): string {
  const tmp = tempDir('witkit-rust-');
  cleanups.push(tmp.cleanup);
  const dir = join(tmp.dir, 'crate');
  for (const part of ['Cargo.toml', 'src', 'wit']) {
    if (existsSync(join(from, part))) cpSync(join(from, part), join(dir, part), { recursive: true });
  }
  return dir;
}

const build = (dir: string, options: BuildRustPluginOptions = {}) =>
  buildRustPlugin(dir, { targetDir, ...options });

async function buildError(run: Promise<unknown>): Promise<BuildError> {
  try {
    await run;
  } catch (error) {
    if (isBuildError(error)) return error;
    throw error;
  }
  throw new Error('expected the build to fail');
}

const editFile = (file: string, edit: (text: string) => string) =>
  writeFileSync(file, edit(readFileSync(file, 'utf8')));

/**
 * Instantiates a component with jco and a default WASI shim, as a bare-function world needs:
 * the host's `loadPlugin` serves interface exports only.
 */
async function instantiate<T>(componentPath: string): Promise<T> {
  const { files } = await transpileBytes(readFileSync(componentPath), {
    name: 'component',
    instantiation: 'sync',
  });
  const dir = join(hostDirs.dir, `glue-${Math.random().toString(36).slice(2)}`);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const glue = (await import(pathToFileURL(join(dir, 'component.js')).href)) as {
    instantiate(getCoreModule: (name: string) => WebAssembly.Module, imports: object): T;
  };
  return glue.instantiate(
    (name) => new WebAssembly.Module(readFileSync(join(dir, name))),
    new WASIShim().getImportObject(),
  );
}

interface Kernels {
  add(a: number, b: number): number;
  reverse(s: string): string;
}

describe('buildRustPlugin', () => {
  it('builds bench-kernels into a component whose add and reverse the host calls', async () => {
    const dir = copyCrate(benchKernels);
    const built = await build(dir);
    expect(built).toMatchObject({
      name: 'bench-kernels',
      version: '0.1.0',
      world: 'witkit:bench/kernels@0.1.0',
      engine: 'rust',
      optimize: 'size',
      bindings: 'hand-written',
      warnings: [],
      componentPath: join(dir, 'dist', 'bench-kernels.wasm'),
    });
    expect(built.toolchain).toMatch(/^rustc \d+\.\d+\.\d+ \(\w+, wasm32-wasi(p1)?\)$/);
    // Component binaries: magic, then layer 1 / version 0x0d.
    expect(readFileSync(built.componentPath).subarray(0, 8)).toEqual(
      Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]),
    );
    expect(built.coreSize).toBeLessThan(built.cargoCoreSize);
    const info = JSON.parse(readFileSync(join(dir, 'dist', 'bench-kernels.build.json'), 'utf8'));
    expect(info).toEqual({
      name: 'bench-kernels',
      version: '0.1.0',
      world: 'witkit:bench/kernels@0.1.0',
      engine: 'rust',
      size: built.size,
      sha256: built.sha256,
      coreSize: built.coreSize,
      cargoCoreSize: built.cargoCoreSize,
      toolchain: built.toolchain,
      optimize: 'size',
    });

    const kernels = await instantiate<Kernels>(built.componentPath);
    expect(kernels.add(2, 3)).toBe(5);
    expect(kernels.add(0xffff_ffff, 2)).toBe(1);
    expect(kernels.reverse('stressed')).toBe('desserts');
    expect(kernels.reverse('añ€😀')).toBe('😀€ña');
    expect(kernels.reverse('')).toBe('');
    const long = 'ab'.repeat(50_000);
    expect(kernels.reverse(long)).toBe('ba'.repeat(50_000));
  });

  it('writes the optimized core module, whose exports a benchmark can call without the component layer', async () => {
    const dir = copyCrate(benchKernels);
    const built = await build(dir);
    const core = readFileSync(built.coreModulePath);
    expect(core.byteLength).toBe(built.coreSize);
    const module = new WebAssembly.Module(core);
    // The WASI imports std links in: `_initialize` reads the (here empty) environment; nothing
    // else runs on these paths.
    let memory: WebAssembly.Memory | undefined;
    const empty = (countPtr: number, sizePtr: number) => {
      new DataView(memory!.buffer).setUint32(countPtr, 0, true);
      new DataView(memory!.buffer).setUint32(sizePtr, 0, true);
      return 0;
    };
    const wasi = Object.fromEntries(
      WebAssembly.Module.imports(module).map((i) => [
        i.name,
        i.name === 'environ_sizes_get'
          ? empty
          : () => {
              throw new Error(`unexpected WASI call \`${i.name}\``);
            },
      ]),
    );
    const { exports } = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
    memory = exports.memory as WebAssembly.Memory;
    const { _initialize, add, reverse, cabi_realloc, cabi_post_reverse } = exports as unknown as {
      _initialize(): void;
      add(a: number, b: number): number;
      reverse(ptr: number, len: number): number;
      cabi_realloc(ptr: number, oldLen: number, align: number, newLen: number): number;
      cabi_post_reverse(area: number): void;
    };
    _initialize();
    expect(add(40, 2)).toBe(42);
    // The canonical ABI by hand: allocate the argument, call, read the return area, post-return.
    const input = new TextEncoder().encode('añ€😀');
    const ptr = cabi_realloc(0, 0, 1, input.length);
    new Uint8Array(memory.buffer, ptr, input.length).set(input);
    const area = reverse(ptr, input.length);
    const [outPtr, outLen] = new Uint32Array(memory.buffer, area, 2);
    expect(new TextDecoder().decode(new Uint8Array(memory.buffer, outPtr!, outLen!))).toBe('😀€ña');
    cabi_post_reverse(area);
  });

  it('builds a crate of a contracts world that the host loads, initializes and shuts down', async () => {
    const dir = copyCrate(fixture('rust-minimal'));
    const built = await build(dir);
    expect(built.world).toBe('witkit:plugin-system/minimal-plugin@0.1.0');
    const plugin = await loadPlugin(built.componentPath, {
      world: 'minimal-plugin',
      config: [['greeting', 'hello']],
      dataDir: join(hostDirs.dir, 'data'),
      cacheDir: join(hostDirs.dir, 'cache'),
    });
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'rust-minimal', version: '0.2.0' });
    plugin.shutdown();
    await expect(
      loadPlugin(built.componentPath, {
        world: 'minimal-plugin',
        config: [['fail', 'as asked, ünïcödé']],
        dataDir: join(hostDirs.dir, 'data'),
        cacheDir: join(hostDirs.dir, 'cache'),
      }),
    ).rejects.toMatchObject({
      code: 'WITKIT_INIT_FAILED',
      message: expect.stringContaining('refusing to start: as asked, ünïcödé'),
    });
  });

  it('reports a Rust compile error with file, line and column, and keeps the previous outputs', async () => {
    const dir = copyCrate(benchKernels);
    const good = await build(dir);
    const before = readFileSync(good.componentPath);
    const beforeCore = readFileSync(good.coreModulePath);
    editFile(join(dir, 'src', 'lib.rs'), (text) =>
      text.replace('a.wrapping_add(b)', 'a.wrapping_add("two")'),
    );
    const line =
      readFileSync(join(dir, 'src', 'lib.rs'), 'utf8')
        .split('\n')
        .indexOf('    a.wrapping_add("two")') + 1;
    const error = await buildError(build(dir));
    expect(error.code).toBe('WITKIT_BUILD_CARGO');
    expect(error.message).toMatch(
      new RegExp(
        `^bench-kernels: cargo build failed: src/lib\\.rs:${line}:\\d+: error\\[E0308\\]: mismatched types`,
      ),
    );
    expect(String((error.cause as Error).message)).toContain('-->');
    expect(readFileSync(good.componentPath)).toEqual(before);
    expect(readFileSync(good.coreModulePath)).toEqual(beforeCore);
  });

  it('reports rustc warnings about the crate with their location', async () => {
    const dir = copyCrate(benchKernels);
    editFile(join(dir, 'src', 'lib.rs'), (text) =>
      text.replace('    a.wrapping_add(b)', '    let spare = 1;\n    a.wrapping_add(b)'),
    );
    const line =
      readFileSync(join(dir, 'src', 'lib.rs'), 'utf8')
        .split('\n')
        .indexOf('    let spare = 1;') + 1;
    const built = await build(dir);
    expect(built.warnings).toContain(
      `src/lib.rs:${line}:9: warning[unused_variables]: unused variable: \`spare\``,
    );
  });

  it('names the Debian package to install when a dependency is not packaged', async () => {
    const dir = copyCrate(benchKernels);
    editFile(join(dir, 'Cargo.toml'), (text) =>
      text.replace('[lib]', '[dependencies]\nleft-pad-9000 = "1"\n\n[lib]'),
    );
    const error = await buildError(build(dir));
    expect(error.code).toBe('WITKIT_BUILD_CARGO');
    expect(error.message).toContain('no matching package named `left-pad-9000` found');
    expect(error.message).toContain('apt-get install -y librust-left-pad-9000-dev');
  });

  it('names the missing toolchain piece and the command that installs it', async () => {
    const dir = copyCrate(benchKernels);
    const error = await buildError(build(dir, { toolchain: { rustc: '/nonexistent/bin/rustc' } }));
    expect(error.code).toBe('WITKIT_BUILD_RUST_TOOLCHAIN');
    expect(error.message).toBe(
      'bench-kernels: no Rust toolchain that builds WASI modules: rustc: `/nonexistent/bin/rustc` does not run; ' +
        'fix: point `rustc`/`cargo` at an existing toolchain, or: apt-get install -y rustc cargo libstd-rust-dev-wasm32',
    );
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  it('lists the worlds of the crate WIT when the manifest names an unknown one', async () => {
    const dir = copyCrate(benchKernels);
    editFile(join(dir, 'Cargo.toml'), (text) => text.replace('world = "kernels"', 'world = "kernals"'));
    const error = await buildError(build(dir));
    expect(error.code).toBe('WITKIT_BUILD_UNKNOWN_WORLD');
    expect(error.message).toMatch(/`kernals`, which `wit` does not define; known worlds: `kernels`$/);
  });

  it('lists the contract worlds when a crate without its own WIT names an unknown one', async () => {
    const dir = copyCrate(fixture('rust-minimal'));
    editFile(join(dir, 'Cargo.toml'), (text) => text.replace('"minimal-plugin"', '"maximal-plugin"'));
    const error = await buildError(build(dir));
    expect(error.code).toBe('WITKIT_BUILD_UNKNOWN_WORLD');
    expect(error.message).toContain('`maximal-plugin`, which the contracts do not define');
    expect(error.message).toContain('`processor-plugin`');
  });

  it('refuses a core module that lacks a function of its world, naming it', async () => {
    const dir = copyCrate(benchKernels);
    editFile(join(dir, 'src', 'lib.rs'), (text) => text.replace('#[export_name = "reverse"]', ''));
    const error = await buildError(build(dir));
    expect(error.code).toBe('WITKIT_BUILD_COMPONENTIZE');
    expect(error.message).toMatch(/^bench-kernels: `component new` could not make a `kernels` component/);
    expect(error.message).toContain('reverse');
  });

  it('writes generated bindings before cargo runs, and leaves unchanged ones untouched', async () => {
    const dir = copyCrate(benchKernels);
    // The generator's output here is the crate's hand-written ABI, moved into a module.
    const abi = readFileSync(join(dir, 'src', 'lib.rs'), 'utf8');
    writeFileSync(join(dir, 'src', 'lib.rs'), 'mod bindings;\n');
    editFile(join(dir, 'Cargo.toml'), (text) =>
      text.replace('wit = "wit"', 'wit = "wit"\nbindings = "src/bindings.rs"'),
    );
    const requests: RustBindgenRequest[] = [];
    const bindgen = async (request: RustBindgenRequest) => {
      requests.push(request);
      return abi;
    };
    const first = await build(dir, { bindgen });
    expect(first.bindings).toBe('generated');
    expect(requests).toEqual([
      { witPath: join(dir, 'wit'), world: 'kernels', modulePath: 'crate::bindings' },
    ]);
    expect(readFileSync(join(dir, 'src', 'bindings.rs'), 'utf8')).toBe(abi);
    const mtime = statSync(join(dir, 'src', 'bindings.rs')).mtimeMs;
    const second = await build(dir, { bindgen });
    expect(second.bindings).toBe('unchanged');
    expect(statSync(join(dir, 'src', 'bindings.rs')).mtimeMs).toBe(mtime);
    expect((await instantiate<Kernels>(second.componentPath)).reverse('abc')).toBe('cba');

    const failing = await buildError(
      build(dir, {
        bindgen: async () => {
          throw new Error('unsupported type `future<u8>`');
        },
      }),
    );
    expect(failing.code).toBe('WITKIT_BUILD_BINDINGS');
    expect(failing.message).toBe(
      'bench-kernels: cannot generate bindings for world `kernels` into `src/bindings.rs`: unsupported type `future<u8>`',
    );
  });

  it('builds a crate using image and serde_json from Debian packages, offline, into a working component', {
    timeout: 600_000,
  }, async () => {
    const dir = copyCrate(fixture('rust-image-probe'));
    const built = await build(dir);
    const { probe } = await instantiate<{ probe(image: Uint8Array): string }>(built.componentPath);
    expect(JSON.parse(probe(solidPng(3, 2, [200, 100, 50, 255])))).toEqual({
      format: 'png',
      width: 3,
      height: 2,
      mean: [200, 100, 50, 255],
    });
    expect(JSON.parse(probe(new TextEncoder().encode('not an image')))).toEqual({
      error: expect.stringMatching(/format/i),
    });
  });
});

/** A PNG of one colour (8-bit RGBA), encoded here so the test needs no image file. */
function solidPng(width: number, height: number, rgba: readonly number[]): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit depth, RGBA, deflate, no filter, no interlace
  const row = Buffer.concat([
    Buffer.from([0]),
    Buffer.from(Array.from({ length: width }, () => rgba).flat()),
  ]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('buildPlugin', () => {
  it('builds a Rust crate with the Rust pipeline and a TypeScript package with the JS one', async () => {
    const crate = copyCrate(benchKernels);
    const rust = await buildPlugin(crate, { targetDir });
    expect(rust).toMatchObject({ name: 'bench-kernels', engine: 'rust' });
    // Rust crates carry a package.json without `witkit` for the task runner; it must not matter.
    writeFileSync(join(crate, 'package.json'), JSON.stringify({ name: '@x/bench-kernels', private: true }));
    expect((await buildPlugin(crate, { targetDir })).engine).toBe('rust');

    const js = copyEchoFixture({ world: 'plugin-v2' });
    cleanups.push(js.cleanup);
    expect(await buildPlugin(js.dir)).toMatchObject({ name: 'echo', engine: 'quickjs' });
  });

  it('says how to make a folder that holds neither kind of plugin into one', async () => {
    const tmp = tempDir('witkit-rust-');
    cleanups.push(tmp.cleanup);
    mkdirSync(join(tmp.dir, 'nothing'));
    const error = await buildError(buildPlugin(join(tmp.dir, 'nothing')));
    expect(error.code).toBe('WITKIT_BUILD_NOT_A_PLUGIN');
    expect(error.message).toContain('"witkit": { "world": "<world>" }');
    expect(error.message).toContain('[package.metadata.witkit] world = "<world>"');
  });
});
