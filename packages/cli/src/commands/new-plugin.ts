/**
 * `witkit new plugin <name> --lang ts|rust --world <w> [--dir <dir>]`: scaffolds a plugin that
 * builds, loads and passes its generated test right away. The stubs are typed and derived from
 * the world's WIT: every exported function returns a zero value of its result type.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
// The generator's own naming, so the stubs name exactly what the bindings define.
import {
  rustCamelName as camel,
  RustBindingsLayout,
  rustTypeName,
  rustSnakeName as snake,
} from '@witkit/bindgen-rust';
import { isProvidedInterface, jsTypedArrays, worldBindingName } from '@witkit/bindgen-ts';
import { jsExportName } from '@witkit/build';
import {
  resolveWitPath,
  selectWorld,
  unaliasTypeDef,
  type WitFunction,
  type WitInterface,
  type WitParam,
  type WitResolve,
  type WitType,
  type WitTypeDef,
  type WitWorld,
} from '@witkit/wit';
import { witDir as contractsWitDir } from '@witkit/wit-types';
import type { CommandIo } from './wit-resolve.js';

/** This package's version: from `src/commands/` in tests, from a `dist/` chunk when bundled. */
export const cliVersion = ((): string => {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === '@witkit/cli' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not this layout.
    }
  }
  return '0.1.0';
})();

/** The languages {@link runNewPlugin} scaffolds. */
export type ScaffoldLang = 'ts' | 'rust';

/** The codes of {@link ScaffoldError}. */
export type ScaffoldErrorCode =
  | 'WITKIT_SCAFFOLD_EXISTS'
  | 'WITKIT_SCAFFOLD_UNKNOWN_WORLD'
  | 'WITKIT_SCAFFOLD_BAD_NAME'
  | 'WITKIT_SCAFFOLD_BAD_LANG'
  | 'WITKIT_SCAFFOLD_UNSUPPORTED';

const BRAND = Symbol.for('witkit.ScaffoldError');

/** A scaffolding failure the user can fix; `code` is stable, the message says what to do. */
export class ScaffoldError extends Error {
  readonly code: ScaffoldErrorCode;
  readonly [BRAND] = true;
  constructor(code: ScaffoldErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScaffoldError';
    this.code = code;
  }
}

/** Whether `e` is a {@link ScaffoldError}, from any copy of this package. */
export function isScaffoldError(e: unknown): e is ScaffoldError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Options of {@link runNewPlugin}. */
export interface NewPluginOptions {
  readonly lang: ScaffoldLang;
  /** A world of the witkit contracts, e.g. `processor-plugin`. */
  readonly world: string;
  /**
   * The folder to create (must not exist, or be empty).
   * @default `plugins-js/<name>` or `plugins-rust/<name>` under the monorepo root (or the current folder)
   */
  readonly dir?: string | undefined;
  /** Where relative paths start. @default process.cwd() */
  readonly cwd?: string | undefined;
  /** The WIT folder the world comes from. @default the contracts of `@witkit/wit-types` */
  readonly witDir?: string | undefined;
  /**
   * A WIT folder or file of your own (relative to `cwd`): the world comes from there, the plugin's
   * manifest names it by a path relative to the plugin, and its build generates the guest types
   * and host bindings from it. Worlds exporting resources are stubbed too.
   */
  readonly wit?: string | undefined;
}

/** What {@link runNewPlugin} created. */
export interface NewPluginResult {
  readonly dir: string;
  /** Paths relative to `dir`, sorted. */
  readonly files: readonly string[];
  /** Lines printed after the file list: next steps, workspace notes. */
  readonly notes: readonly string[];
}

export const NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

// ---- names ---------------------------------------------------------------------------------

