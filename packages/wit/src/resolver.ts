import type {
  AstFile,
  AstFunc,
  AstGate,
  AstIdent,
  AstInterface,
  AstInterfaceItem,
  AstPackageItem,
  AstPackageName,
  AstTopUse,
  AstType,
  AstTypeDef,
  AstUse,
  AstUsePath,
  AstWorld,
} from './ast.js';
import { WitError } from './errors.js';
import { locateIn } from './lexer.js';
import type {
  WitFunction,
  WitInterface,
  WitPackage,
  WitParam,
  WitResolve,
  WitStability,
  WitType,
  WitTypeDef,
  WitTypeDefBody,
  WitWorld,
  WitWorldItem,
} from './model.js';
import { compareSemver } from './semver.js';

/** Options for resolution. */
export interface ResolveOptions {
  /**
   * Features whose `@unstable(feature = ...)` items are kept; `'all'` keeps every one.
   * Items gated on other features are left out, as if they were not written.
   * @default []
   */
  features?: readonly string[] | 'all';
}

/** Parsed input to {@link resolvePackages}: the root package's files and each dependency's files. */
export interface ResolveInput {
  /** The files of the root package (e.g. the `*.wit` files of a directory). */
  readonly root: readonly AstFile[];
  /** Each dependency package as its own list of files. */
  readonly deps: readonly (readonly AstFile[])[];
}

/** A source position: the file and the offset in it. */
interface At {
  readonly file: AstFile;
  readonly start: number;
}

/** A file (or nested package block) and the names its top-level `use`s bring in. */
interface Unit {
  readonly file: AstFile;
  readonly topUses: Map<string, AstTopUse>;
}

interface PkgSrc {
  readonly key: string;
  readonly name: AstPackageName;
  readonly decls: Map<string, Decl>;
  readonly pkg: WitPackage;
  readonly interfaces: Map<string, WitInterface>;
  readonly worlds: Map<string, WitWorld>;
  readonly refs: { key: string; at: At }[];
  readonly units: Unit[];
  readonly declaredAt: At;
}

type Decl =
  | {
      readonly kind: 'interface';
      readonly ast: AstInterface;
      readonly unit: Unit;
      readonly src: PkgSrc;
      state: 'todo' | 'busy' | 'done';
      value?: WitInterface;
      readonly excluded?: string;
    }
  | {
      readonly kind: 'world';
      readonly ast: AstWorld;
      readonly unit: Unit;
      readonly src: PkgSrc;
      state: 'todo' | 'busy' | 'done';
      value?: WitWorld;
      readonly excluded?: string;
    };

/** Key of a package: `ns:name` or `ns:name@version`. */
function pkgKey(name: { namespace: string; name: string; version?: string | undefined }): string {
  return `${name.namespace}:${name.name}${name.version === undefined ? '' : `@${name.version}`}`;
}

function stabilityOf(gate: AstGate | undefined): WitStability {
  if (gate === undefined) return {};
  return {
    ...(gate.since === undefined ? {} : { since: gate.since }),
    ...(gate.unstable === undefined ? {} : { unstable: gate.unstable }),
    ...(gate.deprecated === undefined ? {} : { deprecated: gate.deprecated }),
  };
}

function docsField(docs: string | undefined): { docs?: string } {
  return docs === undefined ? {} : { docs };
}

/**
 * Follows `type a = b` aliases, including those `use` creates, to the definition that is not an alias.
 *
 * @example
 * ```ts
 * const def = iface.types.get('plugin-metadata')!; // an alias made by `use base-plugin.{plugin-metadata}`
 * unaliasTypeDef(def).body.kind; // 'record'
 * ```
 */
export function unaliasTypeDef(def: WitTypeDef): WitTypeDef {
  let cur = def;
  const seen = new Set<WitTypeDef>();
  while (cur.body.kind === 'alias' && cur.body.type.kind === 'ref' && !seen.has(cur)) {
    seen.add(cur);
    cur = cur.body.type.def;
  }
  return cur;
}

/**
 * Resolves parsed WIT files into a model: binds every name, checks packages, types and worlds,
 * and elaborates each world's imports and exports.
 *
 * @throws {@link WitError} with code `WITKIT_WIT_RESOLVE` for unknown or duplicate names, cycles, missing
 * packages and other semantic errors.
 *
 * @example
 * ```ts
 * const resolve = resolvePackages({
 *   root: [parseWit('package my:app;\nworld app { import my:log/logger; }', 'app.wit')],
 *   deps: [[parseWit('package my:log;\ninterface logger { log: func(msg: string); }', 'log.wit')]],
 * });
 * ```
 */
export function resolvePackages(input: ResolveInput, options: ResolveOptions = {}): WitResolve {
  if (
    typeof input !== 'object' ||
    input === null ||
    !Array.isArray(input.root) ||
    !Array.isArray(input.deps)
  ) {
    throw new TypeError('expected `input` to be `{ root: AstFile[], deps: AstFile[][] }`');
  }
  const f: unknown = options.features;
  if (f !== undefined && f !== 'all' && !(Array.isArray(f) && f.every((x) => typeof x === 'string'))) {
    throw new TypeError(
      `expected \`features\` to be an array of feature names or 'all', got ${JSON.stringify(f)}`,
    );
  }
  return new Resolver(options).run(input);
}

