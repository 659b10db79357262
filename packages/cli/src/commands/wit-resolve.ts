/**
 * `witkit wit resolve <path>`: resolves a WIT file or directory (with its `deps/`) and prints
 * its packages, interfaces and worlds, as JSON for tools or as an outline for people.
 *
 * @module
 */
import {
  resolveWitPath,
  selectWorld,
  type WitFunction,
  type WitInterface,
  type WitPackage,
  type WitResolve,
  type WitType,
  type WitTypeDef,
  type WitWorld,
  type WitWorldItem,
} from '@witkit/wit';

/** Streams a command writes to; the CLI passes its own (see `CliIo`), tests pass collectors. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Options of {@link runWitResolve}. */
export interface WitResolveOptions {
  /** Print only this world (a name in the root package, or an id), with its interfaces in full. */
  readonly world?: string | undefined;
  /** Print JSON instead of an outline. */
  readonly json: boolean;
}

/** A function as printed: its qualified name and WIT type strings. */
export interface ResolvedFunction {
  readonly name: string;
  readonly kind: WitFunction['kind'];
  readonly params: readonly { readonly name: string; readonly type: string }[];
  readonly result?: string;
  readonly docs?: string;
}

/** A type definition as printed. */
export interface ResolvedTypeDef {
  readonly name: string;
  readonly kind: WitTypeDef['body']['kind'];
  /** `alias`: the aliased type; `record`: `field: type` lines; `variant`: `case(type)`; `enum`/`flags`: names. */
  readonly definition: string | readonly string[];
}

/** An interface as printed. */
export interface ResolvedInterface {
  /** `ns:pkg/name@version`, or absent for an inline interface of a world. */
  readonly id?: string;
  readonly name?: string;
  readonly version?: string;
  readonly types: readonly ResolvedTypeDef[];
  readonly functions: readonly ResolvedFunction[];
}

/** One import or export of a world as printed. */
export type ResolvedWorldItem =
  | { readonly key: string; readonly kind: 'interface'; readonly id?: string; readonly implicit: boolean }
  | { readonly key: string; readonly kind: 'function'; readonly function: ResolvedFunction }
  | { readonly key: string; readonly kind: 'type'; readonly type: ResolvedTypeDef };

/** A world as printed. */
export interface ResolvedWorld {
  readonly id: string;
  readonly name: string;
  readonly imports: readonly ResolvedWorldItem[];
  readonly exports: readonly ResolvedWorldItem[];
}

/** A package as printed. */
export interface ResolvedPackage {
  readonly id: string;
  readonly version?: string;
  readonly interfaces: readonly ResolvedInterface[];
  readonly worlds: readonly ResolvedWorld[];
}

/** What {@link runWitResolve} prints as JSON. */
export type WitResolveReport =
  | { readonly root: string; readonly packages: readonly ResolvedPackage[] }
  | {
      readonly root: string;
      readonly world: ResolvedWorld;
      readonly interfaces: readonly ResolvedInterface[];
    };

/** `t` as WIT source spells it: `list<tuple<string, u8>>`, `result<_, string>`, `borrow<file>`. */
export function witTypeString(t: WitType): string {
  switch (t.kind) {
    case 'ref':
      return t.def.name;
    case 'list':
      return t.length === undefined
        ? `list<${witTypeString(t.element)}>`
        : `list<${witTypeString(t.element)}, ${t.length}>`;
    case 'option':
      return `option<${witTypeString(t.type)}>`;
    case 'result':
      if (t.ok === undefined && t.err === undefined) return 'result';
      if (t.err === undefined) return `result<${witTypeString(t.ok!)}>`;
      return `result<${t.ok === undefined ? '_' : witTypeString(t.ok)}, ${witTypeString(t.err)}>`;
    case 'tuple':
      return `tuple<${t.types.map(witTypeString).join(', ')}>`;
    case 'own':
    case 'borrow':
      return `${t.kind}<${t.resource.name}>`;
    case 'future':
    case 'stream':
      return t.type === undefined ? t.kind : `${t.kind}<${witTypeString(t.type)}>`;
    default:
      return t.kind;
  }
}

function fn(f: WitFunction): ResolvedFunction {
  return {
    name: f.qualifiedName,
    kind: f.kind,
    params: f.params.map((p) => ({ name: p.name, type: witTypeString(p.type) })),
    ...(f.result === undefined ? {} : { result: witTypeString(f.result) }),
    ...(f.docs === undefined ? {} : { docs: f.docs }),
  };
}

function typeDef(def: WitTypeDef): ResolvedTypeDef {
  const b = def.body;
  const definition = (() => {
    switch (b.kind) {
      case 'alias':
        return witTypeString(b.type);
      case 'record':
        return b.fields.map((f) => `${f.name}: ${witTypeString(f.type)}`);
      case 'variant':
        return b.cases.map((c) => (c.type === undefined ? c.name : `${c.name}(${witTypeString(c.type)})`));
      case 'enum':
        return b.cases.map((c) => c.name);
      case 'flags':
        return b.flags.map((f) => f.name);
      case 'resource':
        return b.functions.map((f) => f.qualifiedName);
    }
  })();
  return { name: def.name, kind: b.kind, definition };
}