/** `plugin-metadata` → `pluginMetadata`: JS functions and fields, as jco names them. */
function jsName(name: string): string {
  return name.replace(/^%/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** {@link jsName}, for the other scaffolders. */
export const jsCamel = jsName;

// ---- the world -----------------------------------------------------------------------------

/** One exported function, with where it lives. */
interface ExportedFunction {
  /** The world's export key, or undefined for a function the world exports itself. */
  readonly iface?: WitInterface;
  readonly key: string;
  readonly fn: WitFunction;
}

function unsupported(what: string, world: WitWorld): ScaffoldError {
  return new ScaffoldError(
    'WITKIT_SCAFFOLD_UNSUPPORTED',
    `world \`${world.name}\` exports ${what}, which the scaffolder cannot stub yet; scaffold a world without it, or write that export by hand`,
  );
}

function exportedFunctions(world: WitWorld): ExportedFunction[] {
  const out: ExportedFunction[] = [];
  for (const [key, item] of world.exports) {
    if (item.kind === 'function') out.push({ key, fn: item.function });
    else if (item.kind === 'interface') {
      for (const fn of item.interface.functions.values())
        if (fn.kind === 'freestanding') out.push({ iface: item.interface, key, fn });
    }
  }
  return out;
}

/** A resource an exported interface defines: the plugin implements it, the host constructs it. */
export interface ExportedResource {
  readonly iface: WitInterface;
  /** The world's export key of the interface. */
  readonly key: string;
  readonly def: WitTypeDef;
  readonly ctor: WitFunction | undefined;
  readonly methods: readonly WitFunction[];
  readonly statics: readonly WitFunction[];
}

/** Every resource of the world's exported interfaces, in source order. */
export function exportedResources(world: WitWorld): ExportedResource[] {
  const out: ExportedResource[] = [];
  for (const [key, item] of world.exports) {
    if (item.kind !== 'interface') continue;
    for (const def of item.interface.types.values()) {
      if (def.body.kind !== 'resource') continue;
      const fns = def.body.functions;
      out.push({
        iface: item.interface,
        key,
        def,
        ctor: fns.find((f) => f.kind === 'constructor'),
        methods: fns.filter((f) => f.kind === 'method'),
        statics: fns.filter((f) => f.kind === 'static'),
      });
    }
  }
  return out;
}

/** `notebook` → `Notebook`: resources and types, as jco names them. */
export function pascalName(name: string): string {
  return jsName(`-${name}`);
}

/** The exported resource `def` names, or a typed refusal for resources of imported interfaces. */
function exportedResourceOf(def: WitTypeDef, world: WitWorld): ExportedResource {
  const real = unaliasTypeDef(def);
  const found = exportedResources(world).find((r) => r.def === real);
  if (found === undefined)
    throw unsupported(
      `a function taking or returning resource \`${real.name}\` of an interface it imports`,
      world,
    );
  return found;
}

/** Loads the world, or throws `WITKIT_SCAFFOLD_UNKNOWN_WORLD` listing the worlds there are. */
export async function loadScaffoldWorld(world: string, witDir = contractsWitDir): Promise<WitWorld> {
  const resolved: WitResolve = await resolveWitPath(witDir);
  const names = [...resolved.root.worlds.keys()];
  if (!resolved.root.worlds.has(world) && !names.some((n) => resolved.root.worlds.get(n)!.id === world)) {
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_UNKNOWN_WORLD',
      `unknown world \`${world}\`; expected one of ${names.map((n) => `\`${n}\``).join(', ')}`,
    );
  }
  return selectWorld(resolved, world);
}

// ---- TypeScript values ---------------------------------------------------------------------

function unaliasType(t: WitType): WitType {
  let cur = t;
  while (cur.kind === 'ref' && cur.def.body.kind === 'alias') cur = cur.def.body.type;
  return cur;
}

/** A TS value as a tree, so long ones can be printed the way the repo's formatter (biome) lays them out. */
export type TsNode =
  | string
  | { readonly obj: readonly (readonly [string, TsNode])[] }
  | { readonly arr: readonly TsNode[] };

/** The formatter's line width (biome.json). */
const LINE_WIDTH = 110;

export function flat(n: TsNode): string {
  if (typeof n === 'string') return n;
  if ('arr' in n) return `[${n.arr.map(flat).join(', ')}]`;
  return n.obj.length === 0 ? '{}' : `{ ${n.obj.map(([k, v]) => `${k}: ${flat(v)}`).join(', ')} }`;
}

/**
 * `n` printed at `indent`, `before` columns into its line with `after` more characters after it:
 * on one line when it fits, else objects and arrays one entry per line, with trailing commas.
 */
function printTs(n: TsNode, indent: string, before: number, after: number): string {
  const f = flat(n);
  if (typeof n === 'string' || before + f.length + after <= LINE_WIDTH) return f;
  const inner = `${indent}  `;
  if ('arr' in n)
    return `[\n${n.arr.map((v) => `${inner}${printTs(v, inner, inner.length, 1)},`).join('\n')}\n${indent}]`;
  return `{\n${n.obj
    .map(([k, v]) => `${inner}${k}: ${printTs(v, inner, inner.length + k.length + 2, 1)},`)
    .join('\n')}\n${indent}}`;
}

/** `prefix(args)suffix` at `indent`: arguments on one line, a lone object hugged, or one per line. */
export function printCall(indent: string, prefix: string, args: readonly TsNode[], suffix: string): string[] {
  const one = `${indent}${prefix}(${args.map(flat).join(', ')})${suffix}`;
  if (one.length <= LINE_WIDTH) return [one];
  if (args.length === 1 && typeof args[0] !== 'string')
    return [`${indent}${prefix}(${printTs(args[0]!, indent, LINE_WIDTH, 0)})${suffix}`];
  const inner = `${indent}  `;
  return [
    `${indent}${prefix}(`,
    ...args.map((a) => `${inner}${printTs(a, inner, inner.length, 1)},`),
    `${indent})${suffix}`,
  ];
}

/** How a stub spells a value of an exported resource: constructs one (guest or host side). */
export type ResourceValue = (def: WitTypeDef) => TsNode;

/**
 * The zero value of `t` as jco represents it. `side: 'guest'` is what a stub returns; `'host'`
 * what the host sees when it comes back (flags spelled out as `false`).
 */
export function tsValue(t: WitType, side: 'guest' | 'host', world: WitWorld, res?: ResourceValue): TsNode {
  const u = unaliasType(t);
  const sub = (x: WitType) => tsValue(x, side, world, res);
  const resource = (def: WitTypeDef): TsNode => {
    if (res === undefined) throw unsupported(`resource \`${def.name}\``, world);
    return res(unaliasTypeDef(def));
  };
  switch (u.kind) {
    case 'bool':
      return 'false';
    case 'u64':
    case 's64':
      return '0n';
    case 'u8':
    case 's8':
    case 'u16':
    case 's16':
    case 'u32':
    case 's32':
    case 'f32':
    case 'f64':
      return '0';
    case 'char':
      return "'\\0'";
    case 'string':
      return "''";
    case 'list': {
      if (u.length !== undefined) throw unsupported('a fixed-length list', world);
      const typed = jsTypedArrays[unaliasType(u.element).kind];
      return typed === undefined ? '[]' : `new ${typed}()`;
    }
    case 'option':
      return 'undefined';
    case 'result':
      return {
        obj: [
          ['tag', "'ok'"],
          ['val', u.ok === undefined ? 'undefined' : sub(u.ok)],
        ],
      };
    case 'tuple':
      return { arr: u.types.map(sub) };
    case 'ref': {
      const b = u.def.body;
      switch (b.kind) {
        case 'record':
          // Optional fields stay out: with exactOptionalPropertyTypes, `x: undefined` does not type.
          return {
            obj: b.fields
              .filter((f) => unaliasType(f.type).kind !== 'option')
              .map((f) => [jsName(f.name), sub(f.type)] as const),
          };
        case 'variant': {
          const c = b.cases[0]!;
          return {
            obj:
              c.type === undefined
                ? [['tag', `'${c.name}'`]]
                : [
                    ['tag', `'${c.name}'`],
                    ['val', sub(c.type)],
                  ],
          };
        }
        case 'enum':
          return `'${b.cases[0]!.name}'`;
        case 'flags':
          return { obj: side === 'guest' ? [] : b.flags.map((f) => [jsName(f.name), 'false'] as const) };
        default:
          return resource(u.def);
      }
    }
    case 'own':
    case 'borrow':
      return resource(u.resource);
    default:
      throw unsupported(`a value of type \`${u.kind}\``, world);
  }
}

/** What a guest function returns in TS: a result's ok value (errors are thrown), else the value. */
export function tsReturn(
  f: WitFunction,
  side: 'guest' | 'host',
  world: WitWorld,
  res?: ResourceValue,
): TsNode | undefined {
  if (f.result === undefined) return undefined;
  const u = unaliasType(f.result);
  if (u.kind === 'result') return u.ok === undefined ? undefined : tsValue(u.ok, side, world, res);
  return tsValue(f.result, side, world, res);
}

/** A function body returning the stub value: `{}` or `{ return value; }` lines. */
export function tsBody(head: string, ret: TsNode | undefined, indent: string, close: string): string[] {
  if (ret === undefined) return [`${indent}${head} {}${close}`];
  const at = `${indent}  `;
  return [
    `${indent}${head} {`,
    `${at}return ${printTs(ret, at, at.length + 'return '.length, 1)};`,
    `${indent}}${close}`,
  ];
}

function tsMethod(f: WitFunction, world: WitWorld, indent: string, res?: ResourceValue): string[] {
  const params = f.params.map((p) => `_${jsName(p.name)}`).join(', ');
  return [
    ...tsDocs(f.docs, indent),
    ...tsBody(`${jsName(f.name)}(${params})`, tsReturn(f, 'guest', world, res), indent, ','),
  ];
}

/** A one-line TSDoc of `docs` at `indent`, or nothing. */
export function tsDocs(docs: string | undefined, indent: string): string[] {
  return docs === undefined || docs.trim() === ''
    ? []
    : [
        `${indent}/** ${docs
          .trim()
          .replace(/\s*\n\s*/g, ' ')
          .replace(/\*\//g, '*\\/')} */`,
      ];
}

/** Where the guest types and host bindings of a world of the user's own WIT are generated. */
export interface OwnWitLayout {
  /** The module `src/index.ts` imports `Exports` from, e.g. `./generated/guest/w/index.js`. */
  readonly guestTypes: string;
  /** The module the test imports the host bindings from, e.g. `../src/generated/w.js`. */
  readonly hostBindings: string;
}

/**
 * Guest-side TypeScript types of WIT types, as jco's guest declarations name them: named types
 * are imported (type-only) from the module of the interface that defines them, resources are the
 * stub's own classes.
 */