class Resolver {
  private readonly packages = new Map<string, PkgSrc>();
  private readonly features: ReadonlySet<string> | 'all';

  constructor(options: ResolveOptions) {
    const f = options.features ?? [];
    this.features = f === 'all' ? 'all' : new Set(f);
  }

  /** A `WITKIT_WIT_RESOLVE` error at `at`, with a snippet of the source. */
  error(at: At | undefined, message: string): WitError {
    if (at === undefined) return new WitError('WITKIT_WIT_RESOLVE', message);
    return new WitError('WITKIT_WIT_RESOLVE', message, {
      location: locateIn(at.file.source, at.file.file, at.start),
      source: at.file.source,
    });
  }

  run(input: ResolveInput): WitResolve {
    if (input.root.length === 0) throw this.error(undefined, 'no WIT files were given for the root package');
    const root = this.addGroup(input.root);
    for (const dep of input.deps) this.addGroup(dep);
    const order = this.sortPackages();
    for (const src of order) {
      for (const decl of src.decls.values()) {
        if (decl.excluded !== undefined) continue;
        if (decl.kind === 'interface') this.ensureInterface(decl, undefined);
        else this.ensureWorld(decl, undefined);
      }
      // Interfaces and worlds were finished in dependency order; list them in source order.
      src.interfaces.clear();
      src.worlds.clear();
      for (const [name, decl] of src.decls) {
        if (decl.kind === 'interface' && decl.value !== undefined) src.interfaces.set(name, decl.value);
        if (decl.kind === 'world' && decl.value !== undefined) src.worlds.set(name, decl.value);
      }
      // Top-level `use`s must point at something even when nothing refers to their names.
      for (const unit of src.units) {
        for (const use of unit.topUses.values()) {
          if (this.active(use.gate, src, unit.file)) this.iface(use.path, unit, src);
        }
      }
    }
    return { root: root.pkg, packages: order.map((s) => s.pkg) };
  }

  /** Registers the files of one package group: the package itself plus nested `package { }` blocks. */
  private addGroup(files: readonly AstFile[]): PkgSrc {
    let header: { name: AstPackageName; file: AstFile } | undefined;
    let docs: string | undefined;
    for (const file of files) {
      if (file.package === undefined) continue;
      if (header !== undefined && pkgKey(header.name) !== pkgKey(file.package)) {
        throw this.error(
          { file, start: file.package.start },
          `package \`${pkgKey(file.package)}\` does not match \`${pkgKey(header.name)}\` declared in \`${header.file.file}\``,
        );
      }
      header ??= { name: file.package, file };
      docs ??= file.packageDocs;
    }
    if (header === undefined) {
      const first = files[0]!;
      throw this.error(
        { file: first, start: 0 },
        'no `package` header was found in any WIT file for this package; add `package namespace:name;` at the top of one file',
      );
    }
    const main = this.addPackage(header.name, { file: header.file, start: header.name.start }, docs);
    for (const file of files) {
      this.addItems(main, { file, topUses: new Map() }, file.items);
    }
    for (const file of files) {
      for (const nested of file.nestedPackages) {
        const src = this.addPackage(nested.name, { file, start: nested.name.start }, nested.docs);
        this.addItems(src, { file, topUses: new Map() }, nested.items);
      }
    }
    return main;
  }

  private addPackage(name: AstPackageName, at: At, docs: string | undefined): PkgSrc {
    const key = pkgKey(name);
    const existing = this.packages.get(key);
    if (existing !== undefined) {
      throw this.error(
        at,
        `package \`${key}\` is defined more than once (also in \`${existing.declaredAt.file.file}\`)`,
      );
    }
    const interfaces = new Map<string, WitInterface>();
    const worlds = new Map<string, WitWorld>();
    const pkg: WitPackage = {
      namespace: name.namespace,
      name: name.name,
      ...(name.version === undefined ? {} : { version: name.version }),
      id: key,
      ...docsField(docs),
      interfaces,
      worlds,
    };
    const src: PkgSrc = {
      key,
      name,
      decls: new Map(),
      pkg,
      interfaces,
      worlds,
      refs: [],
      units: [],
      declaredAt: at,
    };
    this.packages.set(key, src);
    return src;
  }

  private addItems(src: PkgSrc, unit: Unit, items: readonly AstPackageItem[]): void {
    src.units.push(unit);
    const file = unit.file;
    for (const item of items) {
      this.collectRefs(src, file, item);
      if (item.kind === 'top-use') {
        const name = item.as ?? item.path.name;
        // Top-level `use` names belong to their file: they clash only with items of the same file.
        if (unit.topUses.has(name.name) || src.decls.get(name.name)?.unit === unit) {
          throw this.error({ file, start: name.start }, `duplicate item named \`${name.name}\``);
        }
        unit.topUses.set(name.name, item);
        continue;
      }
      const name = item.name;
      const prior = src.decls.get(name.name);
      if (prior !== undefined || unit.topUses.has(name.name)) {
        throw this.error({ file, start: name.start }, `duplicate item named \`${name.name}\``);
      }
      const active = this.active(item.gate, src, file);
      const excluded = active ? {} : { excluded: item.gate?.unstable ?? '' };
      if (item.kind === 'interface') {
        src.decls.set(name.name, { kind: 'interface', ast: item, unit, src, state: 'todo', ...excluded });
      } else {
        src.decls.set(name.name, { kind: 'world', ast: item, unit, src, state: 'todo', ...excluded });
      }
    }
  }

