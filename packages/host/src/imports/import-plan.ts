// What a component imports from the application (its own WIT interfaces, not WASI nor witkit's
// host services), read from the component's binary types, and how the host's JS
// implementations are checked against it and handed to jco.
import type { FunctionShape, InterfaceShape, WorldShape } from '@witkit/wit';
import { camelCase } from '../component-checks.js';
import { PluginError } from '../errors.js';
import { functionHandles } from '../resources/handles.js';
import type { HostImports } from '../world-binding.js';

/** The key under which functions a world imports directly are given (`imports.$root`). */
export const ROOT = '$root';

/** One imported function, as the guest calls it and the host implements it. */
export interface ImportedFunction {
  /** WIT (component-level) name: `get`, `[method]journal.append`. */
  readonly wit: string;
  /** The JS member the host implements: `get`, `append`. */
  readonly js: string;
  /** Whether params or result hold resource handles (only then are values walked). */
  readonly handles: { readonly params: boolean; readonly result: boolean };
  /** Parameter names, for messages. */
  readonly params: readonly string[];
}

/** An imported resource: a class the host implements. */
export interface ImportedResource {
  /** WIT name: `journal`. */
  readonly wit: string;
  /** The class the host passes: `Journal`. */
  readonly js: string;
  readonly ctor: ImportedFunction | undefined;
  readonly methods: readonly ImportedFunction[];
  readonly statics: readonly ImportedFunction[];
}

/** One interface (or the world's own functions) the host must implement. */
export interface ImportedInterface {
  /** Versioned interface id, or {@link ROOT}. */
  readonly id: string;
  /** jco's import key: the id without its version; a world function's own name. */
  readonly key: string;
  readonly functions: readonly ImportedFunction[];
  readonly resources: readonly ImportedResource[];
}

/** Interfaces witkit implements itself: the sandboxed WASI and its host services. */
export function isProvidedByWitkit(id: string): boolean {
  return id.startsWith('wasi:') || id.startsWith('witkit:host-api/');
}

/** `acme:notes/store@0.1.0` -> `acme:notes/store`. */
export function unversioned(id: string): string {
  return id.replace(/@[^/]*$/, '');
}

const pascalCase = (kebab: string) => camelCase(kebab).replace(/^./, (c) => c.toUpperCase());

function imported(fn: FunctionShape, js: string): ImportedFunction {
  const self = fn.name.startsWith('[method]');
  return {
    wit: fn.name,
    js,
    handles: functionHandles(fn),
    params: fn.params.slice(self ? 1 : 0).map((p) => camelCase(p.name)),
  };
}

function planInterface(id: string, key: string, shape: InterfaceShape): ImportedInterface {
  const resources = new Map<
    string,
    { ctor?: ImportedFunction; methods: ImportedFunction[]; statics: ImportedFunction[] }
  >();
  const resource = (name: string) => {
    let r = resources.get(name);
    if (!r) {
      r = { methods: [], statics: [] };
      resources.set(name, r);
    }
    return r;
  };
  for (const [name, type] of Object.entries(shape.types)) if (type.kind === 'resource') resource(name);
  const functions: ImportedFunction[] = [];
  for (const fn of Object.values(shape.functions)) {
    const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(fn.name);
    if (!m) {
      functions.push(imported(fn, camelCase(fn.name)));
      continue;
    }
    const [, kind, res, member] = m as unknown as [string, string, string, string | undefined];
    if (kind === 'constructor') resource(res).ctor = imported(fn, 'constructor');
    else if (kind === 'method') resource(res).methods.push(imported(fn, camelCase(member!)));
    else resource(res).statics.push(imported(fn, camelCase(member!)));
  }
  return {
    id,
    key,
    functions,
    resources: [...resources].map(([wit, r]) => ({
      wit,
      js: pascalCase(wit),
      ctor: r.ctor,
      methods: r.methods,
      statics: r.statics,
    })),
  };
}

/** The imports of a component that the application must implement, from its binary types. */
export function planImports(shape: WorldShape): ImportedInterface[] {
  const plan = Object.entries(shape.imports)
    .filter(([id]) => !isProvidedByWitkit(id))
    .map(([id, iface]) => planInterface(id, unversioned(id), iface));
  const roots = Object.values(shape.importFunctions);
  if (roots.length > 0) {
    plan.push({
      id: ROOT,
      key: ROOT,
      functions: roots.map((f) => imported(f, camelCase(f.name))),
      resources: [],
    });
  }
  return plan;
}

/** How to write an interface's implementation, for messages: `{ get(key), Journal: class { … } }`. */
function skeleton(iface: ImportedInterface): string {
  const members = [
    ...iface.functions.map((f) => `${f.js}(${f.params.join(', ')})`),
    ...iface.resources.map((r) => {
      const body = [
        ...(r.ctor ? [`constructor(${r.ctor.params.join(', ')})`] : []),
        ...r.methods.map((m) => `${m.js}(${m.params.join(', ')})`),
        ...r.statics.map((s) => `static ${s.js}(${s.params.join(', ')})`),
      ];
      return `${r.js}: class { ${body.join('; ')} }`;
    }),
  ];
  return `{ ${members.join(', ')} }`;
}