class GuestTypes {
  /** Module id → WIT-side name → local name. */
  readonly imports = new Map<string, Map<string, string>>();
  readonly #taken: Set<string>;
  readonly world: WitWorld;
  readonly classOf: (r: ExportedResource) => string;

  constructor(world: WitWorld, classOf: (r: ExportedResource) => string, taken: Iterable<string>) {
    this.world = world;
    this.classOf = classOf;
    this.#taken = new Set(taken);
  }

  #named(def: WitTypeDef): string {
    const owner = def.owner;
    const module = owner.kind === 'world' ? owner.id : owner.id;
    if (module === undefined)
      throw unsupported(`type \`${def.name}\` of an inline interface in its function signatures`, this.world);
    const p = pascalName(def.name);
    let names = this.imports.get(module);
    if (names === undefined) {
      names = new Map();
      this.imports.set(module, names);
    }
    const known = names.get(p);
    if (known !== undefined) return known;
    let local = p;
    const prefix = owner.kind === 'world' ? owner.name : (owner.name ?? '');
    if (this.#taken.has(local)) local = `${pascalName(prefix)}${p}`;
    for (let i = 2; this.#taken.has(local); i++) local = `${pascalName(prefix)}${p}${i}`;
    this.#taken.add(local);
    names.set(p, local);
    return local;
  }

  type(t: WitType): string {
    const u = unaliasType(t);
    switch (u.kind) {
      case 'bool':
        return 'boolean';
      case 'u64':
      case 's64':
        return 'bigint';
      case 'char':
      case 'string':
        return 'string';
      case 'list': {
        if (u.length !== undefined) throw unsupported('a fixed-length list', this.world);
        const typed = jsTypedArrays[unaliasType(u.element).kind];
        if (typed !== undefined) return typed;
        const inner = this.type(u.element);
        return /^[\w.]+$/.test(inner) ? `${inner}[]` : `Array<${inner}>`;
      }
      case 'option': {
        const inner = unaliasType(u.type);
        return inner.kind === 'option'
          ? `{ tag: 'none' } | { tag: 'some'; val: ${this.type(inner)} }`
          : `${this.type(u.type)} | undefined`;
      }
      case 'result':
        return `{ tag: 'ok'; val: ${u.ok ? this.type(u.ok) : 'undefined'} } | { tag: 'err'; val: ${u.err ? this.type(u.err) : 'undefined'} }`;
      case 'tuple':
        return `[${u.types.map((x) => this.type(x)).join(', ')}]`;
      case 'own':
      case 'borrow':
        return this.classOf(exportedResourceOf(u.resource, this.world));
      case 'ref': {
        const def = unaliasTypeDef(u.def);
        if (def.body.kind === 'resource') return this.classOf(exportedResourceOf(def, this.world));
        return this.#named(def);
      }
      default:
        if (/^([us](8|16|32)|f32|f64)$/.test(u.kind)) return 'number';
        throw unsupported(`a value of type \`${u.kind}\``, this.world);
    }
  }

  /** What a guest function returns: a result's ok type (errors are thrown). */
  returns(f: WitFunction): string {
    if (f.result === undefined) return 'void';
    const u = unaliasType(f.result);
    if (u.kind === 'result') return u.ok === undefined ? 'void' : this.type(u.ok);
    return this.type(f.result);
  }
}

/** Local class names of the exported resources: the resource's name, or prefixed when two clash. */
function resourceClassNames(resources: readonly ExportedResource[]): Map<WitTypeDef, string> {
  const counts = new Map<string, number>();
  for (const r of resources)
    counts.set(pascalName(r.def.name), (counts.get(pascalName(r.def.name)) ?? 0) + 1);
  return new Map(
    resources.map((r) => {
      const p = pascalName(r.def.name);
      return [r.def, counts.get(p) === 1 ? p : `${pascalName(r.iface.name ?? r.key)}${p}`];
    }),
  );
}

/** A stub class for exported resource `r` in a TS plugin: constructor, methods and statics. */
function tsResourceClass(r: ExportedResource, cls: string, types: GuestTypes, res: ResourceValue): string[] {
  const world = types.world;
  const params = (f: WitFunction) =>
    f.params
      .filter((p) => !(f.kind === 'method' && p.name === 'self'))
      .map((p) => `_${jsName(p.name)}: ${types.type(p.type)}`)
      .join(', ');
  const lines = [...tsDocs(r.def.docs, ''), `class ${cls} {`];
  const members: string[][] = [];
  if (r.ctor !== undefined && r.ctor.params.length > 0)
    members.push([...tsDocs(r.ctor.docs, '  '), `  constructor(${params(r.ctor)}) {}`]);
  for (const f of [...r.methods, ...r.statics]) {
    const head = `${f.kind === 'static' ? 'static ' : ''}${jsName(f.name)}(${params(f)}): ${types.returns(f)}`;
    members.push([...tsDocs(f.docs, '  '), ...tsBody(head, tsReturn(f, 'guest', world, res), '  ', '')]);
  }
  for (const [i, m] of members.entries()) lines.push(...(i === 0 ? [] : ['']), ...m);
  lines.push('}');
  return lines;
}

/**
 * `src/index.ts` of a TS plugin: one typed object per exported interface, zero-value bodies, and
 * a class per exported resource. `own`: a world of the user's own WIT, typed by the guest
 * declarations `witkit wit types --guest` generates; else a world of the witkit contracts.
 */
export function tsPluginSource(world: WitWorld, own?: OwnWitLayout): string {
  const fns = exportedFunctions(world);
  const resources = exportedResources(world);
  const classes = resourceClassNames(resources);
  const classOf = (r: ExportedResource) => classes.get(r.def)!;
  const res: ResourceValue = (def) => {
    const r = exportedResourceOf(def, world);
    return `new ${classOf(r)}(${(r.ctor?.params ?? []).map((p) => flat(tsValue(p.type, 'guest', world, res))).join(', ')})`;
  };
  const types = new GuestTypes(world, classOf, ['Exports', ...classes.values()]);
  const body: string[] = [];
  for (const r of resources) body.push('', ...tsResourceClass(r, classOf(r), types, res));
  for (const [key, item] of world.exports) {
    const exportName = jsExportName(key);
    body.push('');
    if (item.kind === 'function') {
      const f = item.function;
      const params = f.params.map((p) => `_${jsName(p.name)}`).join(', ');
      body.push(
        ...tsBody(
          `export const ${exportName}: Exports['${exportName}'] = (${params}) =>`,
          tsReturn(f, 'guest', world, res),
          '',
          ';',
        ),
      );
      continue;
    }
    if (item.kind !== 'interface') continue;
    body.push(`export const ${exportName}: Exports['${exportName}'] = {`);
    for (const r of resources) {
      if (r.key !== key) continue;
      const p = pascalName(r.def.name);
      body.push(classOf(r) === p ? `  ${p},` : `  ${p}: ${classOf(r)},`);
    }
    for (const f of fns) if (f.key === key) body.push(...tsMethod(f.fn, world, '  ', res));
    body.push('};');
  }
  const head = [`// A stub of every export of world \`${world.id}\`; replace the bodies with your plugin.`];
  if (own !== undefined)
    head.push(
      "// Its imports are modules named by interface id (`import { f } from 'ns:pkg/iface@1.0.0'`); types come",
      '// from `witkit wit types --guest`, run by the `build` script.',
    );
  head.push(`import type { Exports } from '${own?.guestTypes ?? `@witkit/wit-types/guest/${world.name}`}';`);
  for (const [module, names] of [...types.imports].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const spec = [...names].map(([n, local]) => (n === local ? n : `${n} as ${local}`)).sort();
    head.push(`import type { ${spec.join(', ')} } from '${module}';`);
  }
  let text = body.join('\n');
  if (own !== undefined && /\b0n\b/.test(text)) {
    // QuickJS components (witkit's default engine) take a u64/s64 result as a JS number and
    // trap on a bigint, though jco's types (and the host) say bigint.
    text = text.replace(/\b0n\b/g, 'zero64');
    head.push(
      '',
      '// QuickJS plugins return u64/s64 values as numbers (the host still receives a bigint).',
      'const zero64 = 0 as unknown as bigint;',
    );
  }
  return `${head.join('\n')}\n${text}\n`;
}

/** The value of a host-side call's result or argument of resource type: one made through the exports. */
function hostResource(world: WitWorld): ResourceValue {
  const res: ResourceValue = (def) => {
    const r = exportedResourceOf(def, world);
    return `new plugin.exports.${jsExportName(r.key)}.${pascalName(r.def.name)}(${(r.ctor?.params ?? [])
      .map((p) => flat(tsValue(p.type, 'host', world, res)))
      .join(', ')})`;
  };
  return res;
}

/**
 * The stubs of every import of `world` the host implements, zero-value bodies: type aliases, a
 * class per imported resource, and the `imports` object (typed by the generated `Imports`).
 */
export function importsStub(
  world: WitWorld,
  options: { readonly exportConst: boolean; readonly todo: boolean },
): { readonly aliases: string[]; readonly classes: string[]; readonly object: string[] } | undefined {
  const aliases: string[] = [];
  const classes: string[] = [];
  const entries: string[] = [];
  const taken = new Set(['Imports', 'Exports', 'AsyncExports', 'imports']);
  const claim = (base: string) => {
    let n = base;
    for (let i = 2; taken.has(n); i++) n = `${base}${i}`;
    taken.add(n);
    return n;
  };
  const oneLine = (docs: string | undefined) =>
    docs === undefined || docs.trim() === '' ? '' : `: ${docs.trim().replace(/\s*\n\s*/g, ' ')}`;
  const todo = (what: string, docs: string | undefined, indent: string) =>
    options.todo ? [`${indent}// TODO: implement ${what}${oneLine(docs)}`] : tsDocs(docs, indent);
  // Classes of imported resources, so functions returning one can make one.
  const classNames = new Map<WitTypeDef, string>();
  for (const [key, item] of world.imports) {
    if (item.kind !== 'interface' || isProvidedInterface(key)) continue;
    for (const def of item.interface.types.values())
      if (def.body.kind === 'resource') classNames.set(def, claim(pascalName(def.name)));
  }
  const res: ResourceValue = (def) => {
    const cls = classNames.get(def);
    if (cls === undefined)
      throw unsupported(
        `an import taking or returning resource \`${def.name}\`, which the host does not implement`,
        world,
      );
    const body = def.body;
    const ctor = body.kind === 'resource' ? body.functions.find((f) => f.kind === 'constructor') : undefined;
    return `new ${cls}(${(ctor?.params ?? []).map((p) => flat(tsValue(p.type, 'host', world, res))).join(', ')})`;
  };
  const fnLines = (f: WitFunction, indent: string) => {
    const params = f.params.map((p) => `_${jsName(p.name)}`).join(', ');
    return [
      ...todo(`\`${f.name}\``, f.docs, indent),
      ...tsBody(`${jsName(f.name)}(${params})`, tsReturn(f, 'host', world, res), indent, ','),
    ];
  };
  for (const [key, item] of world.imports) {
    if (item.kind !== 'interface' || isProvidedInterface(key)) continue;
    const iface = item.interface;
    const ifaceAlias = claim(`${pascalName(iface.name ?? key)}Imports`);
    aliases.push(
      `/** What the host implements for \`${key}\`. */`,
      `type ${ifaceAlias} = Imports['${key}'];`,
    );
    entries.push(`  '${key}': {`);
    for (const f of iface.functions.values())
      if (f.kind === 'freestanding') entries.push(...fnLines(f, '    '));
    for (const def of iface.types.values()) {
      if (def.body.kind !== 'resource') continue;
      const p = pascalName(def.name);
      const cls = classNames.get(def)!;
      const inst = claim(`${p}Impl`);
      aliases.push(
        `/** An instance of the host's class for resource \`${def.name}\` of \`${key}\`. */`,
        `type ${inst} = InstanceType<${ifaceAlias}['${p}']>;`,
      );
      const fns = def.body.functions;
      const ctor = fns.find((f) => f.kind === 'constructor');
      const params = (f: WitFunction, of: string) =>
        f.params
          .filter((x) => !(f.kind === 'method' && x.name === 'self'))
          .map((x, i) => `_${jsName(x.name)}: ${of}[${i}]`)
          .join(', ');
      const members: string[][] = [];
      if (ctor !== undefined && ctor.params.length > 0)
        members.push([
          ...tsDocs(ctor.docs, '  '),
          `  constructor(${params(ctor, `ConstructorParameters<${ifaceAlias}['${p}']>`)}) {}`,
        ]);
      for (const f of fns) {
        if (f.kind === 'constructor') continue;
        const target =
          f.kind === 'static' ? `${ifaceAlias}['${p}']['${jsName(f.name)}']` : `${inst}['${jsName(f.name)}']`;
        members.push([
          ...todo(`\`${f.qualifiedName}\``, f.docs, '  '),
          ...tsBody(
            `${f.kind === 'static' ? 'static ' : ''}${jsName(f.name)}(${params(f, `Parameters<${target}>`)}): ReturnType<${target}>`,
            tsReturn(f, 'host', world, res),
            '  ',
            '',
          ),
        ]);
      }
      classes.push(
        '',
        ...(options.todo
          ? [`// TODO: implement resource \`${def.name}\` of \`${key}\`${oneLine(def.docs)}`]
          : tsDocs(def.docs, '')),
        `${options.exportConst ? 'export ' : ''}class ${cls} {`,
      );
      for (const [i, m] of members.entries()) classes.push(...(i === 0 ? [] : ['']), ...m);
      classes.push('}');
      entries.push(cls === p ? `    ${p},` : `    ${p}: ${cls},`);
    }
    entries.push('  },');
  }
  const rootFns = [...world.imports.values()].flatMap((i) =>
    i.kind === 'function' && i.function.kind === 'freestanding' ? [i.function] : [],
  );
  if (rootFns.length > 0) {
    entries.push('  $root: {');
    for (const f of rootFns) entries.push(...fnLines(f, '    '));
    entries.push('  },');
  }
  if (entries.length === 0) return undefined;
  return {
    aliases,
    classes,
    object: [`${options.exportConst ? 'export ' : ''}const imports: Imports = {`, ...entries, '};'],
  };
}

/**
 * `test/<name>.test.ts` of a plugin of the user's own WIT: loads `dist/<name>.wasm` with the
 * world's generated binding and a typed stub of every import, then calls every export: each
 * function, and each resource constructed once with its methods and statics called.
 */
function ownPluginTestSource(name: string, world: WitWorld, own: OwnWitLayout): string {
  const fns = exportedFunctions(world);
  const resources = exportedResources(world);
  const binding = worldBindingName(world.name);
  const res = hostResource(world);
  // A resource the plugin returns comes back as a handle object of the exports' class.
  const expected: ResourceValue = (def) => {
    exportedResourceOf(def, world);
    return 'expect.any(Object)';
  };
  const stub = importsStub(world, { exportConst: false, todo: false });
  const lines = [
    "import { mkdtempSync, rmSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    "import { type LoadedPlugin, loadPlugin } from '@witkit/host';",
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    `import { type Exports${stub === undefined ? '' : ', type Imports'}, ${binding} } from '${own.hostBindings}';`,
    '',
    `// Built by \`witkit build\` (the \`build\` script) before the tests run.`,
    `const component = fileURLToPath(new URL('../dist/${name}.wasm', import.meta.url));`,
  ];
  if (stub !== undefined) {
    lines.push(
      '',
      ...stub.aliases,
      ...stub.classes,
      '',
      `// Every import of \`${world.name}\` with zero values, typed by the generated \`Imports\`.`,
      ...stub.object,
    );
  }
  lines.push(
    '',
    `describe('${name} component', () => {`,
    `  const dir = mkdtempSync(join(tmpdir(), '${name}-test-'));`,
    '  let plugin: LoadedPlugin<Exports>;',
    '',
    '  beforeAll(async () => {',
    '    plugin = await loadPlugin(component, {',
    `      world: ${binding},`,
    ...(stub === undefined ? [] : ['      imports,']),
    '      dataDir: dir,',
    "      cacheDir: join(dir, 'cache'),",
    '    });',
    '  });',
    '  afterAll(() => {',
    '    plugin.shutdown();',
    '    rmSync(dir, { recursive: true, force: true });',
    '  });',
    '',
    `  it('loads as a component of world \`${world.name}\`', () => {`,
    `    expect(plugin.world).toBe('${world.id}');`,
    "    expect(plugin.status).toBe('ready');",
    '  });',
  );
  const call = (indent: string, target: string, fn: WitFunction, params: readonly WitParam[]) => {
    const args = params.map((p) => tsValue(p.type, 'host', world, res));
    const ret = tsReturn(fn, 'host', world, expected);
    const out = printCall(indent, `const result = ${target}`, args, ';');
    out.push(
      ret === undefined
        ? `${indent}expect(result).toBeUndefined();`
        : printCall(indent, 'expect(result).toEqual', [ret], ';').join('\n'),
    );
    return out;
  };
  for (const { key, fn, iface } of fns) {
    const label = iface === undefined ? jsExportName(key) : `${jsExportName(key)}.${jsName(fn.name)}`;
    lines.push(
      '',
      `  it('${label} returns the stub value', () => {`,
      ...call('    ', `plugin.exports.${label}`, fn, fn.params),
      '  });',
    );
  }
  for (const r of resources) {
    const cls = `plugin.exports.${jsExportName(r.key)}.${pascalName(r.def.name)}`;
    const local = jsName(r.def.name);
    lines.push(
      '',
      `  it('${jsExportName(r.key)}.${pascalName(r.def.name)} answers every method and static with the stub values', () => {`,
    );
    for (const f of r.statics)
      lines.push('    {', ...call('      ', `${cls}.${jsName(f.name)}`, f, f.params), '    }');
    if (r.ctor !== undefined) {
      const args = r.ctor.params.map((p) => tsValue(p.type, 'host', world, res));
      lines.push(...printCall('    ', `const ${local} = new ${cls}`, args, ';'));
      for (const f of r.methods)
        lines.push('    {', ...call('      ', `${local}.${jsName(f.name)}`, f, f.params.slice(1)), '    }');
      lines.push(`    ${local}[Symbol.dispose]();`);
    }
    lines.push('  });');
  }
  lines.push('});');
  return `${lines.join('\n')}\n`;
}

/** `test/<name>.test.ts`: loads (`own`: see {@link ownPluginTestSource}) `dist/<name>.wasm` and calls every export, checking the stubs. */
export function pluginTestSource(name: string, world: WitWorld, own?: OwnWitLayout): string {
  if (own !== undefined) return ownPluginTestSource(name, world, own);
  const fns = exportedFunctions(world);
  // The lifecycle's end goes last, so every other call reaches a live plugin.
  const ordered = [
    ...fns.filter((f) => f.fn.name !== 'shutdown'),
    ...fns.filter((f) => f.fn.name === 'shutdown'),
  ];
  const lines = [
    "import { mkdtempSync, rmSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    "import { type LoadedPlugin, loadPlugin } from '@witkit/host';",
    "import type { WorldExports } from '@witkit/wit-types/host';",
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    '',
    `// Built by \`witkit build\` (the \`build\` script) before the tests run.`,
    `const component = fileURLToPath(new URL('../dist/${name}.wasm', import.meta.url));`,
    '',
    `describe('${name} component', () => {`,
    `  const dir = mkdtempSync(join(tmpdir(), '${name}-test-'));`,
    `  let plugin: LoadedPlugin<WorldExports['${world.name}']>;`,
    '',
    '  beforeAll(async () => {',
    '    plugin = await loadPlugin(component, {',
    `      world: '${world.name}',`,
    '      dataDir: dir,',
    "      cacheDir: join(dir, 'cache'),",
    '    });',
    '  });',
    '  afterAll(() => rmSync(dir, { recursive: true, force: true }));',
    '',
    `  it('loads as a component of world \`${world.name}\`', () => {`,
    `    expect(plugin.world).toBe('${world.id}');`,
    "    expect(plugin.status).toBe('ready');",
    '  });',
  ];
  for (const { key, fn, iface } of ordered) {
    const label = iface === undefined ? jsExportName(key) : `${jsExportName(key)}.${jsName(fn.name)}`;
    const args = fn.params.map((p) => tsValue(p.type, 'guest', world));
    const ret = tsReturn(fn, 'host', world);
    lines.push('', `  it('${label} returns the stub value', () => {`);
    lines.push(...printCall('    ', `const result = plugin.exports.${label}`, args, ';'));
    lines.push(
      ret === undefined
        ? '    expect(result).toBeUndefined();'
        : printCall('    ', 'expect(result).toEqual', [ret], ';').join('\n'),
    );
    lines.push('  });');
  }
  lines.push('});');
  return `${lines.join('\n')}\n`;
}

// ---- Rust ----------------------------------------------------------------------------------

/** Paths of the bindings' modules from lib.rs: @witkit/bindgen-rust's layout, plus `use` names. */
class RustPaths extends RustBindingsLayout {
  /** The local name a `use` gives each exported interface module, when unique. */
  readonly local = new Map<WitInterface, string>();