  /** Records which packages an item refers to, to order packages and find cycles between them. */
  private collectRefs(src: PkgSrc, file: AstFile, item: AstPackageItem): void {
    const addPath = (path: AstUsePath) => {
      if (path.kind === 'package')
        src.refs.push({ key: pkgKey(path.package), at: { file, start: path.package.start } });
    };
    const fromIfaceItems = (items: readonly AstInterfaceItem[]) => {
      for (const i of items) if (i.kind === 'use') addPath(i.path);
    };
    if (item.kind === 'top-use') addPath(item.path);
    else if (item.kind === 'interface') fromIfaceItems(item.items);
    else {
      for (const w of item.items) {
        if (w.kind === 'use' || w.kind === 'include') addPath(w.path);
        else if (w.kind === 'import' || w.kind === 'export') {
          if (w.extern.kind === 'path') addPath(w.extern.path);
          else if (w.extern.kind === 'interface') fromIfaceItems(w.extern.items);
        }
      }
    }
  }

  /** Orders packages so dependencies come first; reports missing packages and package cycles. */
  private sortPackages(): PkgSrc[] {
    const order: PkgSrc[] = [];
    const state = new Map<string, 'busy' | 'done'>();
    const visit = (src: PkgSrc) => {
      state.set(src.key, 'busy');
      for (const ref of src.refs) {
        if (ref.key === src.key) {
          throw this.error(
            ref.at,
            `package \`${src.key}\` refers to itself by its full name, which makes a dependency cycle; refer to its own interfaces and worlds by their plain names`,
          );
        }
        const dep = this.packages.get(ref.key);
        if (dep === undefined) {
          const known = [...this.packages.keys()].map((k) => `\`${k}\``).join(', ');
          throw this.error(ref.at, `package \`${ref.key}\` not found; known packages: ${known}`);
        }
        const s = state.get(dep.key);
        if (s === 'busy')
          throw this.error(ref.at, `package \`${dep.key}\` depends on itself through \`${src.key}\``);
        if (s === undefined) visit(dep);
      }
      state.set(src.key, 'done');
      order.push(src);
    };
    for (const src of this.packages.values()) if (!state.has(src.key)) visit(src);
    return order;
  }

  /** Checks an item's gates against its package, and says whether the item is kept. */
  active(gate: AstGate | undefined, src: PkgSrc, file: AstFile): boolean {
    if (gate === undefined) return true;
    for (const [attr, v] of [
      ['since', gate.since],
      ['deprecated', gate.deprecated],
    ] as const) {
      if (v === undefined) continue;
      const pv = src.name.version;
      if (pv === undefined) {
        throw this.error(
          { file, start: gate.start },
          `\`@${attr}\` needs a package version, but package \`${src.key}\` has none; add \`@<version>\` to its \`package\` header`,
        );
      }
      if (compareSemver(v, pv) > 0) {
        throw this.error(
          { file, start: gate.start },
          `\`@${attr}\` refers to version \`${v}\`, which is later than the package version \`${pv}\` of \`${src.key}\``,
        );
      }
    }
    if (gate.unstable === undefined) return true;
    return this.features === 'all' || this.features.has(gate.unstable);
  }

  excluded(kind: string, name: string, feature: string): string {
    return `${kind} \`${name}\` is gated behind unstable feature \`${feature}\`, which is not enabled`;
  }

  // ---------------------------------------------------------------- paths

  /** Finds the declaration a use path names. */
  private declFromPath(path: AstUsePath, unit: Unit, src: PkgSrc): Decl {
    const at = { file: unit.file, start: path.name.start };
    if (path.kind === 'local') {
      const top = unit.topUses.get(path.name.name);
      if (top !== undefined) return this.declFromPath(top.path, unit, src);
      const decl = src.decls.get(path.name.name);
      if (decl === undefined) throw this.error(at, `interface or world \`${path.name.name}\` does not exist`);
      return decl;
    }
    const key = pkgKey(path.package);
    const pkg = this.packages.get(key);
    if (pkg === undefined) {
      throw this.error({ file: unit.file, start: path.package.start }, `package \`${key}\` not found`);
    }
    const decl = pkg.decls.get(path.name.name);
    if (decl === undefined) {
      throw this.error(at, `interface or world \`${path.name.name}\` does not exist in package \`${key}\``);
    }
    return decl;
  }

  /** Resolves a path that must name an interface. */
  iface(path: AstUsePath, unit: Unit, src: PkgSrc): WitInterface {
    const decl = this.declFromPath(path, unit, src);
    const at = { file: unit.file, start: path.name.start };
    if (decl.kind !== 'interface') throw this.error(at, `\`${path.name.name}\` is a world, not an interface`);
    return this.ensureInterface(decl, at);
  }

