/**
 * The core functions a world needs, computed from our model with the canonical ABI's flattening
 * rules. Compared against the oracle's dummy module, this checks every resolved parameter and
 * result type, not just names.
 */
import type { WitFunction, WitInterface, WitType, WitTypeDef, WitWorld } from '../src/index.js';
import type { CoreFunc } from './oracle.js';

const MAX_FLAT_PARAMS = 16;
const MAX_FLAT_RESULTS = 1;

function join(a: string, b: string): string {
  if (a === b) return a;
  if ((a === 'i32' && b === 'f32') || (a === 'f32' && b === 'i32')) return 'i32';
  return 'i64';
}

function flattenVariant(cases: (WitType | undefined)[]): string[] {
  const flat: string[] = [];
  for (const c of cases) {
    if (c === undefined) continue;
    flattenType(c).forEach((t, i) => {
      flat[i] = i < flat.length ? join(flat[i]!, t) : t;
    });
  }
  return ['i32', ...flat];
}

/** Flattens one type to core value types. */
export function flattenType(t: WitType): string[] {
  switch (t.kind) {
    case 'bool':
    case 's8':
    case 'u8':
    case 's16':
    case 'u16':
    case 's32':
    case 'u32':
    case 'char':
    case 'own':
    case 'borrow':
    case 'future':
    case 'stream':
    case 'error-context':
      return ['i32'];
    case 's64':
    case 'u64':
      return ['i64'];
    case 'f32':
      return ['f32'];
    case 'f64':
      return ['f64'];
    case 'string':
      return ['i32', 'i32'];
    case 'list':
      return t.length === undefined
        ? ['i32', 'i32']
        : Array.from({ length: t.length }, () => flattenType(t.element)).flat();
    case 'option':
      return flattenVariant([undefined, t.type]);
    case 'result':
      return flattenVariant([t.ok, t.err]);
    case 'tuple':
      return t.types.flatMap(flattenType);
    case 'ref': {
      const b = t.def.body;
      switch (b.kind) {
        case 'alias':
          return flattenType(b.type);
        case 'record':
          return b.fields.flatMap((f) => flattenType(f.type));
        case 'variant':
          return flattenVariant(b.cases.map((c) => c.type));
        case 'enum':
          return ['i32'];
        case 'flags':
          return Array.from({ length: Math.ceil(b.flags.length / 32) }, () => 'i32');
        case 'resource':
          return ['i32'];
      }
    }
  }
}

function coreSignature(f: WitFunction, dir: 'import' | 'export'): { params: string[]; results: string[] } {
  let params = f.params.flatMap((p) => flattenType(p.type));
  if (params.length > MAX_FLAT_PARAMS) params = ['i32'];
  let results = f.result === undefined ? [] : flattenType(f.result);
  if (results.length > MAX_FLAT_RESULTS) {
    if (dir === 'import') {
      params = [...params, 'i32'];
      results = [];
    } else {
      results = ['i32'];
    }
  }
  return { params, results };
}

/** `1.2.3` → `1`, `0.2.3` → `0.2`, `0.0.3` → `0.0.3`; pre-releases stay whole. */
export function abbreviateVersion(v: string): string {
  if (/[-+]/.test(v)) return v;
  const [major, minor, patch] = v.split('.');
  if (major !== '0') return major!;
  if (minor !== '0') return `0.${minor}`;
  return `0.0.${patch}`;
}

function coreInterfaceName(key: string, iface: WitInterface): string {
  if (iface.id === undefined) return key;
  const at = iface.id.indexOf('@');
  return at === -1 ? iface.id : `${iface.id.slice(0, at)}@${abbreviateVersion(iface.id.slice(at + 1))}`;
}

/** Renders core functions as sortable lines. */
export function renderCore(funcs: readonly CoreFunc[]): string[] {
  return funcs
    .map((f) => `${f.dir} ${f.module} ${f.name} (${f.params.join(' ')}) -> (${f.results.join(' ')})`)
    .sort();
}

/** Whether a core function is an ABI helper rather than a WIT function. */
export function isAbiHelper(f: CoreFunc): boolean {
  return (
    f.module.includes('|_ex_') ||
    f.name.startsWith('[async') ||
    f.name.startsWith('[future') ||
    f.name.startsWith('[stream') ||
    f.name.startsWith('[task') ||
    f.name.startsWith('[waitable') ||
    f.name.startsWith('[context') ||
    f.name.startsWith('[error-context') ||
    f.name.startsWith('[backpressure') ||
    f.name.startsWith('[subtask') ||
    f.name.startsWith('[callback]') ||
    f.name.endsWith('_post') ||
    f.name.endsWith('_dtor') ||
    (f.dir === 'export' && f.module === '' && f.name.startsWith('cm32p2_'))
  );
}