  /** The stub's struct behind each exported resource. */
  readonly structs = new Map<WitTypeDef, string>();

  constructor(world: WitWorld) {
    super(world);
    const resources = exportedResources(world);
    for (const r of resources) {
      const base = `${camel(r.def.name)}Impl`;
      const clash = resources.some((o) => o !== r && o.def.name === r.def.name);
      this.structs.set(r.def, clash ? `${camel(r.iface.name ?? r.key)}${base}` : base);
    }
    const counts = new Map<string, number>();
    for (const [i, key] of this.exported) {
      const last = this.interfaceSegments(i, key, 'export').at(-1)!;
      counts.set(last, (counts.get(last) ?? 0) + 1);
    }
    for (const [i, key] of this.exported) {
      const last = this.interfaceSegments(i, key, 'export').at(-1)!;
      if (counts.get(last) === 1) this.local.set(i, last);
    }
  }

  /** The module an interface's items are named through from lib.rs. */
  module(iface: WitInterface): string {
    const local = this.local.get(iface);
    if (local !== undefined) return local;
    const exportedKey = this.exported.get(iface);
    if (exportedKey !== undefined)
      return ['bindings', ...this.interfaceSegments(iface, exportedKey, 'export')].join('::');
    const importedKey = this.imported.get(iface);
    if (importedKey !== undefined)
      return ['bindings', ...this.interfaceSegments(iface, importedKey, 'import')].join('::');
    throw unsupported(
      `types of interface \`${iface.id ?? iface.name}\`, which it neither imports nor exports`,
      this.world,
    );
  }