  /** Resolves a path that must name a world. */
  world(path: AstUsePath, unit: Unit, src: PkgSrc): WitWorld {
    const decl = this.declFromPath(path, unit, src);
    const at = { file: unit.file, start: path.name.start };
    if (decl.kind !== 'world') throw this.error(at, `\`${path.name.name}\` is an interface, not a world`);
    return this.ensureWorld(decl, at);
  }

  // ---------------------------------------------------------------- interfaces

  private ensureInterface(decl: Extract<Decl, { kind: 'interface' }>, at: At | undefined): WitInterface {
    if (decl.excluded !== undefined) {
      throw this.error(at, this.excluded('interface', decl.ast.name.name, decl.excluded));
    }
    if (decl.state === 'done') return decl.value!;
    if (decl.state === 'busy') {
      throw this.error(at, `interface or world \`${decl.ast.name.name}\` depends on itself`);
    }
    decl.state = 'busy';
    const ast = decl.ast;
    const src = decl.src;
    const iface = this.newInterface(
      src.pkg,
      ast.name.name,
      `${src.name.namespace}:${src.name.name}/${ast.name.name}${src.name.version === undefined ? '' : `@${src.name.version}`}`,
      ast.docs,
      ast.gate,
    );
    this.fill(iface, ast.items, decl.unit, src);
    decl.value = iface.value;
    decl.state = 'done';
    src.interfaces.set(ast.name.name, iface.value);
    return iface.value;
  }

  newInterface(
    pkg: WitPackage,
    name: string | undefined,
    id: string | undefined,
    docs: string | undefined,
    gate: AstGate | undefined,
  ): MutableInterface {
    const types = new Map<string, WitTypeDef>();
    const functions = new Map<string, WitFunction>();
    const uses: WitInterface[] = [];
    const value: WitInterface = {
      kind: 'interface',
      ...(name === undefined ? {} : { name }),
      ...(id === undefined ? {} : { id }),
      package: pkg,
      ...docsField(docs),
      stability: stabilityOf(gate),
      types,
      functions,
      uses,
    };
    return { value, types, functions, uses };
  }

  /** Fills an interface (named or inline) from its items. */
  fill(iface: MutableInterface, items: readonly AstInterfaceItem[], unit: Unit, src: PkgSrc): void {
    const scope = new TypeScope(this, unit, src, iface.value);
    const funcs: { name: AstIdent; func: AstFunc; docs: string | undefined; gate: AstGate | undefined }[] =
      [];
    for (const item of items) {
      if (item.kind === 'use') {
        if (!this.active(item.gate, src, unit.file)) continue;
        this.applyUse(item, scope, unit, src, (dep) => {
          if (!iface.uses.includes(dep)) iface.uses.push(dep);
        });
      } else if (item.kind === 'typedef') {
        if (!this.active(item.def.gate, src, unit.file)) {
          scope.exclude(item.def.name, item.def.gate?.unstable ?? '');
          continue;
        }
        scope.declare(item.def);
      } else {
        if (!this.active(item.gate, src, unit.file)) {
          scope.exclude(item.name, item.gate?.unstable ?? '');
          continue;
        }
        scope.declareFunction(item.name);
        funcs.push({ name: item.name, func: item.func, docs: item.docs, gate: item.gate });
      }
    }
    scope.resolveAll();
    for (const def of scope.defs()) iface.types.set(def.name, def);
    for (const f of scope.resourceFunctions()) iface.functions.set(f.qualifiedName, f);
    for (const f of funcs) {
      const fn = scope.func(f.name, f.func, 'freestanding', undefined, f.docs, f.gate);
      iface.functions.set(fn.qualifiedName, fn);
    }
  }

  /** Resolves `use path.{a, b as c}` into aliases in `scope`. */
  applyUse(
    item: AstUse,
    scope: TypeScope,
    unit: Unit,
    src: PkgSrc,
    onDep: (dep: WitInterface) => void,
  ): void {
    const dep = this.iface(item.path, unit, src);
    onDep(dep);
    for (const { name, as } of item.names) {
      const target = dep.types.get(name.name);
      const at = { file: unit.file, start: name.start };
      if (target === undefined) {
        const what = [...dep.functions.values()].some(
          (f) => f.name === name.name && f.kind === 'freestanding',
        )
          ? `cannot import function \`${name.name}\` with \`use\`; only types can be imported`
          : `type \`${name.name}\` does not exist in interface \`${dep.name ?? '<inline>'}\``;
        throw this.error(at, what);
      }
      scope.declareUse(as ?? name, target, dep);
    }
  }

  // ---------------------------------------------------------------- worlds

  private ensureWorld(decl: Extract<Decl, { kind: 'world' }>, at: At | undefined): WitWorld {
    if (decl.excluded !== undefined)
      throw this.error(at, this.excluded('world', decl.ast.name.name, decl.excluded));
    if (decl.state === 'done') return decl.value!;
    if (decl.state === 'busy')
      throw this.error(at, `interface or world \`${decl.ast.name.name}\` depends on itself`);
    decl.state = 'busy';
    const world = new WorldBuilder(this, decl.ast, decl.unit, decl.src).build();
    decl.value = world;
    decl.state = 'done';
    decl.src.worlds.set(world.name, world);
    return world;
  }
}

