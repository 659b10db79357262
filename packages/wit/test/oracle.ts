/**
 * The reference implementation (wasm-tools' wit-parser, as bundled in jco-transpile) driven
 * through its JS API, for conformance tests.
 */
import * as wasmTools from '@bytecodealliance/jco-transpile/wasm-tools';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

/** A world's imported and exported interface ids as the oracle reports them. */
export interface OracleWorld {
  imports: string[];
  exports: string[];
}

/** Outcome of asking the oracle to resolve a path. */
export type OracleVerdict = { ok: true } | { ok: false; message: string };

const PROBE_WORLD = 'oracle-probe-world-that-does-not-exist';

let preopened: string | undefined;

/**
 * The shim's WASI filesystem starts without preopens, so every path-based call fails with
 * "os error 44" until a directory is made visible; make `root` (and everything below it) visible.
 */
export function preopen(...roots: string[]): void {
  const key = roots.join('\0');
  if (preopened === key) return;
  // The shim's type says FileDataEntry, but its Node implementation takes host paths.
  _setPreopens(Object.fromEntries(roots.map((r) => [r, r])) as unknown as Parameters<typeof _setPreopens>[0]);
  preopened = key;
}

function versionText(v: {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre?: string;
  build?: string;
}): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre ? `-${v.pre}` : ''}${v.build ? `+${v.build}` : ''}`;
}

function interfaceId(m: {
  namespace: string;
  package: string;
  interface: string;
  version?: { major: bigint; minor: bigint; patch: bigint; pre?: string; build?: string };
}): string {
  return `${m.namespace}:${m.package}/${m.interface}${m.version ? `@${versionText(m.version)}` : ''}`;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Thrown when wasm-tools panics instead of answering. A panic traps the component instance, and
 * every later call in the same module instance fails with "cannot enter component instance", so a
 * trap must never count as a rejection.
 */
export class OracleCrash extends Error {
  constructor(message: string) {
    super(`wasm-tools crashed: ${message}`);
    this.name = 'OracleCrash';
  }
}

function rejection(e: unknown, probe: boolean): OracleVerdict {
  const message = messageOf(e);
  if (message.startsWith('wasm trap')) throw new OracleCrash(message);
  if (probe && message.includes(`World \`${PROBE_WORLD}\` not found`)) return { ok: true };
  return { ok: false, message };
}

/**
 * Whether the oracle resolves the package at `path`. It resolves everything before it looks up a
 * world, so asking for a world that does not exist tells acceptance apart from rejection.
 */
export async function oracleVerdict(path: string): Promise<OracleVerdict> {
  try {
    await wasmTools.componentWitMetadataForWorld({ tag: 'path', val: path }, PROBE_WORLD);
    return { ok: true };
  } catch (e) {
    return rejection(e, true);
  }
}

/**
 * The interface ids a world imports and exports, per the oracle. Undefined when the oracle cannot
 * report it: its metadata call fails on worlds with inline interfaces (`import x: interface {}`)
 * with "missing iface name for world key".
 */
export async function oracleWorld(path: string, world: string): Promise<OracleWorld | undefined> {
  try {
    const m = await wasmTools.componentWitMetadataForWorld({ tag: 'path', val: path }, world);
    return { imports: m.imports.map(interfaceId), exports: m.exports.map(interfaceId) };
  } catch (e) {
    if (messageOf(e).includes('missing iface name for world key')) return undefined;
    throw e;
  }
}

/** One core import or export of the dummy module the oracle builds for a world. */
export interface CoreFunc {
  /** `import` or `export`. */
  dir: 'import' | 'export';
  /** Import module or export-name prefix, e.g. `cm32p2|a:b/x@0.1`. */
  module: string;
  name: string;
  params: string[];
  results: string[];
}

/**
 * Embeds a dummy core module for `world` and lists its functions with core signatures. The names
 * follow the component model's core-name mangling, so they reveal every function the oracle
 * resolved, and the signatures reveal the flattened parameter and result types.
 */
export async function oracleCoreFuncs(
  path: string,
  world: string,
  features?: readonly string[] | 'all',
): Promise<CoreFunc[]> {
  const bytes = await wasmTools.componentEmbed({
    dummy: true,
    witPath: path,
    world,
    ...(features === 'all'
      ? { features: { tag: 'all' as const } }
      : features === undefined
        ? {}
        : { features: { tag: 'list' as const, val: [...features] } }),
  });
  return parseCoreFuncs(await wasmTools.print(bytes));
}