  typePath(def: WitTypeDef): string {
    const name = rustTypeName(def.name);
    return def.owner.kind === 'world' ? `bindings::${name}` : `${this.module(def.owner)}::${name}`;
  }

  type(t: WitType): string {
    switch (t.kind) {
      case 'bool':
      case 'char':
      case 'u8':
      case 'u16':
      case 'u32':
      case 'u64':
      case 'f32':
      case 'f64':
        return t.kind;
      case 's8':
      case 's16':
      case 's32':
      case 's64':
        return `i${t.kind.slice(1)}`;
      case 'string':
        return 'String';
      case 'list':
        if (t.length !== undefined) throw unsupported('a fixed-length list', this.world);
        return `Vec<${this.type(t.element)}>`;
      case 'option':
        return `Option<${this.type(t.type)}>`;
      case 'result':
        return `Result<${t.ok ? this.type(t.ok) : '()'}, ${t.err ? this.type(t.err) : '()'}>`;
      case 'tuple':
        return t.types.length === 1
          ? `(${this.type(t.types[0]!)},)`
          : `(${t.types.map((x) => this.type(x)).join(', ')})`;
      case 'ref':
        if (unaliasTypeDef(t.def).body.kind === 'resource') return this.handle(t.def);
        return this.typePath(t.def);
      case 'own':
        return this.handle(t.resource);
      case 'borrow': {
        // A borrowed resource the plugin implements arrives as its `<R>Borrow` (only as a parameter).
        const r = exportedResourceOf(t.resource, this.world);
        return `${this.module(r.iface)}::${camel(r.def.name)}Borrow`;
      }
      default:
        throw unsupported(`a value of type \`${t.kind}\``, this.world);
    }
  }

