import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capMemories, definedMemories, splitMemoryBudget } from '@witkit/security';
import { describeComponentWorld, isMalformedComponent, type WorldShape } from '@witkit/wit';
import { LRUCache } from 'lru-cache';
import { bindFastExports, type FastExportPlan, planFastExports } from './fast-path.js';
import { transpiler } from './transpiler.js';

/** The `instantiate` function of jco's glue in sync instantiation mode. */
type InstantiateFn = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown>;

/** One instance of a component: jco's exports, and the lean functions for the exports that have one. */
export interface ComponentInstance {
  readonly exports: Record<string, unknown>;
  /** Bytes its linear memories take now, all core modules together. */
  memoryBytes(): number;
  /** Lean functions by jco's interface key (`''` for world functions) and function name. */
  readonly fast: ReadonlyMap<string, ReadonlyMap<string, (...args: unknown[]) => unknown>>;
}

/**
 * A component ready to instantiate: its glue imported and its core modules compiled, shared by
 * every instance in this process. Instantiation is synchronous, so a pool can add an instance
 * without awaiting.
 */
export interface CompiledComponent {
  /** Hex sha256 of the component bytes. */
  readonly sha256: string;
  /** Interfaces the component imports, as jco names them (unversioned). */
  readonly imports: readonly string[];
  /** Names of the component's exports: versioned interface ids, their short JS names, functions. */
  readonly exports: readonly string[];
  /** Whether the glue came from the disk cache rather than a fresh transpile. */
  readonly fromDiskCache: boolean;
  /** Exports served by the lean path instead of jco's glue. */
  readonly fastExports: readonly FastExportPlan[];
  /** The cap on all linear memories of an instance together, when one was set. */
  readonly memoryLimitBytes: number | undefined;
  /**
   * What it imports and exports with every function's types, read from its binary; absent for
   * a component whose type information this reader does not understand.
   */
  readonly shape: WorldShape | undefined;
  /** What it is made of, for instantiating it in a worker thread. */
  readonly parts: CompiledParts;
  /** Creates a fresh instance with `imports`. */
  instantiate(imports: Record<string, unknown>): ComponentInstance;
}

/** Options of {@link ComponentCache}. */
export interface ComponentCacheOptions {
  /** Folder for transpiled glue. @default {@link defaultCacheDir} */
  readonly cacheDir?: string;
  /**
   * How many compiled components to keep in memory; the least recently used go first.
   * Instances already created keep working: they hold their own references.
   * @default 64
   */
  readonly maxInMemory?: number;
}