/** The core functions the dummy module for `world` should have, minus ABI helpers. */
export function expectedCore(world: WitWorld): CoreFunc[] {
  const out: CoreFunc[] = [];
  const addIface = (dir: 'import' | 'export', key: string, iface: WitInterface) => {
    const name = coreInterfaceName(key, iface);
    const module = `cm32p2|${name}`;
    // The dummy module lowers and lifts async functions with the sync signatures, so they compare the same way.
    for (const f of iface.functions.values()) {
      out.push({ dir, module, name: f.qualifiedName, ...coreSignature(f, dir) });
    }
    if (dir === 'import') {
      for (const t of iface.types.values()) {
        if (t.body.kind === 'resource')
          out.push({ dir, module, name: `${t.name}_drop`, params: ['i32'], results: [] });
      }
    }
  };
  for (const [key, item] of world.imports) {
    if (item.kind === 'interface') addIface('import', key, item.interface);
    else if (item.kind === 'function') {
      out.push({ dir: 'import', module: 'cm32p2', name: key, ...coreSignature(item.function, 'import') });
    } else if (item.type.body.kind === 'resource') {
      out.push({ dir: 'import', module: 'cm32p2', name: `${key}_drop`, params: ['i32'], results: [] });
    }
  }
  for (const [key, item] of world.exports) {
    if (item.kind === 'interface') addIface('export', key, item.interface);
    else if (item.kind === 'function') {
      out.push({ dir: 'export', module: 'cm32p2|', name: key, ...coreSignature(item.function, 'export') });
    }
  }
  return out;
}

/** Every function of a world, imported or exported, directly or through an interface. */
export function worldFunctions(world: WitWorld): WitFunction[] {
  const out: WitFunction[] = [];
  for (const items of [world.imports, world.exports]) {
    for (const item of items.values()) {
      if (item.kind === 'function') out.push(item.function);
      else if (item.kind === 'interface') out.push(...item.interface.functions.values());
    }
  }
  return out;
}

/** Parameter-name lists of a world's functions, like {@link oracleParamNames} reports them. */
export function paramNameSets(world: WitWorld): Set<string> {
  return new Set(worldFunctions(world).map((f) => f.params.map((p) => p.name).join(',')));
}

/** What components cannot carry although WIT allows it, with the error wasm-tools gives for each. */
export const COMPONENT_LIMITS = {
  'wide flags': /cannot have more than 32 flags/,
  'empty record': /record type must have at least one field/,
  'empty flags': /flags must have at least one/,
  'empty tuple': /tuple type must have at least one type/,
  'zero-length list': /Fixed-length lists must have more than zero elements/,
  'repeated name': /conflicts with previous/,
} as const;

/** The {@link COMPONENT_LIMITS} a world runs into, looking at every type it carries. */
export function componentLimits(world: WitWorld): Set<keyof typeof COMPONENT_LIMITS> {
  const found = new Set<keyof typeof COMPONENT_LIMITS>();
  const seen = new Set<WitTypeDef>();
  const repeated = (names: readonly { name: string }[]) =>
    new Set(names.map((n) => n.name)).size !== names.length;
  const visitDef = (def: WitTypeDef) => {
    if (seen.has(def)) return;
    seen.add(def);
    const b = def.body;
    switch (b.kind) {
      case 'flags':
        if (b.flags.length > 32) found.add('wide flags');
        if (b.flags.length === 0) found.add('empty flags');
        if (repeated(b.flags)) found.add('repeated name');
        break;
      case 'record':
        if (b.fields.length === 0) found.add('empty record');
        if (repeated(b.fields)) found.add('repeated name');
        for (const f of b.fields) visit(f.type);
        break;
      case 'variant':
        if (repeated(b.cases)) found.add('repeated name');
        for (const c of b.cases) if (c.type !== undefined) visit(c.type);
        break;
      case 'enum':
        if (repeated(b.cases)) found.add('repeated name');
        break;
      case 'alias':
        visit(b.type);
        break;
      case 'resource':
        for (const f of b.functions) visitFn(f);
        break;
    }
  };
  const visit = (t: WitType): void => {
    switch (t.kind) {
      case 'list':
        if (t.length === 0) found.add('zero-length list');
        visit(t.element);
        break;
      case 'option':
        visit(t.type);
        break;
      case 'result':
        if (t.ok !== undefined) visit(t.ok);
        if (t.err !== undefined) visit(t.err);
        break;
      case 'tuple':
        if (t.types.length === 0) found.add('empty tuple');
        for (const x of t.types) visit(x);
        break;
      case 'future':
      case 'stream':
        if (t.type !== undefined) visit(t.type);
        break;
      case 'ref':
        visitDef(t.def);
        break;
      default:
        break;
    }
  };
  const visitFn = (f: WitFunction) => {
    for (const p of f.params) visit(p.type);
    if (f.result !== undefined) visit(f.result);
  };
  for (const items of [world.imports, world.exports]) {
    for (const item of items.values()) {
      if (item.kind === 'function') visitFn(item.function);
      else if (item.kind === 'type') visitDef(item.type);
      else {
        for (const def of item.interface.types.values()) visitDef(def);
        for (const f of item.interface.functions.values()) visitFn(f);
      }
    }
  }
  return found;
}