  /** The owned handle type of exported resource `def`, e.g. `notes::Notebook`. */
  handle(def: WitTypeDef): string {
    const r = exportedResourceOf(def, this.world);
    return `${this.module(r.iface)}::${rustTypeName(r.def.name)}`;
  }

  /** A new handle to exported resource `def`, wrapping the stub's struct. */
  newHandle(def: WitTypeDef): string {
    const r = exportedResourceOf(def, this.world);
    return `${this.handle(def)}::new(${this.structs.get(r.def)!})`;
  }

  value(t: WitType): string {
    const u = unaliasType(t);
    switch (u.kind) {
      case 'own':
        return this.newHandle(u.resource);
      case 'bool':
        return 'false';
      case 'char':
        return "'\\0'";
      case 'f32':
      case 'f64':
        return '0.0';
      case 'string':
        return 'String::new()';
      case 'list':
        return 'Vec::new()';
      case 'option':
        return 'None';
      case 'result':
        return `Ok(${u.ok === undefined ? '()' : this.value(u.ok)})`;
      case 'tuple':
        return u.types.length === 1
          ? `(${this.value(u.types[0]!)},)`
          : `(${u.types.map((x) => this.value(x)).join(', ')})`;
      case 'ref': {
        const def = unaliasTypeDef(u.def);
        const path = this.typePath(def);
        const b = def.body;
        switch (b.kind) {
          case 'record':
            return b.fields.length === 0
              ? `${path} {}`
              : `${path} { ${b.fields.map((f) => `${snake(f.name)}: ${this.value(f.type)}`).join(', ')} }`;
          case 'variant': {
            const c = b.cases[0]!;
            return c.type === undefined
              ? `${path}::${camel(c.name)}`
              : `${path}::${camel(c.name)}(${this.value(c.type)})`;
          }
          case 'enum':
            return `${path}::${camel(b.cases[0]!.name)}`;
          case 'flags':
            return `${path}::empty()`;
          default:
            return this.newHandle(def);
        }
      }
      default:
        if (/^[us](8|16|32|64)$/.test(u.kind)) return '0';
        throw unsupported(`a value of type \`${u.kind}\``, this.world);
    }
  }
}

/** `///` lines of `docs` at `indent`. */
function rustDocs(docs: string | undefined, indent = ''): string[] {
  return docs === undefined || docs.trim() === ''
    ? []
    : docs
        .trim()
        .split('\n')
        .map((l) => `${indent}///${l.trim() === '' ? '' : ` ${l.trim()}`}`);
}

/** `src/lib.rs` of a Rust plugin: the `Guest` trait of every exported interface, zero-value bodies. */
export function rustPluginSource(world: WitWorld): string {
  const paths = new RustPaths(world);
  const fns = exportedFunctions(world);
  const lines = [
    `//! A stub of every export of world \`${world.id}\`; replace the bodies with your plugin.`,
    '//! `src/bindings.rs` is generated by `witkit build` (or `witkit bindgen rust`) before cargo runs.',
    '',
    'mod bindings;',
    '',
  ];
  const uses = new Map<string, string[]>();
  for (const [iface, local] of paths.local) {
    const full = paths.interfaceSegments(iface, paths.exported.get(iface)!, 'export');
    const parent = ['bindings', ...full.slice(0, -1)].join('::');
    uses.set(parent, [...(uses.get(parent) ?? []), local]);
  }
  for (const [parent, locals] of uses)
    lines.push(
      locals.length === 1 ? `use ${parent}::${locals[0]};` : `use ${parent}::{${locals.join(', ')}};`,
    );
  if (uses.size > 0) lines.push('');
  lines.push('struct Plugin;');
  const method = (f: WitFunction, name: string) => {
    const params = f.params.map((p) => `_${snake(p.name)}: ${paths.type(p.type)}`).join(', ');
    const ret = f.result === undefined ? '' : ` -> ${paths.type(f.result)}`;
    const body = f.result === undefined ? '' : paths.value(f.result);
    return [`    fn ${snake(name)}(${params})${ret} {`, ...(body === '' ? [] : [`        ${body}`]), '    }'];
  };
  const resources = exportedResources(world);
  for (const r of resources) {
    const struct = paths.structs.get(r.def)!;
    lines.push(
      '',
      ...rustDocs(r.def.docs),
      `/// The value behind a \`${r.def.name}\` handle; give it the fields your resource needs.`,
      `struct ${struct};`,
      '',
      `impl ${paths.module(r.iface)}::Guest${camel(r.def.name)} for ${struct} {`,
    );
    const members: string[][] = [];
    if (r.ctor !== undefined) {
      const params = r.ctor.params.map((p) => `_${snake(p.name)}: ${paths.type(p.type)}`).join(', ');
      const u = r.ctor.result === undefined ? undefined : unaliasType(r.ctor.result);
      const fallible = u?.kind === 'result';
      const err = fallible && u.err !== undefined ? paths.type(u.err) : '()';
      members.push([
        `    fn new(${params}) -> ${fallible ? `Result<Self, ${err}>` : 'Self'} {`,
        `        ${fallible ? `Ok(${struct})` : struct}`,
        '    }',
      ]);
    }
    for (const f of [...r.methods, ...r.statics]) {
      const ps = f.params.map((p, i) =>
        f.kind === 'method' && i === 0 ? '&self' : `_${snake(p.name)}: ${paths.type(p.type)}`,
      );
      const ret = f.result === undefined ? '' : ` -> ${paths.type(f.result)}`;
      const body = f.result === undefined ? [] : [`        ${paths.value(f.result)}`];
      members.push([
        ...rustDocs(f.docs, '    '),
        `    fn ${snake(f.name)}(${ps.join(', ')})${ret} {`,
        ...body,
        '    }',
      ]);
    }
    for (const [i, m] of members.entries()) lines.push(...(i === 0 ? [] : ['']), ...m);
    lines.push('}');
  }
  const worldFns = fns.filter((f) => f.iface === undefined);
  if (worldFns.length > 0) {
    lines.push('', 'impl bindings::Guest for Plugin {');
    for (const f of worldFns) lines.push(...method(f.fn, f.key));
    lines.push('}');
  }
  for (const [iface] of paths.exported) {
    lines.push('', `impl ${paths.module(iface)}::Guest for Plugin {`);
    const assoc = resources.filter((r) => r.iface === iface);
    for (const r of assoc) lines.push(`    type ${rustTypeName(r.def.name)} = ${paths.structs.get(r.def)!};`);
    if (assoc.length > 0 && fns.some((f) => f.iface === iface)) lines.push('');
    for (const f of fns) if (f.iface === iface) lines.push(...method(f.fn, f.fn.name));
    lines.push('}');
  }
  lines.push('', `bindings::export_${snake(world.name)}!(Plugin);`);
  return `${lines.join('\n')}\n`;
}

// ---- files ---------------------------------------------------------------------------------

/** The monorepo root holding `dir`, when `dir` is inside a witkit checkout. */
export async function findMonorepo(dir: string): Promise<string | undefined> {
  let cur = resolve(dir);
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(cur, 'packages/wit-types/package.json'), 'utf8')) as {
        name?: string;
      };
      await stat(join(cur, 'pnpm-workspace.yaml'));
      if (pkg.name === '@witkit/wit-types') return cur;
    } catch {
      // Not here.
    }
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