interface CacheMeta {
  readonly imports: string[];
  readonly exports: string[];
  readonly cacheVersion: string;
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
 * Part of every disk cache key: the transpiler's version (new glue for a new jco) and the
 * version of this cache's own layout.
 */
export const transpileCacheVersion = `jco-transpile@${jcoTranspileVersion()}+witkit.2`;

/** Default cache folder: `$XDG_CACHE_HOME/witkit/transpiled`, else `~/.cache/witkit/transpiled`. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'witkit', 'transpiled');
}

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function transpileInto(dir: string, bytes: Uint8Array): Promise<CacheMeta> {
  // In a worker thread: transpiling takes long enough to stall every call this thread serves.
  const result = await transpiler.transpile(bytes);
  const meta: CacheMeta = {
    imports: [...result.imports],
    exports: [...result.exports],
    cacheVersion: transpileCacheVersion,
  };
  // Build in a sibling temp folder and rename it into place: readers never see half an entry.
  const staging = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const [name, content] of result.files) {
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

async function compile(
  bytes: Uint8Array,
  sha256: string,
  cacheDir: string,
  memoryLimitBytes: number | undefined,
): Promise<CompiledComponent> {
  const dir = join(cacheDir, `${sha256}-${transpileCacheVersion}`);
  const fromDiskCache = existsSync(join(dir, META));
  let meta: CacheMeta;
  if (fromDiskCache) {
    meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as CacheMeta;
  } else {
    await mkdir(cacheDir, { recursive: true });
    meta = await transpileInto(dir, bytes);
  }
  // Compile every core module up front, so instantiation never waits.
  const names = (await readdir(dir)).filter((f) => f.endsWith('.wasm'));
  const raw = await Promise.all(names.map((name) => readFile(join(dir, name))));
  // The engine enforces the memory limit: each module's memories get a declared maximum,
  // and the maxima of all modules together stay within the limit.
  const caps =
    memoryLimitBytes === undefined
      ? undefined
      : splitMemoryBudget(
          raw.map((b) => definedMemories(b)),
          memoryLimitBytes,
        );
  const modules = await Promise.all(
    names.map(
      async (name, i) =>
        [
          name,
          await WebAssembly.compile(
            (caps ? capMemories(raw[i]!, caps[i]!) : raw[i]!) as Uint8Array<ArrayBuffer>,
          ),
        ] as const,
    ),
  );
  return assembleCompiled({
    sha256,
    glueUrl: pathToFileURL(join(dir, GLUE)).href,
    modules,
    imports: meta.imports,
    exports: meta.exports,
    fastExports: planFastExports(bytes),
    memoryLimitBytes,
    fromDiskCache,
    shape: readShape(bytes),
  });
}

/** The component's types, or `undefined` when they use something the reader does not know. */
function readShape(bytes: Uint8Array): WorldShape | undefined {
  try {
    return describeComponentWorld(bytes);
  } catch (error) {
    if (isMalformedComponent(error)) return undefined;
    throw error;
  }
}

/**
 * Everything a compiled component is made of, in a form `postMessage` can carry to a worker
 * thread (compiled `WebAssembly.Module`s clone within a process without recompiling).
 */
export interface CompiledParts {
  readonly sha256: string;
  /** The transpiled glue module, by file URL. */
  readonly glueUrl: string;
  /** Compiled core modules by the file name the glue asks for. */
  readonly modules: ReadonlyArray<readonly [string, WebAssembly.Module]>;
  readonly imports: readonly string[];
  readonly exports: readonly string[];
  readonly fastExports: readonly FastExportPlan[];
  readonly memoryLimitBytes: number | undefined;
  readonly fromDiskCache: boolean;
  readonly shape: WorldShape | undefined;
}

/** Rebuilds a {@link CompiledComponent} from its parts (here, or in a worker thread). */
export async function assembleCompiled(parts: CompiledParts): Promise<CompiledComponent> {
  const glue = (await import(parts.glueUrl)) as { instantiate: InstantiateFn };
  const modules = new Map(parts.modules);
  const getCoreModule = (path: string): WebAssembly.Module => {
    const module = modules.get(path);
    if (!module) throw new Error(`transpiled glue asked for unknown core module \`${path}\``);
    return module;
  };
  const { fastExports } = parts;
  return {
    sha256: parts.sha256,
    imports: parts.imports,
    exports: parts.exports,
    fromDiskCache: parts.fromDiskCache,
    fastExports,
    memoryLimitBytes: parts.memoryLimitBytes,
    shape: parts.shape,
    parts,
    instantiate: (imports) => {
      const cores: WebAssembly.Instance[] = [];
      const exports = glue.instantiate(getCoreModule, imports, (module, coreImports) => {
        const instance = new WebAssembly.Instance(module, coreImports);
        cores.push(instance);
        return instance;
      });
      const memories = cores.flatMap((c) =>
        Object.values(c.exports).filter((e): e is WebAssembly.Memory => e instanceof WebAssembly.Memory),
      );
      return {
        exports,
        fast: fastExports.length > 0 ? bindFastExports(fastExports, cores) : new Map(),
        memoryBytes: () => [...new Set(memories)].reduce((n, m) => n + m.buffer.byteLength, 0),
      };
    },
  };
}

/**
 * Turns component bytes into {@link CompiledComponent}s: transpiled glue cached on disk by
 * sha256 and jco version, compiled core modules shared in memory under a bounded LRU.
 */
export class ComponentCache {
  readonly #cacheDir: string;
  readonly #memory: LRUCache<string, Promise<CompiledComponent>>;

  constructor(options: ComponentCacheOptions = {}) {
    this.#cacheDir = options.cacheDir ?? defaultCacheDir();
    this.#memory = new LRUCache({ max: options.maxInMemory ?? 64 });
  }

  /** Folder holding the transpiled glue. */
  get cacheDir(): string {
    return this.#cacheDir;
  }

  /** How many compiled components are held in memory. */
  get size(): number {
    return this.#memory.size;
  }

  /** Whether the component with this sha256 (and memory limit) is compiled in memory, or being compiled. */
  has(sha256: string, memoryLimitBytes?: number): boolean {
    return this.#memory.has(memoryLimitBytes === undefined ? sha256 : `${sha256}:${memoryLimitBytes}`);
  }

  /**
   * The compiled form of `bytes`, from memory, from disk, or freshly transpiled and compiled.
   * With `memoryLimitBytes`, every instance's linear memories together are capped at it.
   */
  get(bytes: Uint8Array, sha256 = sha256Hex(bytes), memoryLimitBytes?: number): Promise<CompiledComponent> {
    const key = memoryLimitBytes === undefined ? sha256 : `${sha256}:${memoryLimitBytes}`;
    let entry = this.#memory.get(key);
    if (!entry) {
      entry = compile(bytes, sha256, this.#cacheDir, memoryLimitBytes);
      // A failed compile must not stay cached: the next call tries again.
      entry.catch(() => this.#memory.delete(key));
      this.#memory.set(key, entry);
    }
    return entry;
  }
}
