/** The function imports and exports of a core module, with their types, read from its text form. */
import * as wasmTools from '@bytecodealliance/jco-transpile/wasm-tools';

/** One function import or export of a core module. */
export interface CoreFunc {
  readonly dir: 'import' | 'export';
  /** Import module; `''` for exports. */
  readonly module: string;
  readonly name: string;
  readonly params: readonly string[];
  readonly results: readonly string[];
}

/** Lists the function imports and exports of `module` (a core wasm binary). */
export async function coreFuncs(module: Uint8Array): Promise<CoreFunc[]> {
  const wat = await wasmTools.print(module);
  const types = new Map<string, { params: string[]; results: string[] }>();
  const funcTypes = new Map<string, string>();
  const exports: { name: string; func: string }[] = [];
  const out: CoreFunc[] = [];
  const sig = (body: string) => ({
    params: [...body.matchAll(/\(param ([^)]*)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
    results: [...body.matchAll(/\(result ([^)]*)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/)),
  });
  for (const line of wat.split('\n')) {
    let m = /^\s*\(type \(;(\d+);\) \(func(.*)\)\)\s*$/.exec(line);
    if (m) {
      types.set(m[1]!, sig(m[2]!));
      continue;
    }
    m = /^\s*\(import "([^"]*)" "([^"]*)" \(func \(;(\d+);\) \(type (\d+)\)\)\)/.exec(line);
    if (m) {
      funcTypes.set(m[3]!, m[4]!);
      out.push({ dir: 'import', module: m[1]!, name: m[2]!, ...types.get(m[4]!)! });
      continue;
    }
    m = /^\s*\(func \(;(\d+);\) \(type (\d+)\)/.exec(line);
    if (m) {
      funcTypes.set(m[1]!, m[2]!);
      continue;
    }
    m = /^\s*\(export "([^"]*)" \(func (\d+)\)\)/.exec(line);
    if (m) exports.push({ name: m[1]!, func: m[2]! });
  }
  for (const e of exports) {
    out.push({ dir: 'export', module: '', name: e.name, ...types.get(funcTypes.get(e.func)!)! });
  }
  return out;
}

/** Sortable one-line renderings, for comparing lists. */
export function renderFuncs(funcs: readonly CoreFunc[]): string[] {
  return funcs
    .map((f) => `${f.dir} ${f.module} ${f.name} (${f.params.join(' ')}) -> (${f.results.join(' ')})`)
    .sort();
}