export const rel = (from: string, to: string): string => {
  const r = relative(from, to).split(sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
};

/** The published versions a package outside the monorepo gets for its dev tools. */
export const TOOL_VERSIONS = { typescript: '^5.9.3', vitest: '^4.1.12', '@types/node': '^24.0.0' } as const;

function packageJson(
  name: string,
  world: WitWorld,
  lang: ScaffoldLang,
  inMonorepo: boolean,
  /** The WIT path relative to the plugin folder, for a world of the user's own WIT. */
  wit?: string,
): string {
  const dep = inMonorepo ? 'workspace:*' : `^${cliVersion}`;
  const devDependencies: Record<string, string> = {
    '@witkit/cli': dep,
    '@witkit/host': dep,
  };
  if (wit === undefined) devDependencies['@witkit/wit-types'] = dep;
  if (inMonorepo) {
    if (wit === undefined) devDependencies['@witkit-internal/test-support'] = 'workspace:*';
  } else if (wit === undefined) Object.assign(devDependencies, { typescript: '^5.9.3', vitest: '^4.1.12' });
  else Object.assign(devDependencies, TOOL_VERSIONS);
  const scripts: Record<string, string> =
    wit !== undefined
      ? lang === 'ts'
        ? {
            // Guest declarations for src/index.ts, and the host bindings the test loads it with.
            build: `witkit wit types ${wit} --out src/generated --guest && witkit build`,
            typecheck: 'tsc -p . && tsc -p test',
            test: 'vitest run',
          }
        : {
            build: `witkit wit types ${wit} --out test/generated && witkit build`,
            typecheck: 'tsc -p test',
            test: 'vitest run',
          }
      : lang === 'ts'
        ? { build: 'witkit build', typecheck: 'tsc -p .', test: 'vitest run' }
        : { build: 'witkit build', test: 'vitest run' };
  const pkg = {
    name: `@witkit-plugins/${name}`,
    version: '0.1.0',
    private: true,
    description: `A ${lang === 'ts' ? 'TypeScript' : 'Rust'} plugin of world \`${world.name}\``,
    type: 'module',
    ...(lang === 'ts'
      ? { witkit: wit === undefined ? { world: world.name } : { world: world.name, wit } }
      : {}),
    scripts,
    devDependencies: Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export function vitestConfig(dir: string, root: string | undefined): string {
  if (root !== undefined) return `export { default } from '${rel(dir, join(root, 'vitest.shared.js'))}';\n`;
  return "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { testTimeout: 30_000 } });\n";
}

/** The compiler options of a scaffold outside the monorepo (the monorepo's, spelled out). */
export const STANDALONE_COMPILER_OPTIONS = {
  target: 'ES2023',
  lib: ['ES2023', 'DOM'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  resolveJsonModule: true,
  types: [] as string[],
  noEmit: true,
};

function tsconfig(dir: string, root: string | undefined): string {
  const config =
    root !== undefined
      ? { extends: rel(dir, join(root, 'plugins-js/tsconfig.plugin.json')), include: ['src'] }
      : { compilerOptions: STANDALONE_COMPILER_OPTIONS, include: ['src'] };
  return `${formatJson(config)}\n`;
}

/** `test/tsconfig.json` of a plugin of the user's own WIT: the test, typed with Node's types. */
function testTsconfig(dir: string, root: string | undefined, lang: ScaffoldLang): string {
  const test = join(dir, 'test');
  const config =
    lang === 'ts'
      ? { extends: '../tsconfig.json', compilerOptions: { types: ['node'] }, include: ['.'] }
      : root !== undefined
        ? {
            extends: rel(test, join(root, 'tsconfig.base.json')),
            compilerOptions: { noEmit: true },
            include: ['.'],
          }
        : {
            compilerOptions: { ...STANDALONE_COMPILER_OPTIONS, types: ['node'] },
            include: ['.'],
          };
  return `${formatJson(config)}\n`;
}

/** JSON as biome formats it: objects one key per line, arrays of scalars on one line. */
export function formatJson(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null))
    return JSON.stringify(value).replace(/,/g, ', ');
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((v) => `${inner}${formatJson(v, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return entries.length === 0 ? `${open}${close}` : `${open}\n${entries.join(',\n')}\n${indent}${close}`;
}

/** The Cargo workspace `dir` would join: its parent folder's Cargo.toml with a `[workspace]`. */
async function parentWorkspace(dir: string): Promise<{ file: string; text: string } | undefined> {
  const file = join(dirname(dir), 'Cargo.toml');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text !== undefined && /^\s*\[workspace\]/m.test(text) ? { file, text } : undefined;
}

function cargoToml(name: string, world: WitWorld, standalone: boolean, wit?: string): string {
  const lines = [
    '[package]',
    `name = "${name}"`,
    'version = "0.1.0"',
    'edition = "2021"',
    'publish = false',
    '',
    '[lib]',
    'crate-type = ["cdylib"]',
    '',
    '[package.metadata.witkit]',
    `world = "${world.name}"`,
    ...(wit === undefined ? [] : [`wit = "${wit}"`]),
    '# Generated by `witkit build` before cargo runs; not committed.',
    'bindings = "src/bindings.rs"',
  ];
  if (standalone)
    lines.push(
      '',
      '# A workspace of its own, so cargo does not attach it to an enclosing one.',
      '[workspace]',
      '',
      '[profile.release]',
      'opt-level = "s"',
      'lto = true',
      'codegen-units = 1',
      'panic = "abort"',
      'strip = true',
    );
  return `${lines.join('\n')}\n`;
}

/** The `members = [...]` line of `workspaceText` with `name` added. */
export function membersLineWith(workspaceText: string, name: string): string {
  const m = /^\s*members\s*=\s*\[([^\]]*)\]/m.exec(workspaceText);
  const members = m === undefined || m === null ? [] : [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
  if (!members.includes(name)) members.push(name);
  return `members = [${members.map((x) => `"${x}"`).join(', ')}]`;
}

export async function assertFree(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    if (e.code === 'ENOTDIR') return ['(a file)'];
    throw e;
  });
  if (entries !== undefined && entries.length > 0) {
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_EXISTS',
      `\`${dir}\` already exists and is not empty; pick another name or \`--dir\`, or remove it first`,
    );
  }
}

/** Writes `files` into a temp sibling of `dir`, then renames it into place: all or nothing. */
export async function writeTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(
    dirname(dir),
    `.${basename(dir)}.scaffold-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(tmp, path)), { recursive: true });
      await writeFile(join(tmp, path), content);
    }
    // An empty folder at `dir` is allowed (checked above); rename needs it gone on some systems.
    await rmdir(dir).catch(() => {});
    await rename(tmp, dir).catch(async (cause: NodeJS.ErrnoException) => {
      if (cause.code === 'ENOTEMPTY' || cause.code === 'EEXIST' || cause.code === 'ENOTDIR')
        throw new ScaffoldError(
          'WITKIT_SCAFFOLD_EXISTS',
          `\`${dir}\` appeared while scaffolding and is not empty; remove it or pick another \`--dir\``,
          { cause },
        );
      throw cause;
    });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Scaffolds plugin `name` of `options.world` in `options.lang` and prints the files and next
 * steps. TS: package.json (with the `witkit` field), tsconfig.json, vitest.config.ts,
 * src/index.ts, test/<name>.test.ts. Rust: Cargo.toml, .gitignore, src/lib.rs, package.json,
 * vitest.config.ts, test/<name>.test.ts.
 *
 * @throws {ScaffoldError} `WITKIT_SCAFFOLD_BAD_NAME`, `WITKIT_SCAFFOLD_BAD_LANG`,
 * `WITKIT_SCAFFOLD_UNKNOWN_WORLD`, `WITKIT_SCAFFOLD_EXISTS`, `WITKIT_SCAFFOLD_UNSUPPORTED`
 *
 * @example
 * ```ts
 * await runNewPlugin('shout', { lang: 'ts', world: 'processor-plugin' }, io);
 * ```
 */