function parseCoreFuncs(wat: string): CoreFunc[] {
  const types = new Map<string, { params: string[]; results: string[] }>();
  const funcTypes = new Map<string, string>();
  const out: CoreFunc[] = [];
  const sig = (body: string) => ({
    params: [...body.matchAll(/\(param ([^)]*)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
    results: [...body.matchAll(/\(result ([^)]*)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
  });
  const exportsRaw: { name: string; func: string }[] = [];
  for (const line of wat.split('\n')) {
    let m = /^\s*\(type \(;(\d+);\) \(func(.*)\)\)\s*$/.exec(line);
    if (m) {
      types.set(m[1]!, sig(m[2]!));
      continue;
    }
    m = /^\s*\(import "([^"]*)" "([^"]*)" \(func \(;(\d+);\) \(type (\d+)\)\)\)/.exec(line);
    if (m) {
      funcTypes.set(m[3]!, m[4]!);
      const t = types.get(m[4]!)!;
      out.push({ dir: 'import', module: m[1]!, name: m[2]!, ...t });
      continue;
    }
    m = /^\s*\(func \(;(\d+);\) \(type (\d+)\)/.exec(line);
    if (m) {
      funcTypes.set(m[1]!, m[2]!);
      continue;
    }
    m = /^\s*\(export "([^"]*)" \(func (\d+)\)\)/.exec(line);
    if (m) exportsRaw.push({ name: m[1]!, func: m[2]! });
  }
  for (const e of exportsRaw) {
    const t = types.get(funcTypes.get(e.func)!)!;
    const cut = e.name.lastIndexOf('|');
    out.push({
      dir: 'export',
      module: cut === -1 ? '' : e.name.slice(0, cut),
      name: e.name.slice(cut + 1),
      ...t,
    });
  }
  return out;
}

/** Whether the oracle resolves one WIT file given as text; see {@link oracleVerdict}. */
export async function oracleVerdictSource(text: string): Promise<OracleVerdict> {
  try {
    await wasmTools.componentWitMetadataForWorld({ tag: 'source', val: text }, PROBE_WORLD);
    return { ok: true };
  } catch (e) {
    return rejection(e, true);
  }
}

/** {@link oracleWorld} for one WIT file given as text. */
export async function oracleWorldSource(text: string, world: string): Promise<OracleWorld> {
  const m = await wasmTools.componentWitMetadataForWorld({ tag: 'source', val: text }, world);
  return { imports: m.imports.map(interfaceId), exports: m.exports.map(interfaceId) };
}

/** {@link oracleCoreFuncs} for one WIT file given as text. */
export async function oracleCoreFuncsSource(text: string, world: string): Promise<CoreFunc[]> {
  const bytes = await wasmTools.componentEmbed({ dummy: true, witSource: text, world });
  return parseCoreFuncs(await wasmTools.print(bytes));
}

/**
 * The parameter-name lists of every function type in the component wasm-tools builds for
 * `world` from a dummy module, as `a,b,c` strings (a set: equal types are shared). Component
 * creation rejects what embedding allows, such as flags with more than 32 members; then this
 * returns the error message instead.
 */
export async function oracleParamNames(
  spec: { path: string } | { source: string },
  world: string,
): Promise<Set<string> | { error: string }> {
  const bytes = await wasmTools.componentEmbed({
    dummy: true,
    world,
    ...('path' in spec ? { witPath: spec.path } : { witSource: spec.source }),
  });
  let component: Uint8Array;
  try {
    component = await wasmTools.componentNew(bytes);
  } catch (e) {
    const message = messageOf(e);
    if (message.startsWith('wasm trap')) throw new OracleCrash(message);
    return { error: message };
  }
  const wat = await wasmTools.print(component);
  const out = new Set<string>();
  // Component-level function types name their parameters; skip the core modules inside, whose
  // `(func)` types would otherwise look like parameterless component functions.
  let coreModuleIndent: string | undefined;
  for (const line of wat.split('\n')) {
    if (coreModuleIndent !== undefined) {
      if (line === `${coreModuleIndent})`) coreModuleIndent = undefined;
      continue;
    }
    const core = /^(\s*)\(core module/.exec(line);
    if (core) {
      if (!line.trimEnd().endsWith(')') || line.split('(').length !== line.split(')').length)
        coreModuleIndent = core[1]!;
      continue;
    }
    if (!/^\s*\(type \(;\d+;\) \(func\b/.test(line)) continue;
    out.add([...line.matchAll(/\(param "([^"]+)"/g)].map((p) => p[1]!).join(','));
  }
  return out;
}