interface MutableInterface {
  readonly value: WitInterface;
  readonly types: Map<string, WitTypeDef>;
  readonly functions: Map<string, WitFunction>;
  readonly uses: WitInterface[];
}

type ScopeEntry =
  | { kind: 'type'; ast: AstTypeDef; def: WitTypeDef; state: 'todo' | 'busy' | 'done' }
  | { kind: 'use'; def: WitTypeDef }
  | { kind: 'func' }
  | { kind: 'excluded'; feature: string };

const PLACEHOLDER: WitTypeDefBody = { kind: 'record', fields: [] };

/**
 * The names of one interface or world: type definitions, `use`d types and functions. Types are
 * resolved on demand so they may be referenced before they are defined, and cycles are found.
 */
class TypeScope {
  private readonly entries = new Map<string, ScopeEntry>();
  private readonly resourceFns: WitFunction[] = [];

  constructor(
    private readonly r: Resolver,
    private readonly unit: Unit,
    private readonly src: PkgSrc,
    private readonly owner: WitInterface | WitWorld,
  ) {}

  private at(start: number): At {
    return { file: this.unit.file, start };
  }

  private claim(name: AstIdent, entry: ScopeEntry): void {
    if (this.entries.has(name.name)) {
      throw this.r.error(this.at(name.start), `name \`${name.name}\` is defined more than once`);
    }
    this.entries.set(name.name, entry);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  declare(ast: AstTypeDef): WitTypeDef {
    const def: WitTypeDef = {
      name: ast.name.name,
      owner: this.owner,
      ...docsField(ast.docs),
      stability: stabilityOf(ast.gate),
      body: PLACEHOLDER,
    };
    this.claim(ast.name, { kind: 'type', ast, def, state: 'todo' });
    return def;
  }

  declareUse(name: AstIdent, target: WitTypeDef, from: WitInterface): WitTypeDef {
    const def: WitTypeDef = {
      name: name.name,
      owner: this.owner,
      stability: {},
      body: { kind: 'alias', type: { kind: 'ref', def: target }, usedFrom: from },
    };
    this.claim(name, { kind: 'use', def });
    return def;
  }

  declareFunction(name: AstIdent): void {
    this.claim(name, { kind: 'func' });
  }

  exclude(name: AstIdent, feature: string): void {
    this.claim(name, { kind: 'excluded', feature });
  }

  /** Every type definition and `use` alias, in declaration order. */
  defs(): WitTypeDef[] {
    const out: WitTypeDef[] = [];
    for (const e of this.entries.values()) if (e.kind === 'type' || e.kind === 'use') out.push(e.def);
    return out;
  }

  resourceFunctions(): readonly WitFunction[] {
    return this.resourceFns;
  }

  /** Resolves every type body, then the functions of every resource. */
  resolveAll(): void {
    for (const e of this.entries.values()) if (e.kind === 'type') this.resolveEntry(e);
    for (const e of this.entries.values()) {
      if (e.kind !== 'type' || e.ast.kind !== 'resource') continue;
      const fns = e.ast.funcs;
      const seen = new Set<string>();
      let hasCtor = false;
      const out: WitFunction[] = [];
      for (const f of fns) {
        if (!this.r.active(f.gate, this.src, this.unit.file)) continue;
        if (f.kind === 'constructor') {
          if (hasCtor)
            throw this.r.error(
              this.at(f.name.start),
              `resource \`${e.def.name}\` has duplicate constructors`,
            );
          hasCtor = true;
        } else {
          if (seen.has(f.name.name)) {
            throw this.r.error(
              this.at(f.name.start),
              `duplicate function name \`${f.name.name}\` in resource \`${e.def.name}\``,
            );
          }
          seen.add(f.name.name);
        }
        out.push(this.func(f.name, f.func, f.kind, e.def, f.docs, f.gate));
      }
      e.def.body = { kind: 'resource', functions: out };
      this.resourceFns.push(...out);
    }
  }

  private resolveEntry(e: Extract<ScopeEntry, { kind: 'type' }>): void {
    if (e.state === 'done') return;
    e.state = 'busy';
    const ast = e.ast;
    let body: WitTypeDefBody;
    switch (ast.kind) {
      case 'alias':
        body = { kind: 'alias', type: this.type(ast.type) };
        break;
      case 'record':
        body = {
          kind: 'record',
          fields: ast.fields.map((f) => ({
            name: f.name.name,
            ...docsField(f.docs),
            type: this.type(f.type),
          })),
        };
        break;
      case 'variant':
        body = {
          kind: 'variant',
          cases: ast.cases.map((c) => ({
            name: c.name.name,
            ...docsField(c.docs),
            ...(c.type === undefined ? {} : { type: this.type(c.type) }),
          })),
        };
        break;
      case 'enum':
        body = { kind: 'enum', cases: ast.cases.map((c) => ({ name: c.name.name, ...docsField(c.docs) })) };
        break;
      case 'flags':
        body = { kind: 'flags', flags: ast.flags.map((c) => ({ name: c.name.name, ...docsField(c.docs) })) };
        break;
      case 'resource':
        // Functions are resolved after all types: they may name any type, including this one.
        body = { kind: 'resource', functions: [] };
        break;
    }
    e.def.body = body;
    e.state = 'done';
  }

  /** Looks up a named type, resolving its definition first if needed. */
  lookup(name: AstIdent): WitTypeDef {
    const e = this.entries.get(name.name);
    const at = this.at(name.start);
    if (e === undefined) throw this.r.error(at, `type \`${name.name}\` does not exist`);
    switch (e.kind) {
      case 'use':
        return e.def;
      case 'func':
        throw this.r.error(at, `\`${name.name}\` is a function, not a type`);
      case 'excluded':
        throw this.r.error(at, this.r.excluded('type', name.name, e.feature));
      case 'type':
        if (e.state === 'busy') throw this.r.error(at, `type \`${name.name}\` depends on itself`);
        this.resolveEntry(e);
        return e.def;
    }
  }

  type(ast: AstType): WitType {
    switch (ast.kind) {
      case 'primitive':
        return { kind: ast.name };
      case 'named':
        return { kind: 'ref', def: this.lookup(ast.name) };
      case 'list':
        return {
          kind: 'list',
          element: this.type(ast.element),
          ...(ast.length === undefined ? {} : { length: ast.length }),
        };
      case 'option':
        return { kind: 'option', type: this.type(ast.type) };
      case 'result':
        return {
          kind: 'result',
          ...(ast.ok === undefined ? {} : { ok: this.type(ast.ok) }),
          ...(ast.err === undefined ? {} : { err: this.type(ast.err) }),
        };
      case 'tuple':
        return { kind: 'tuple', types: ast.types.map((t) => this.type(t)) };
      case 'handle': {
        const def = this.lookup(ast.resource);
        if (unaliasTypeDef(def).body.kind !== 'resource') {
          throw this.r.error(
            this.at(ast.resource.start),
            `\`${ast.handle}<${ast.resource.name}>\` needs a resource, but \`${ast.resource.name}\` is not one`,
          );
        }
        return { kind: ast.handle, resource: def };
      }
      case 'future':
      case 'stream':
        return { kind: ast.kind, ...(ast.type === undefined ? {} : { type: this.type(ast.type) }) };
      case 'error-context':
        return { kind: 'error-context' };
    }
  }

  func(
    name: AstIdent,
    ast: AstFunc,
    kind: WitFunction['kind'],
    resource: WitTypeDef | undefined,
    docs: string | undefined,
    gate: AstGate | undefined,
  ): WitFunction {
    const params: WitParam[] = [];
    const seen = new Set<string>();
    if (kind === 'method') {
      params.push({ name: 'self', type: { kind: 'borrow', resource: resource! } });
      seen.add('self');
    }
    for (const p of ast.params) {
      if (seen.has(p.name.name)) {
        throw this.r.error(this.at(p.name.start), `param \`${p.name.name}\` is defined more than once`);
      }
      seen.add(p.name.name);
      params.push({ name: p.name.name, type: this.type(p.type) });
    }
    let result = ast.result === undefined ? undefined : this.type(ast.result);
    if (kind === 'constructor') {
      if (result === undefined) result = { kind: 'own', resource: resource! };
      else if (!isConstructorResult(result, resource!)) {
        throw this.r.error(
          this.at(typeStart(ast.result!)),
          `constructor of \`${resource!.name}\` may only declare a result of \`result<${resource!.name}>\` or \`result<${resource!.name}, E>\``,
        );
      }
    }
    if (result !== undefined && containsBorrow(result, new Set())) {
      throw this.r.error(
        this.at(typeStart(ast.result!)),
        `function \`${name.name}\` returns a type that contains a \`borrow<T>\`, which is not allowed in results`,
      );
    }
    const qualifiedName =
      kind === 'freestanding'
        ? name.name
        : kind === 'constructor'
          ? `[constructor]${resource!.name}`
          : `[${kind}]${resource!.name}.${name.name}`;
    return {
      name: name.name,
      qualifiedName,
      kind,
      ...(resource === undefined ? {} : { resource }),
      async: ast.async,
      params,
      ...(result === undefined ? {} : { result }),
      ...docsField(docs),
      stability: stabilityOf(gate),
    };
  }
}

function typeStart(t: AstType): number {
  return t.kind === 'named' ? t.name.start : t.start;
}

/** A declared constructor result must be `result<R>` or `result<R, E>` (a plain `R` is implied). */
function isConstructorResult(t: WitType, resource: WitTypeDef): boolean {
  if (t.kind !== 'result' || t.ok === undefined) return false;
  const ok = t.ok;
  return (
    (ok.kind === 'ref' || ok.kind === 'own') &&
    unaliasTypeDef(ok.kind === 'ref' ? ok.def : ok.resource) === resource
  );
}

function containsBorrow(t: WitType, seen: Set<WitTypeDef>): boolean {
  switch (t.kind) {
    case 'borrow':
      return true;
    case 'list':
      return containsBorrow(t.element, seen);
    case 'option':
      return containsBorrow(t.type, seen);
    case 'result':
      return (
        (t.ok !== undefined && containsBorrow(t.ok, seen)) ||
        (t.err !== undefined && containsBorrow(t.err, seen))
      );
    case 'tuple':
      return t.types.some((x) => containsBorrow(x, seen));
    case 'future':
    case 'stream':
      return t.type !== undefined && containsBorrow(t.type, seen);
    case 'ref': {
      if (seen.has(t.def)) return false;
      seen.add(t.def);
      const b = t.def.body;
      switch (b.kind) {
        case 'alias':
          return containsBorrow(b.type, seen);
        case 'record':
          return b.fields.some((f) => containsBorrow(f.type, seen));
        case 'variant':
          return b.cases.some((c) => c.type !== undefined && containsBorrow(c.type, seen));
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

/** Builds one world: its own items, then `include`s, then the implicit imports. */
class WorldBuilder {
  private readonly imports = new Map<string, WitWorldItem>();
  private readonly exports = new Map<string, WitWorldItem>();
  private readonly world: WitWorld;
  private readonly scope: TypeScope;
  /** Where each explicitly imported or exported interface is named, for errors. */
  private readonly positions = new Map<WitInterface, number>();

  constructor(
    private readonly r: Resolver,
    private readonly ast: AstWorld,
    private readonly unit: Unit,
    private readonly src: PkgSrc,
  ) {
    const v = src.name.version;
    this.world = {
      kind: 'world',
      name: ast.name.name,
      id: `${src.name.namespace}:${src.name.name}/${ast.name.name}${v === undefined ? '' : `@${v}`}`,
      package: src.pkg,
      ...docsField(ast.docs),
      stability: stabilityOf(ast.gate),
      imports: this.imports,
      exports: this.exports,
    };
    this.scope = new TypeScope(r, unit, src, this.world);
  }

  private at(start: number): At {
    return { file: this.unit.file, start };
  }

  build(): WitWorld {
    const file = this.unit.file;
    // World functions are resolved after the world's types, so they wait as thunks until then.
    type Entry =
      | (WitWorldItem & { key: string })
      | { key: string; kind: 'pending'; resolve: () => WitFunction };
    const explicitImports: Entry[] = [];
    const explicitExports: Entry[] = [];
    const kebabImports = new Map<string, string>();
    const kebabExports = new Map<string, string>();
    const includes: Extract<AstWorld['items'][number], { kind: 'include' }>[] = [];

    const claimKebab = (kind: 'import' | 'export', name: AstIdent, what: string) => {
      const names = kind === 'import' ? kebabImports : kebabExports;
      const prior = names.get(name.name);
      if (prior !== undefined) {
        throw this.r.error(
          this.at(name.start),
          `${kind} \`${name.name}\` conflicts with a prior ${prior} of the same name`,
        );
      }
      names.set(name.name, what);
    };

    for (const item of this.ast.items) {
      switch (item.kind) {
        case 'use': {
          if (!this.r.active(item.gate, this.src, file)) break;
          this.r.applyUse(item, this.scope, this.unit, this.src, (dep) => {
            explicitImports.push({ key: dep.id!, kind: 'interface', interface: dep, implicit: true });
          });
          for (const n of item.names) claimKebab('import', n.as ?? n.name, 'type');
          break;
        }
        case 'typedef':
          if (!this.r.active(item.def.gate, this.src, file)) {
            this.scope.exclude(item.def.name, item.def.gate?.unstable ?? '');
            break;
          }
          claimKebab('import', item.def.name, 'type');
          this.scope.declare(item.def);
          break;
        case 'include':
          if (this.r.active(item.gate, this.src, file)) includes.push(item);
          break;
        case 'import':
        case 'export': {
          if (!this.r.active(item.gate, this.src, file)) break;
          const list = item.kind === 'import' ? explicitImports : explicitExports;
          const ext = item.extern;
          if (ext.kind === 'path') {
            const iface = this.r.iface(ext.path, this.unit, this.src);
            const key = iface.id!;
            if (list.some((x) => x.key === key && !(x.kind === 'interface' && x.implicit))) {
              throw this.r.error(
                this.at(ext.path.name.start),
                `interface \`${key}\` cannot be ${item.kind}ed more than once`,
              );
            }
            list.push({ key, kind: 'interface', interface: iface, implicit: false });
            this.positions.set(iface, ext.path.name.start);
          } else if (ext.kind === 'func') {
            claimKebab(item.kind, ext.name, 'function');
            list.push({
              key: ext.name.name,
              kind: 'pending',
              resolve: () =>
                this.scope.func(ext.name, ext.func, 'freestanding', undefined, item.docs, item.gate),
            });
          } else {
            claimKebab(item.kind, ext.name, 'interface');
            const inline = this.r.newInterface(this.src.pkg, undefined, undefined, undefined, undefined);
            this.r.fill(inline, ext.items, this.unit, this.src);
            list.push({ key: ext.name.name, kind: 'interface', interface: inline.value, implicit: false });
          }
          break;
        }
      }
    }

    this.scope.resolveAll();
    const types = this.scope.defs();
    const settle = (x: Entry): WitWorldItem & { key: string } =>
      x.kind === 'pending' ? { key: x.key, kind: 'function', function: x.resolve() } : x;

    // Own items first, in source order; types are imports keyed by name.
    const ownImports = explicitImports.map(settle);
    const ownExports = explicitExports.map(settle);
    for (const t of types) ownImports.push({ key: t.name, kind: 'type', type: t });
    // Functions of world-level resources are world imports, like freestanding imported functions.
    for (const f of this.scope.resourceFunctions())
      ownImports.push({ key: f.qualifiedName, kind: 'function', function: f });

    for (const inc of includes) this.include(inc, ownImports, ownExports, kebabImports, kebabExports);

    this.elaborate(ownImports, ownExports);
    return this.world;
  }

  private include(
    inc: Extract<AstWorld['items'][number], { kind: 'include' }>,
    imports: (WitWorldItem & { key: string })[],
    exports: (WitWorldItem & { key: string })[],
    kebabImports: Map<string, string>,
    kebabExports: Map<string, string>,
  ): void {
    const other = this.r.world(inc.path, this.unit, this.src);
    const renames = new Map<string, AstIdent>();
    const used = new Set<string>();
    for (const w of inc.with) renames.set(w.from.name, w.to);
    const merge = (
      kind: 'import' | 'export',
      from: ReadonlyMap<string, WitWorldItem>,
      into: (WitWorldItem & { key: string })[],
      names: Map<string, string>,
    ) => {
      for (const [key, item] of from) {
        const isId =
          item.kind === 'interface' && item.interface.id !== undefined && key === item.interface.id;
        if (isId) {
          if (!into.some((x) => x.key === key)) into.push({ ...item, key, implicit: true });
          continue;
        }
        const to = renames.get(key);
        if (to !== undefined) used.add(key);
        const name = to?.name ?? key;
        if (names.has(name)) {
          throw this.r.error(
            this.at(to?.start ?? inc.path.name.start),
            `${kind} of \`${name}\` from world \`${other.name}\` shadows a prior ${kind} of the same name; rename it with \`with { ${name} as new-name }\``,
          );
        }
        names.set(name, item.kind);
        into.push({ ...item, key: name });
      }
    };
    merge('import', other.imports, imports, kebabImports);
    merge('export', other.exports, exports, kebabExports);
    for (const w of inc.with) {
      if (!used.has(w.from.name)) {
        throw this.r.error(
          this.at(w.from.start),
          `world \`${other.name}\` has no import or export named \`${w.from.name}\` to rename (interfaces named by id cannot be renamed)`,
        );
      }
    }
  }

  /**
   * Adds the interfaces that imports and exports depend on. An imported interface's dependencies
   * are imported before it; an exported interface's dependencies are imported unless the world
   * exports them too.
   */
  private elaborate(
    imports: (WitWorldItem & { key: string })[],
    exports: (WitWorldItem & { key: string })[],
  ): void {
    const addImport = (iface: WitInterface, implicit: boolean, key?: string) => {
      const k = key ?? iface.id!;
      if (this.imports.has(k)) return;
      for (const dep of iface.uses) addImport(dep, true);
      this.imports.set(k, { kind: 'interface', interface: iface, implicit });
    };
    for (const item of imports) {
      if (item.kind === 'interface') {
        if (item.interface.id === undefined) {
          for (const dep of item.interface.uses) addImport(dep, true);
          this.imports.set(item.key, { kind: 'interface', interface: item.interface, implicit: false });
        } else {
          addImport(item.interface, item.implicit, item.key);
        }
      } else if (item.kind === 'type') {
        const b = item.type.body;
        if (b.kind === 'alias' && b.usedFrom !== undefined && b.usedFrom.id !== undefined)
          addImport(b.usedFrom, true);
        this.imports.set(item.key, { kind: 'type', type: item.type });
      } else {
        this.imports.set(item.key, { kind: 'function', function: item.function });
      }
    }
    const exported = new Set<WitInterface>();
    for (const item of exports) if (item.kind === 'interface') exported.add(item.interface);
    const importDepsOf = (iface: WitInterface, key: string) => {
      for (const dep of transitiveUses(iface)) {
        if (exported.has(dep)) continue;
        // An imported interface cannot refer to types of an exported one.
        for (const inner of transitiveUses(dep)) {
          if (exported.has(inner)) {
            throw this.r.error(
              this.at(this.positions.get(iface) ?? this.ast.name.start),
              `interface \`${iface.id ?? key}\` transitively depends on an interface in incompatible ways: it needs \`${dep.id}\` imported, but that uses the exported \`${inner.id}\``,
            );
          }
        }
        addImport(dep, true);
      }
    };
    for (const item of exports) {
      if (item.kind === 'interface') importDepsOf(item.interface, item.key);
      // `key` is bookkeeping; the public items do not carry it.
      this.exports.set(item.key, stripKey(item));
    }
  }
}

/** Every interface `iface` takes types from, directly or indirectly, dependencies first. */
function transitiveUses(iface: WitInterface): WitInterface[] {
  const out: WitInterface[] = [];
  const seen = new Set<WitInterface>();
  const visit = (i: WitInterface) => {
    for (const dep of i.uses) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      visit(dep);
      out.push(dep);
    }
  };
  visit(iface);
  return out;
}

function stripKey(item: WitWorldItem & { key?: string }): WitWorldItem {
  const { key: _key, ...rest } = item;
  return rest as WitWorldItem;
}