export async function runNewPlugin(
  name: string,
  options: NewPluginOptions,
  io: CommandIo,
): Promise<NewPluginResult> {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_BAD_NAME',
      `expected a kebab-case plugin name like \`my-plugin\` (lowercase letters, digits, single dashes), got \`${String(name)}\``,
    );
  if (options.lang !== 'ts' && options.lang !== 'rust')
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_BAD_LANG',
      `expected \`--lang\` to be \`ts\` or \`rust\`, got \`${String(options.lang)}\``,
    );
  const cwd = options.cwd ?? process.cwd();
  const witPath = options.wit === undefined ? undefined : resolve(cwd, options.wit);
  const world = await loadScaffoldWorld(options.world, witPath ?? options.witDir);
  const dir =
    options.dir !== undefined
      ? resolve(cwd, options.dir)
      : join((await findMonorepo(cwd)) ?? cwd, options.lang === 'ts' ? 'plugins-js' : 'plugins-rust', name);
  await assertFree(dir);
  const root = await findMonorepo(dir);
  // The manifest and the build scripts name the WIT from the plugin's own folder.
  const wit = witPath === undefined ? undefined : relative(dir, witPath).split(sep).join('/') || '.';
  const own: OwnWitLayout | undefined =
    wit === undefined
      ? undefined
      : {
          guestTypes: `./generated/guest/${world.name}/index.js`,
          hostBindings: `${options.lang === 'ts' ? '../src/generated' : './generated'}/${world.name}.js`,
        };
  const files = new Map<string, string>();
  const notes: string[] = [];
  files.set('package.json', packageJson(name, world, options.lang, root !== undefined, wit));
  files.set('vitest.config.ts', vitestConfig(dir, root));
  files.set(`test/${name}.test.ts`, pluginTestSource(name, world, own));
  if (own !== undefined) files.set('test/tsconfig.json', testTsconfig(dir, root, options.lang));
  if (options.lang === 'ts') {
    files.set('tsconfig.json', tsconfig(dir, root));
    files.set('src/index.ts', tsPluginSource(world, own));
    if (own !== undefined) files.set('.gitignore', 'src/generated/\ndist/\n');
  } else {
    const workspace = await parentWorkspace(dir);
    files.set('Cargo.toml', cargoToml(name, world, workspace === undefined, wit));
    files.set(
      '.gitignore',
      `src/bindings.rs\ndist/\ntarget/\n${own === undefined ? '' : 'test/generated/\n'}`,
    );
    files.set('src/lib.rs', rustPluginSource(world));
    if (workspace !== undefined) {
      notes.push(
        `add the crate to the Cargo workspace: in \`${workspace.file}\`, make the members line`,
        `  ${membersLineWith(workspace.text, name)}`,
      );
    }
  }
  await writeTree(dir, files);
  const sorted = [...files.keys()].sort();
  io.out(
    `created ${options.lang === 'ts' ? 'TypeScript' : 'Rust'} plugin \`${name}\` (world \`${world.name}\`) in ${dir}`,
  );
  for (const f of sorted) io.out(`  ${f}`);
  const fromCwd = relative(cwd, dir);
  const shown = fromCwd === '' ? '.' : fromCwd.startsWith('..') ? dir : fromCwd;
  notes.push(
    `next: ${root !== undefined ? 'pnpm install, then ' : 'npm install, then '}cd ${shown} && ${root !== undefined ? 'pnpm' : 'npm run'} build && ${root !== undefined ? 'pnpm' : 'npm'} test`,
  );
  for (const n of notes) io.out(n);
  return { dir, files: sorted, notes };
}