function iface(i: WitInterface): ResolvedInterface {
  return {
    ...(i.id === undefined ? {} : { id: i.id }),
    ...(i.name === undefined ? {} : { name: i.name }),
    ...(i.package.version === undefined ? {} : { version: i.package.version }),
    types: [...i.types.values()].map(typeDef),
    functions: [...i.functions.values()].map(fn),
  };
}

function worldItem(key: string, item: WitWorldItem): ResolvedWorldItem {
  if (item.kind === 'interface')
    return {
      key,
      kind: 'interface',
      ...(item.interface.id === undefined ? {} : { id: item.interface.id }),
      implicit: item.implicit,
    };
  if (item.kind === 'function') return { key, kind: 'function', function: fn(item.function) };
  return { key, kind: 'type', type: typeDef(item.type) };
}

function world(w: WitWorld): ResolvedWorld {
  return {
    id: w.id,
    name: w.name,
    imports: [...w.imports].map(([k, i]) => worldItem(k, i)),
    exports: [...w.exports].map(([k, i]) => worldItem(k, i)),
  };
}

function pkg(p: WitPackage): ResolvedPackage {
  return {
    id: p.id,
    ...(p.version === undefined ? {} : { version: p.version }),
    interfaces: [...p.interfaces.values()].map(iface),
    worlds: [...p.worlds.values()].map(world),
  };
}

/** The report {@link runWitResolve} prints, for callers that want the data. */
export function witResolveReport(resolve: WitResolve, worldName?: string): WitResolveReport {
  if (worldName === undefined) return { root: resolve.root.id, packages: resolve.packages.map(pkg) };
  const w = selectWorld(resolve, worldName);
  const interfaces = [...w.imports.values(), ...w.exports.values()].flatMap((i) =>
    i.kind === 'interface' ? [iface(i.interface)] : [],
  );
  return { root: resolve.root.id, world: world(w), interfaces };
}

function outlineFunction(f: ResolvedFunction): string {
  return `${f.name}: func(${f.params.map((p) => `${p.name}: ${p.type}`).join(', ')})${f.result === undefined ? '' : ` -> ${f.result}`}`;
}

function outlineWorld(w: ResolvedWorld, indent: string): string[] {
  const lines = [`${indent}world ${w.id}`];
  for (const [dir, items] of [
    ['import', w.imports],
    ['export', w.exports],
  ] as const) {
    for (const i of items) {
      if (i.kind === 'interface')
        lines.push(`${indent}  ${dir} ${i.id ?? i.key}${i.implicit ? ' (implicit)' : ''}`);
      else if (i.kind === 'function') lines.push(`${indent}  ${dir} ${outlineFunction(i.function)}`);
      else lines.push(`${indent}  ${dir} type ${i.type.name} (${i.type.kind})`);
    }
  }
  return lines;
}

function outlineInterface(i: ResolvedInterface, indent: string): string[] {
  return [
    `${indent}interface ${i.id ?? i.name ?? '(inline)'}`,
    ...i.types.map((t) => `${indent}  ${t.kind} ${t.name}`),
    ...i.functions.map((f) => `${indent}  ${outlineFunction(f)}`),
  ];
}

/**
 * Resolves the WIT at `path` and prints it to `io.out`: every package with its interfaces
 * (ids with versions, types, functions with WIT type strings) and worlds (imports and exports),
 * or only `options.world` with the interfaces it uses. JSON when `options.json`, else an outline.
 *
 * @throws `WitError` (from `@witkit/wit`) for unreadable or invalid WIT and unknown worlds, with
 * file, line and column; print its `formatted` text.
 *
 * @example
 * ```ts
 * await runWitResolve('wit', { world: 'processor-plugin', json: true }, { out: console.log, err: console.error });
 * ```
 */
export async function runWitResolve(
  path: string,
  options: WitResolveOptions,
  io: CommandIo,
): Promise<WitResolveReport> {
  const resolve = await resolveWitPath(path);
  const report = witResolveReport(resolve, options.world);
  if (options.json) {
    io.out(JSON.stringify(report, null, 2));
    return report;
  }
  if ('world' in report) {
    for (const l of outlineWorld(report.world, '')) io.out(l);
    for (const i of report.interfaces) for (const l of outlineInterface(i, '')) io.out(l);
    return report;
  }
  for (const p of report.packages) {
    io.out(`package ${p.id}${p.id === report.root ? ' (root)' : ''}`);
    for (const i of p.interfaces) for (const l of outlineInterface(i, '  ')) io.out(l);
    for (const w of p.worlds) for (const l of outlineWorld(w, '  ')) io.out(l);
  }
  return report;
}
