import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The `instantiate` function of jco's glue in async instantiation mode. */
export type InstantiateFn = (
  getCoreModule: (path: string) => Promise<WebAssembly.Module>,
  imports: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** A component turned into JS glue plus core modules, ready to instantiate many times. */
export interface TranspiledComponent {
  /** Hex sha256 of the component bytes. */
  readonly sha256: string;
  /** Interfaces the component imports, as jco names them (unversioned). */
  readonly imports: readonly string[];
  /** Names of the component's exports: versioned interface ids, their short JS names, functions. */
  readonly exports: readonly string[];
  /** Instantiates a fresh instance with `imports`. */
  readonly instantiate: (imports: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** Whether the glue came from the disk cache rather than a fresh transpile. */
  readonly fromCache: boolean;
}

const GLUE = 'component.js';
const META = 'meta.json';

function jcoTranspileVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@bytecodealliance/jco-transpile');
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Part of every cache key: the transpiler's version (new glue for a new jco) and the
 * version of this cache's own layout.
 */
export const transpileCacheVersion = `jco-transpile@${jcoTranspileVersion()}+witkit.1`;

/** Default cache folder: `$XDG_CACHE_HOME/witkit/transpiled`, else `~/.cache/witkit/transpiled`. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'witkit', 'transpiled');
}

// Compiled core modules, shared by every instance of the same component in this process.
const compiled = new Map<string, Promise<WebAssembly.Module>>();

interface CacheMeta {
  readonly imports: string[];
  readonly exports: string[];
  readonly transpileCacheVersion: string;
}

async function transpileInto(dir: string, bytes: Uint8Array): Promise<CacheMeta> {
  const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
  const result = await transpileBytes(bytes, {
    name: 'component',
    instantiation: 'async',
    // Keep `err` payloads on a ComponentError so the host can tell them from traps.
    noComponentErrorWrapping: false,
    emitTypescriptDeclarations: false,
  });
  const meta: CacheMeta = {
    imports: result.imports,
    exports: result.exports.map(([name]) => name),
    transpileCacheVersion,
  };
  // Build in a sibling temp folder and rename it into place: readers never see half a cache entry.
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const [name, content] of Object.entries(result.files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), content);
    }
    await writeFile(join(staging, 'package.json'), '{ "type": "module" }\n');
    await writeFile(join(staging, META), `${JSON.stringify(meta)}\n`);
    await rename(staging, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process finished the same entry first; theirs is as good as ours.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(staging, { recursive: true, force: true });
    });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return meta;
}

/**
 * Returns the transpiled form of a component, from `cacheDir` when this exact component
 * (by sha256) was transpiled by this jco version before, else transpiling it now.
 */
export async function loadTranspiled(bytes: Uint8Array, cacheDir: string): Promise<TranspiledComponent> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(cacheDir, `${sha256}-${transpileCacheVersion}`);
  const fromCache = existsSync(join(dir, META));
  let meta: CacheMeta;
  if (fromCache) {
    meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as CacheMeta;
  } else {
    await mkdir(cacheDir, { recursive: true });
    meta = await transpileInto(dir, bytes);
  }
  const glue = (await import(pathToFileURL(join(dir, GLUE)).href)) as { instantiate: InstantiateFn };
  const getCoreModule = (path: string): Promise<WebAssembly.Module> => {
    const key = `${sha256}/${path}`;
    let module = compiled.get(key);
    if (!module) {
      module = readFile(join(dir, path)).then((b) => WebAssembly.compile(b));
      module.catch(() => compiled.delete(key));
      compiled.set(key, module);
    }
    return module;
  };
  return {
    sha256,
    imports: meta.imports,
    exports: meta.exports,
    fromCache,
    instantiate: (importObject) => glue.instantiate(getCoreModule, importObject),
  };
}