const label = (iface: ImportedInterface) =>
  iface.id === ROOT ? 'the functions its world imports directly' : `\`${iface.id}\``;

/**
 * Picks, for every interface of `plan`, the host's implementation out of `provided` (keys
 * versioned or not) and checks every function and class is there.
 *
 * @returns the implementations by jco's import key
 * @throws {PluginError} `WITKIT_MISSING_IMPORT` naming the interface, the members and how to pass them;
 *   `WITKIT_INVALID_IMPORT` for a member of the wrong kind or an attempt to replace WASI or the host services
 */
export function selectImports(
  plugin: string,
  plan: readonly ImportedInterface[],
  provided: HostImports,
): Map<string, Readonly<Record<string, unknown>>> {
  const byKey = new Map<string, { given: string; value: Readonly<Record<string, unknown>> }>();
  for (const [given, value] of Object.entries(provided)) {
    if (isProvidedByWitkit(given)) {
      throw new PluginError(
        'WITKIT_INVALID_IMPORT',
        plugin,
        `\`imports\` has \`${given}\`, which witkit provides itself (sandboxed WASI and the host services cannot be replaced); remove it`,
      );
    }
    const key = given === ROOT ? ROOT : unversioned(given);
    const earlier = byKey.get(key);
    // An exact id beats an unversioned one given as well (a host-wide default).
    if (earlier && earlier.given.includes('@') === given.includes('@')) {
      throw new PluginError(
        'WITKIT_INVALID_IMPORT',
        plugin,
        `\`imports\` has both \`${earlier.given}\` and \`${given}\` for one interface; keep one`,
      );
    }
    if (!earlier || given.includes('@'))
      byKey.set(key, { given, value: value as Readonly<Record<string, unknown>> });
  }
  const selected = new Map<string, Readonly<Record<string, unknown>>>();
  for (const iface of plan) {
    const entry = byKey.get(iface.key);
    const pass = `pass \`imports: { '${iface.id}': ${skeleton(iface)} }\``;
    if (!entry || typeof entry.value !== 'object' || entry.value === null) {
      throw new PluginError(
        'WITKIT_MISSING_IMPORT',
        plugin,
        `the component imports ${label(iface)}, which the host was not given: ${pass} to \`loadPlugin\` or \`PluginHost\``,
      );
    }
    const impl = entry.value;
    const missing: string[] = [];
    const wrong: string[] = [];
    const need = (name: string, shown: string) => {
      if (impl[name] === undefined) missing.push(shown);
      else if (typeof impl[name] !== 'function')
        wrong.push(
          `\`${shown}\` must be a ${/^[A-Z]/.test(name) ? 'class' : 'function'}, not ${typeof impl[name]}`,
        );
    };
    for (const f of iface.functions) need(f.js, f.js);
    for (const r of iface.resources) {
      need(r.js, r.js);
      if (typeof impl[r.js] !== 'function') continue;
      const cls = impl[r.js] as Record<string, unknown> & { prototype?: Record<string, unknown> };
      for (const m of r.methods)
        if (typeof cls.prototype?.[m.js] !== 'function') missing.push(`${r.js}.prototype.${m.js}`);
      for (const s of r.statics) if (typeof cls[s.js] !== 'function') missing.push(`static ${r.js}.${s.js}`);
    }
    if (wrong.length > 0) {
      throw new PluginError(
        'WITKIT_INVALID_IMPORT',
        plugin,
        `in \`imports['${entry.given}']\`: ${wrong.join('; ')}`,
      );
    }
    if (missing.length > 0) {
      throw new PluginError(
        'WITKIT_MISSING_IMPORT',
        plugin,
        `the component imports ${missing.map((m) => `\`${m}\``).join(', ')} of ${label(iface)}, missing from \`imports['${entry.given}']\`: ${pass}`,
      );
    }
    selected.set(iface.key, impl);
  }
  return selected;
}

/** The application's imports of one component, checked and ready to bind. */
export interface ApplicationImports {
  readonly plan: readonly ImportedInterface[];
  /** The host's implementation of each planned interface, by jco's import key. */
  readonly selected: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  /** jco's import keys they fill, for the check of everything else the component imports. */
  readonly keys: readonly string[];
}

/**
 * Plans a component's application imports (from its binary types; by name alone when those
 * are unreadable) and selects their implementations out of `given`.
 *
 * @throws {PluginError} `WITKIT_MISSING_IMPORT`, `WITKIT_INVALID_IMPORT` (see {@link selectImports})
 */
export function applicationImports(
  plugin: string,
  compiled: { readonly shape: WorldShape | undefined; readonly imports: readonly string[] },
  given: HostImports | undefined,
): ApplicationImports {
  const plan = compiled.shape
    ? planImports(compiled.shape)
    : compiled.imports
        .filter((key) => key.includes(':') && !isProvidedByWitkit(key))
        .map((key) => ({ id: key, key, functions: [], resources: [] }));
  const selected = selectImports(plugin, plan, given ?? {});
  const keys = plan.flatMap((i) => (i.key === ROOT ? i.functions.map((f) => f.wit) : [i.key]));
  return { plan, selected, keys };
}
