/**
 * Builds a fixture crate on the generated bindings into a component and instantiates it with
 * jco, the way a witkit host does. One cache folder (node_modules/.cache) keeps the crate copy
 * and its Cargo target dir across runs, so a rebuild after no change takes about a second.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import * as wasmTools from '@bytecodealliance/jco-transpile/wasm-tools';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { generateRustBindingsFromPath } from '../../src/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = resolve(here, '../../fixtures/e2e');
export const cacheRoot = resolve(here, '../../node_modules/.cache/witkit-bindgen-rust-e2e');

/** Debian's toolchain: the only one here with a wasm32-wasi std. */
export const DEBIAN_CARGO = '/usr/bin/cargo';
export const DEBIAN_RUSTC = '/usr/bin/rustc';

/** A fixture built into a component, with timings. */
export interface BuiltComponent {
  readonly component: Uint8Array;
  /** The core module cargo built, before componentization. */
  readonly core: Uint8Array;
  readonly coreSize: number;
  readonly cargoMs: number;
  readonly componentizeMs: number;
}

/**
 * Generates `src/bindings.rs` for `fixture`'s world into a cached copy of the crate, builds it
 * with Debian's cargo for wasm32-wasi (offline, no crates) and turns the core module into a
 * component with the WASI reactor adapter.
 */
export async function buildFixture(
  fixture: string,
  world: string,
  options: { witDir?: string } = {},
): Promise<BuiltComponent> {
  const src = join(fixtures, fixture);
  // A fixture's own WIT is one file, passed as text; a WIT folder (with deps/) goes by path.
  const witDir = options.witDir ?? join(src, 'wit');
  const crate = join(cacheRoot, fixture);
  await mkdir(crate, { recursive: true });
  // Copy sources over (cp keeps the target dir and its incremental state).
  await cp(join(src, 'src'), join(crate, 'src'), { recursive: true, preserveTimestamps: true });
  await cp(join(src, 'Cargo.toml'), join(crate, 'Cargo.toml'), { preserveTimestamps: true });
  const bindings = await generateRustBindingsFromPath(witDir, { world });
  const bindingsPath = join(crate, 'src', 'bindings.rs');
  const previous = await readFile(bindingsPath, 'utf8').catch(() => undefined);
  // Rewriting an unchanged file would bump its mtime and force a rebuild.
  if (previous !== bindings) await writeFile(bindingsPath, bindings);

  const started = performance.now();
  try {
    await run(DEBIAN_CARGO, ['build', '--release', '--offline', '--target', 'wasm32-wasi', '--quiet'], {
      cwd: crate,
      env: { ...process.env, RUSTC: DEBIAN_RUSTC, CARGO_TARGET_DIR: join(cacheRoot, 'target') },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (cause) {
    const stderr = (cause as { stderr?: string }).stderr ?? '';
    throw new Error(`cargo build of fixture \`${fixture}\` failed:\n${stderr}`, { cause });
  }
  const cargoMs = performance.now() - started;

  const crateName = /name\s*=\s*"([^"]+)"/.exec(await readFile(join(src, 'Cargo.toml'), 'utf8'))![1]!;
  const core = await readFile(
    join(cacheRoot, 'target/wasm32-wasi/release', `${crateName.replace(/-/g, '_')}.wasm`),
  );
  const t0 = performance.now();
  let embedded: Uint8Array;
  if (options.witDir === undefined) {
    const witSource = await readFile(join(src, 'wit', `${fixture}.wit`), 'utf8');
    embedded = await wasmTools.componentEmbed({ binary: core, witSource, world });
  } else {
    // The WASI shim behind wasm-tools starts with no preopens and keeps the first ones it sees.
    _setPreopens({ [witDir]: witDir } as unknown as Parameters<typeof _setPreopens>[0]);
    embedded = await wasmTools.componentEmbed({ binary: core, witPath: witDir, world });
  }
  // jco's exports map hides its lib/ folder from resolution, so go through node_modules.
  const adapter = await readFile(
    resolve(here, '../../node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.reactor.wasm'),
  );
  const component = await wasmTools.componentNew(embedded, [['wasi_snapshot_preview1', adapter]]);
  return { component, core, coreSize: core.length, cargoMs, componentizeMs: performance.now() - t0 };
}

/**
 * Transpiles a component with jco and instantiates it in a WASI sandbox with `imports` added;
 * resolves to its exports.
 */
export async function instantiate(
  component: Uint8Array,
  name: string,
  imports: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const t = await transpileBytes(component, {
    name: 'component',
    instantiation: 'async',
    emitTypescriptDeclarations: false,
  });
  const dir = join(cacheRoot, 'js', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(t.files)) await writeFile(join(dir, file), content);
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  const glue = (await import(`${pathToFileURL(join(dir, 'component.js')).href}?t=${Date.now()}`)) as {
    instantiate: (
      getCoreModule: (path: string) => Promise<WebAssembly.Module>,
      imports: Record<string, unknown>,
    ) => Promise<Record<string, unknown>>;
  };
  const wasi = new WASIShim({
    sandbox: { preopens: {}, env: {}, args: [name], enableNetwork: false },
  } as never);
  return glue.instantiate(async (path) => WebAssembly.compile(await readFile(join(dir, path))), {
    ...wasi.getImportObject(),
    ...imports,
  });
}
