/**
 * Typed host bindings for a world of the application's own WIT: a plain-data `.js` module with
 * what the world imports and exports, and a `.d.ts` with the TypeScript types of its exports
 * (as `loadPlugin` and `PluginHost` serve them) and of the imports the host must implement,
 * following jco's JS mapping of WIT values.
 *
 * @module
 */
import {
  resolveWitPath,
  unaliasTypeDef,
  type WitFunction,
  type WitInterface,
  type WitResolve,
  type WitType,
  type WitTypeDef,
  type WitWorld,
} from '@witkit/wit';
import { BindgenTsError } from './errors.js';
import { bindingName, camelName, pascalName, propertyKey } from './names.js';

/** Written into the first line of every generated file. */
export const GENERATOR_NAME = 'witkit wit types';

/**
 * Interfaces witkit itself provides to every plugin: the host never implements them, so they are
 * left out of the generated `Imports` type (their ids still appear in the world's `imports` list).
 */
export function isProvidedInterface(id: string): boolean {
  return id.startsWith('wasi:') || id.startsWith('witkit:host-api/');
}

/**
 * How a value is seen: `sync` by {@link loadPlugin}'s exports, `async` through `Plugin.exports`,
 * `import` by the host's implementations, `type` in a named type definition shared by all three.
 */
type View = 'sync' | 'async' | 'import' | 'type';

/** The typed array jco maps a `list` of each numeric element type to. */
export const TYPED_ARRAYS: Readonly<Partial<Record<string, string>>> = {
  u8: 'Uint8Array',
  s8: 'Int8Array',
  u16: 'Uint16Array',
  s16: 'Int16Array',
  u32: 'Uint32Array',
  s32: 'Int32Array',
  u64: 'BigUint64Array',
  s64: 'BigInt64Array',
  f32: 'Float32Array',
  f64: 'Float64Array',
};

const PRIMITIVES: Readonly<Record<string, string>> = {
  bool: 'boolean',
  s8: 'number',
  u8: 'number',
  s16: 'number',
  u16: 'number',
  s32: 'number',
  u32: 'number',
  s64: 'bigint',
  u64: 'bigint',
  f32: 'number',
  f64: 'number',
  float32: 'number',
  float64: 'number',
  char: 'string',
  string: 'string',
};

/** A TSDoc block for `docs` at `indent`, or nothing. */
function tsdoc(docs: string | undefined, indent: string): string {
  if (docs === undefined || docs.trim() === '') return '';
  const lines = docs.replace(/\*\//g, '*\\/').split('\n');
  return `${indent}/**\n${lines.map((l) => `${indent} *${l === '' ? '' : ` ${l}`}`).join('\n')}\n${indent} */\n`;
}

function stringLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The world binding's JS name: `notes-plugin` → `notesPlugin`. */
export function worldBindingName(world: string): string {
  return bindingName(camelName(world));
}

/** Generates the bindings of one world; one instance per world. */
class WorldGenerator {
  readonly #world: WitWorld;
  readonly #namespaces = new Map<WitInterface | WitWorld, string>();
  readonly #imported = new Set<WitInterface>();
  readonly #exported = new Set<WitInterface>();
  /** Names the generator declares in each namespace; a WIT type that would take one gets `_`. */
  readonly #taken = new Map<WitInterface | WitWorld, Set<string>>();

  constructor(world: WitWorld) {
    this.#world = world;
    const used = new Set<string>([
      'WitResult',
      'WitOption',
      'Exports',
      'AsyncExports',
      'Imports',
      'MaybePromise',
      'WorldBinding',
    ]);
    const claim = (owner: WitInterface | WitWorld, base: string): void => {
      if (this.#namespaces.has(owner)) return;
      let name = base;
      for (let i = 2; used.has(name); i++) name = `${base}${i}`;
      used.add(name);
      this.#namespaces.set(owner, name);
    };
    const visit = (iface: WitInterface, key: string): void => {
      if (this.#namespaces.has(iface)) return;
      for (const dep of iface.uses) visit(dep, dep.id ?? dep.name ?? key);
      claim(
        iface,
        iface.name === undefined
          ? pascalName(`${world.name}-${key}`)
          : pascalName(`${iface.package.namespace}-${iface.package.name}-${iface.name}`),
      );
    };
    for (const [key, item] of world.imports) {
      if (item.kind !== 'interface') continue;
      this.#imported.add(item.interface);
      visit(item.interface, key);
    }
    for (const [key, item] of world.exports) {
      if (item.kind !== 'interface') continue;
      this.#exported.add(item.interface);
      visit(item.interface, key);
    }
    claim(world, `${pascalName(world.name)}World`);
  }

  // ---- names --------------------------------------------------------------------------------

  #ns(owner: WitInterface | WitWorld): string {
    const ns = this.#namespaces.get(owner);
    if (ns !== undefined) return ns;
    // An interface reached only through a type of another one (a `use` of a `use`).
    if (owner.kind === 'interface') {
      const name = pascalName(`${owner.package.namespace}-${owner.package.name}-${owner.name ?? 'inline'}`);
      this.#namespaces.set(owner, name);
      return name;
    }
    return pascalName(owner.name);
  }

  #takenIn(owner: WitInterface | WitWorld): Set<string> {
    let taken = this.#taken.get(owner);
    if (taken) return taken;
    taken = new Set(['Exports', 'AsyncExports', 'Imports']);
    const types = owner.kind === 'interface' ? owner.types.values() : this.#worldTypes();
    for (const def of types) {
      if (def.body.kind !== 'resource') continue;
      const p = pascalName(def.name);
      for (const suffix of ['Handle', 'Class', 'AsyncClass', 'Impl', 'ImplClass']) taken.add(p + suffix);
    }
    this.#taken.set(owner, taken);
    return taken;
  }

  /** The name of a non-resource type definition inside its namespace. */
  #typeName(def: WitTypeDef): string {
    const p = pascalName(def.name);
    return this.#takenIn(def.owner).has(p) ? `${p}_` : p;
  }

  *#worldTypes(): Iterable<WitTypeDef> {
    for (const item of this.#world.imports.values()) if (item.kind === 'type') yield item.type;
    for (const item of this.#world.exports.values()) if (item.kind === 'type') yield item.type;
  }

  #isExportedOwner(owner: WitInterface | WitWorld): boolean {
    return owner.kind === 'interface' && this.#exported.has(owner);
  }

  #isImportedOwner(owner: WitInterface | WitWorld): boolean {
    return owner.kind === 'world' || this.#imported.has(owner);
  }

  /**
   * A resource handle as seen in `view`: exported resources are the plugin's classes (sync) or
   * handles (async); resources of imported interfaces are the host's own implementations.
   */
  #resourceName(def: WitTypeDef, view: View): string {
    const res = unaliasTypeDef(def);
    const ns = this.#ns(res.owner);
    const p = pascalName(res.name);
    const exported = this.#isExportedOwner(res.owner);
    const imported = this.#isImportedOwner(res.owner);
    if (view === 'import') return imported ? `${ns}.${p}Impl` : `${ns}.${p}`;
    if (view === 'async') return exported ? `${ns}.${p}Handle` : `${ns}.${p}Impl`;
    return exported ? `${ns}.${p}` : `${ns}.${p}Impl`;
  }

  // ---- types --------------------------------------------------------------------------------

  #isOption(t: WitType): boolean {
    if (t.kind === 'option') return true;
    if (t.kind !== 'ref') return false;
    const def = unaliasTypeDef(t.def);
    return def.body.kind === 'alias' && def.body.type.kind === 'option';
  }

  #type(t: WitType, view: View): string {
    switch (t.kind) {
      case 'ref': {
        const def = unaliasTypeDef(t.def);
        if (def.body.kind === 'resource') return this.#resourceName(def, view);
        return `${this.#ns(t.def.owner)}.${this.#typeName(t.def)}`;
      }
      case 'own':
      case 'borrow':
        return this.#resourceName(t.resource, view);
      case 'list': {
        const typed = TYPED_ARRAYS[t.element.kind];
        return typed ?? `Array<${this.#type(t.element, view)}>`;
      }
      case 'option':
        return this.#isOption(t.type)
          ? `WitOption<${this.#type(t.type, view)}>`
          : `${this.#type(t.type, view)} | undefined`;
      case 'result':
        return `WitResult<${t.ok ? this.#type(t.ok, view) : 'void'}, ${t.err ? this.#type(t.err, view) : 'void'}>`;
      case 'tuple':
        return `[${t.types.map((x) => this.#type(x, view)).join(', ')}]`;
      case 'future':
      case 'stream':
      case 'error-context':
        // Async values (WASI 0.3): no JS mapping the host serves yet.
        return 'unknown';
      default: {
        const prim = PRIMITIVES[t.kind];
        if (prim === undefined) return 'unknown';
        return prim;
      }
    }
  }

  /** An export's or import's result as the caller sees it: `result<T, E>` unwraps to `T`. */
  #returnType(fn: WitFunction, view: View): string {
    const r = fn.result;
    let inner: string;
    if (r === undefined) inner = 'void';
    else if (r.kind === 'result') inner = r.ok ? this.#type(r.ok, view) : 'void';
    else inner = this.#type(r, view);
    if (view === 'async') return `Promise<${inner}>`;
    if (view === 'import') return `MaybePromise<${inner}>`;
    return inner;
  }

  #params(fn: WitFunction, view: View): string {
    const params = fn.kind === 'method' ? fn.params.slice(1) : fn.params;
    return params.map((p) => `${bindingName(camelName(p.name))}: ${this.#type(p.type, view)}`).join(', ');
  }

  #typeDef(def: WitTypeDef, indent: string): string {
    const name = this.#typeName(def);
    const doc = tsdoc(def.docs, indent);
    const body = def.body;
    const inner = `${indent}  `;
    switch (body.kind) {
      case 'alias': {
        // `use`d resources are declared where they live; their views are named there.
        if (unaliasTypeDef(def).body.kind === 'resource') return '';
        return `${doc}${indent}export type ${name} = ${this.#type(body.type, 'type')};\n`;
      }
      case 'record': {
        const fields = body.fields.map((f) => {
          // jco maps `option<T>` fields to optional properties (a nested option stays tagged).
          const optional = f.type.kind === 'option' && !this.#isOption(f.type.type);
          const type =
            optional && f.type.kind === 'option'
              ? this.#type(f.type.type, 'type')
              : this.#type(f.type, 'type');
          return `${tsdoc(f.docs, inner)}${inner}${propertyKey(camelName(f.name))}${optional ? '?' : ''}: ${type};\n`;
        });
        return `${doc}${indent}export interface ${name} {\n${fields.join('')}${indent}}\n`;
      }
      case 'variant': {
        const cases = body.cases.map(
          (c) =>
            `${tsdoc(c.docs, inner)}${inner}| { tag: ${stringLiteral(c.name)}${c.type ? `; val: ${this.#type(c.type, 'type')}` : ''} }\n`,
        );
        return `${doc}${indent}export type ${name} =\n${cases.join('')}${indent};\n`.replace(
          /\n\s*;\n$/,
          ';\n',
        );
      }
      case 'enum': {
        const cases = body.cases.map((c) => `${tsdoc(c.docs, inner)}${inner}| ${stringLiteral(c.name)}\n`);
        return `${doc}${indent}export type ${name} =\n${cases.join('')}`.replace(/\n$/, ';\n');
      }
      case 'flags': {
        const flags = body.flags.map(
          (f) => `${tsdoc(f.docs, inner)}${inner}${propertyKey(camelName(f.name))}?: boolean;\n`,
        );
        return `${doc}${indent}export interface ${name} {\n${flags.join('')}${indent}}\n`;
      }
      case 'resource':
        return this.#resource(def, indent);
    }
  }

  #resource(def: WitTypeDef, indent: string): string {
    if (def.body.kind !== 'resource') return '';
    const p = pascalName(def.name);
    const fns = def.body.functions;
    const ctor = fns.find((f) => f.kind === 'constructor');
    const methods = fns.filter((f) => f.kind === 'method');
    const statics = fns.filter((f) => f.kind === 'static');
    const inner = `${indent}  `;
    const doc = tsdoc(def.docs, indent);
    let out = '';
    if (this.#isExportedOwner(def.owner)) {
      out +=
        `${doc}${indent}export interface ${p} {\n` +
        methods
          .map(
            (m) =>
              `${tsdoc(m.docs, inner)}${inner}${camelName(m.name)}(${this.#params(m, 'sync')}): ${this.#returnType(m, 'sync')};\n`,
          )
          .join('') +
        `${inner}[Symbol.dispose](): void;\n${indent}}\n`;
      out +=
        `${tsdoc(`The class of {@link ${p}}, as \`loadPlugin\` serves it.`, indent)}${indent}export interface ${p}Class {\n` +
        (ctor ? `${tsdoc(ctor.docs, inner)}${inner}new (${this.#params(ctor, 'sync')}): ${p};\n` : '') +
        statics
          .map(
            (s) =>
              `${tsdoc(s.docs, inner)}${inner}${camelName(s.name)}(${this.#params(s, 'sync')}): ${this.#returnType(s, 'sync')};\n`,
          )
          .join('') +
        `${indent}}\n`;
      out +=
        `${tsdoc(`A handle to a {@link ${p}} living in the plugin, as \`Plugin.exports\` serves it: every call is asynchronous.`, indent)}${indent}export interface ${p}Handle {\n` +
        methods
          .map(
            (m) =>
              `${tsdoc(m.docs, inner)}${inner}${camelName(m.name)}(${this.#params(m, 'async')}): ${this.#returnType(m, 'async')};\n`,
          )
          .join('') +
        `${inner}/** Releases the resource in the plugin. */\n${inner}drop(): Promise<void>;\n` +
        `${inner}[Symbol.asyncDispose](): Promise<void>;\n${indent}}\n`;
      out +=
        `${tsdoc(`The class of {@link ${p}Handle}, as \`Plugin.exports\` serves it.`, indent)}${indent}export interface ${p}AsyncClass {\n` +
        (ctor
          ? `${tsdoc(ctor.docs, inner)}${inner}new (${this.#params(ctor, 'async')}): Promise<${p}Handle>;\n`
          : '') +
        statics
          .map(
            (s) =>
              `${tsdoc(s.docs, inner)}${inner}${camelName(s.name)}(${this.#params(s, 'async')}): ${this.#returnType(s, 'async')};\n`,
          )
          .join('') +
        `${indent}}\n`;
    }
    if (this.#isImportedOwner(def.owner)) {
      out +=
        `${tsdoc(`${def.docs ? `${def.docs}\n\n` : ''}What the host implements for \`${def.name}\`: the guest's drop calls \`[Symbol.dispose]()\` when there is one.`, indent)}${indent}export interface ${p}Impl {\n` +
        methods
          .map(
            (m) =>
              `${tsdoc(m.docs, inner)}${inner}${camelName(m.name)}(${this.#params(m, 'import')}): ${this.#returnType(m, 'import')};\n`,
          )
          .join('') +
        `${inner}[Symbol.dispose]?(): void;\n${indent}}\n`;
      out +=
        `${tsdoc(`The host class for \`${def.name}\`: constructor and static functions.`, indent)}${indent}export interface ${p}ImplClass {\n` +
        (ctor
          ? `${tsdoc(ctor.docs, inner)}${inner}new (${this.#params(ctor, 'import')}): ${p}Impl;\n`
          : `${inner}prototype: ${p}Impl;\n`) +
        statics
          .map(
            (s) =>
              `${tsdoc(s.docs, inner)}${inner}${camelName(s.name)}(${this.#params(s, 'import')}): ${this.#returnType(s, 'import')};\n`,
          )
          .join('') +
        `${indent}}\n`;
    }
    return out;
  }

  // ---- shapes -------------------------------------------------------------------------------

  #exportsShape(iface: WitInterface, view: 'sync' | 'async', indent: string): string {
    const inner = `${indent}  `;
    const lines: string[] = [];
    for (const fn of iface.functions.values()) {
      if (fn.kind !== 'freestanding') continue;
      lines.push(
        `${tsdoc(fn.docs, inner)}${inner}${propertyKey(camelName(fn.name))}(${this.#params(fn, view)}): ${this.#returnType(fn, view)};\n`,
      );
    }
    for (const def of iface.types.values()) {
      if (def.body.kind !== 'resource') continue;
      const p = pascalName(def.name);
      lines.push(`${tsdoc(def.docs, inner)}${inner}${p}: ${p}${view === 'sync' ? 'Class' : 'AsyncClass'};\n`);
    }
    const what =
      view === 'sync'
        ? 'as `loadPlugin` serves them'
        : 'as `Plugin.exports` serves them: every call returns a promise';
    return `${tsdoc(`The interface's exports, ${what}.`, indent)}${indent}export interface ${view === 'sync' ? 'Exports' : 'AsyncExports'} {\n${lines.join('')}${indent}}\n`;
  }

  #importsShape(iface: WitInterface, indent: string): string {
    const inner = `${indent}  `;
    const lines: string[] = [];
    for (const fn of iface.functions.values()) {
      if (fn.kind !== 'freestanding') continue;
      lines.push(
        `${tsdoc(fn.docs, inner)}${inner}${propertyKey(camelName(fn.name))}(${this.#params(fn, 'import')}): ${this.#returnType(fn, 'import')};\n`,
      );
    }
    for (const def of iface.types.values()) {
      if (def.body.kind !== 'resource') continue;
      const p = pascalName(def.name);
      lines.push(`${tsdoc(def.docs, inner)}${inner}${p}: ${p}ImplClass;\n`);
    }
    return `${tsdoc('What the host passes for this interface: functions and resource classes.', indent)}${indent}export interface Imports {\n${lines.join('')}${indent}}\n`;
  }

  /** Whether the host must implement something of `iface`: a function or a resource. */
  #hasImplementable(iface: WitInterface): boolean {
    return iface.functions.size > 0;
  }

  #namespace(owner: WitInterface | WitWorld): string {
    const ns = this.#ns(owner);
    const indent = '  ';
    let body = '';
    const types = owner.kind === 'interface' ? [...owner.types.values()] : [...this.#worldTypes()];
    for (const def of types) body += this.#typeDef(def, indent);
    if (owner.kind === 'interface') {
      if (this.#exported.has(owner)) {
        body += this.#exportsShape(owner, 'sync', indent);
        body += this.#exportsShape(owner, 'async', indent);
      }
      if (this.#imported.has(owner) && this.#hasImplementable(owner))
        body += this.#importsShape(owner, indent);
    }
    const label =
      owner.kind === 'interface'
        ? `${owner.docs ? `${owner.docs}\n\n` : ''}Interface \`${owner.id ?? owner.name ?? 'inline'}\`.`
        : `Types of world \`${owner.id}\`.`;
    return `${tsdoc(label, '')}export declare namespace ${ns} {\n${body}}\n`;
  }

  // ---- files --------------------------------------------------------------------------------

  /** Interface ids (or inline keys) in world order, for the `.js` lists. */
  #keys(items: WitWorld['imports']): { interfaces: string[]; functions: string[] } {
    const interfaces: string[] = [];
    const functions: string[] = [];
    for (const [key, item] of items) {
      if (item.kind === 'interface') interfaces.push(item.interface.id ?? key);
      else if (item.kind === 'function') functions.push(item.function.name);
    }
    return { interfaces, functions };
  }

  js(header: string): string {
    const w = this.#world;
    const imports = this.#keys(w.imports);
    const exports = this.#keys(w.exports);
    const list = (xs: string[]) => `[${xs.map(stringLiteral).join(', ')}]`;
    return (
      `${header}\n` +
      tsdoc(
        `${w.docs ? `${w.docs}\n\n` : ''}World \`${w.id}\`: pass it as \`world\` to \`loadPlugin\` or \`PluginHost\`.`,
        '',
      ) +
      `export const ${worldBindingName(w.name)} = Object.freeze({\n` +
      `  name: ${stringLiteral(w.name)},\n` +
      `  id: ${stringLiteral(w.id)},\n` +
      `  imports: Object.freeze(${list(imports.interfaces)}),\n` +
      `  exports: Object.freeze(${list(exports.interfaces)}),\n` +
      `  exportFunctions: Object.freeze(${list(exports.functions)}),\n` +
      `  importFunctions: Object.freeze(${list(imports.functions)}),\n` +
      '});\n'
    );
  }

  dts(header: string): string {
    const w = this.#world;
    let out = `${header}\nimport type { MaybePromise, WorldBinding } from '@witkit/host';\n\n`;
    out +=
      "/** `result<T, E>` as a parameter or nested value (jco's mapping). */\n" +
      "export type WitResult<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };\n" +
      "/** `option<option<T>>`: the outer option is tagged (jco's mapping). */\n" +
      "export type WitOption<T> = { tag: 'none' } | { tag: 'some'; val: T };\n\n";
    for (const owner of this.#namespaces.keys()) {
      if (owner.kind === 'world' && [...this.#worldTypes()].length === 0) continue;
      out += `${this.#namespace(owner)}\n`;
    }

    const exportLines = (view: 'sync' | 'async'): string => {
      let lines = '';
      const short = new Set<string>();
      for (const [key, item] of w.exports) {
        if (item.kind === 'interface') {
          const iface = item.interface;
          const ns = this.#ns(iface);
          const shape = view === 'sync' ? 'Exports' : 'AsyncExports';
          const doc = tsdoc(iface.docs, '  ');
          if (iface.id !== undefined) lines += `${doc}  ${propertyKey(iface.id)}: ${ns}.${shape};\n`;
          const name = camelName(iface.name ?? key);
          if (!short.has(name)) {
            short.add(name);
            lines += `${doc}  ${propertyKey(name)}: ${ns}.${shape};\n`;
          }
        } else if (item.kind === 'function') {
          const fn = item.function;
          lines += `${tsdoc(fn.docs, '  ')}  ${propertyKey(camelName(fn.name))}(${this.#params(fn, view)}): ${this.#returnType(fn, view)};\n`;
        }
      }
      return lines;
    };
    out += `/** The exports of \`${w.id}\` as \`loadPlugin\` serves them: synchronous, resources as classes. */\n`;
    out += `export interface Exports {\n${exportLines('sync')}}\n\n`;
    out += `/** The exports of \`${w.id}\` as \`Plugin.exports\` serves them: every call returns a promise. */\n`;
    out += `export interface AsyncExports {\n${exportLines('async')}}\n\n`;

    let imports = '';
    const root: string[] = [];
    for (const [key, item] of w.imports) {
      if (item.kind === 'interface') {
        const iface = item.interface;
        const id = iface.id ?? key;
        if (isProvidedInterface(id) || !this.#hasImplementable(iface)) continue;
        imports += `${tsdoc(iface.docs, '  ')}  ${propertyKey(id)}: ${this.#ns(iface)}.Imports;\n`;
      } else if (item.kind === 'function') {
        const fn = item.function;
        root.push(
          `${tsdoc(fn.docs, '    ')}    ${propertyKey(camelName(fn.name))}(${this.#params(fn, 'import')}): ${this.#returnType(fn, 'import')};\n`,
        );
      }
    }
    if (root.length > 0)
      imports += `  /** Functions the world imports directly. */\n  $root: {\n${root.join('')}  };\n`;
    out +=
      `/** What the host implements for \`${w.id}\`, by interface id (witkit provides \`wasi:*\` and \`witkit:host-api/*\`). */\n` +
      `export interface Imports {\n${imports}}\n\n`;
    out += tsdoc(
      `${w.docs ? `${w.docs}\n\n` : ''}World \`${w.id}\`: pass it as \`world\` to \`loadPlugin\` or \`PluginHost\`.`,
      '',
    );
    out += `export declare const ${worldBindingName(w.name)}: WorldBinding<Exports, AsyncExports, Imports>;\n`;
    return out;
  }
}

/** The header line of every generated file. */
function headerFor(resolve: WitResolve): string {
  return `// generated by ${GENERATOR_NAME} from ${resolve.root.id}; do not edit`;
}

function findRootWorld(resolve: WitResolve, world: string): WitWorld {
  if (typeof world !== 'string' || world === '') {
    throw new BindgenTsError(
      'WITKIT_BINDGEN_TS_INVALID_OPTIONS',
      `expected \`world\` to be a world name, got ${JSON.stringify(world)}`,
    );
  }
  const found =
    resolve.root.worlds.get(world) ?? [...resolve.root.worlds.values()].find((w) => w.id === world);
  if (found) return found;
  const known = [...resolve.root.worlds.keys()].map((w) => `\`${w}\``);
  throw new BindgenTsError(
    'WITKIT_BINDGEN_TS_UNKNOWN_WORLD',
    `world \`${world}\` is not in package \`${resolve.root.id}\`; ${known.length ? `its worlds are ${known.join(', ')}` : 'it has no worlds'}`,
  );
}

/**
 * Host bindings for one world of the root package: `<world>.js` (the {@link WorldBinding} as
 * plain data) and `<world>.d.ts` (its `Exports`, `AsyncExports` and `Imports` types and the
 * typed binding), by file name.
 *
 * @throws {BindgenTsError} `WITKIT_BINDGEN_TS_UNKNOWN_WORLD` when the root package has no such world
 *
 * @example
 * ```ts
 * const files = generateHostBindings(await resolveWitPath('wit'), 'notes-plugin');
 * files.get('notes-plugin.d.ts'); // "export interface Exports { ... }"
 * ```
 */
export function generateHostBindings(resolve: WitResolve, world: string): Map<string, string> {
  const w = findRootWorld(resolve, world);
  const gen = new WorldGenerator(w);
  const header = headerFor(resolve);
  return new Map([
    [`${w.name}.js`, gen.js(header)],
    [`${w.name}.d.ts`, gen.dts(header)],
  ]);
}

/**
 * Host bindings for several worlds of the root package (default: all of them), plus an
 * `index.js` / `index.d.ts` re-exporting each world's binding (and its types as a namespace).
 *
 * @throws {BindgenTsError} `WITKIT_BINDGEN_TS_UNKNOWN_WORLD` for a name the root package lacks
 */
export function generateHostBindingsForWorlds(
  resolve: WitResolve,
  worlds: readonly string[] = [...resolve.root.worlds.keys()],
): Map<string, string> {
  const files = new Map<string, string>();
  const names = worlds.map((w) => findRootWorld(resolve, w).name);
  for (const name of names)
    for (const [file, text] of generateHostBindings(resolve, name)) files.set(file, text);
  const header = headerFor(resolve);
  files.set(
    'index.js',
    `${header}\n${names.map((n) => `export { ${worldBindingName(n)} } from './${n}.js';\n`).join('')}`,
  );
  files.set(
    'index.d.ts',
    `${header}\n${names
      .map(
        (n) =>
          `export { ${worldBindingName(n)} } from './${n}.js';\nexport type * as ${pascalName(n)} from './${n}.js';\n`,
      )
      .join('')}`,
  );
  return files;
}

/** Options of {@link generateHostBindingsFromPath}. */
export interface HostBindingsPathOptions {
  /** Worlds of the root package to generate. @default every world */
  readonly worlds?: readonly string[] | undefined;
}

/**
 * {@link generateHostBindingsForWorlds} for the WIT folder or file at `path`.
 *
 * @throws `WitError` (`@witkit/wit`) for unreadable or invalid WIT, {@link BindgenTsError} for an unknown world
 */
export async function generateHostBindingsFromPath(
  path: string,
  options: HostBindingsPathOptions = {},
): Promise<Map<string, string>> {
  const resolve = await resolveWitPath(path);
  return generateHostBindingsForWorlds(
    resolve,
    options.worlds && options.worlds.length > 0 ? options.worlds : undefined,
  );
}
