// The application's implementations of a component's imports, handed to jco: directly when
// the guest runs in this thread, and through a proxy that crosses the channel when it runs in
// a worker (the worker side builds the proxy from the import plan; the host side answers it).
import { PluginError } from '../errors.js';
import { HANDLE, type HandleMarker, HandleTable, isHandleMarker, mapHandles } from '../resources/handles.js';
import { type ImportedFunction, type ImportedInterface, ROOT } from './import-plan.js';

/** Prefix of the channel's service names that address the application's imports. */
export const USER_IMPORT = '\u0001';

type Fn = (...args: unknown[]) => unknown;
type Cls = (new (...args: unknown[]) => object) & Record<string, unknown>;

const where = (iface: ImportedInterface, fn: string) => (iface.id === ROOT ? fn : `${iface.id}#${fn}`);

/**
 * A host function for a guest that cannot wait: a promise it returns is refused (the guest's
 * call is synchronous in this thread), and what it throws names the import.
 */
function synchronous(plugin: string, label: string, fn: Fn, self: unknown): Fn {
  return (...args) => {
    const result = fn.apply(self, args);
    if (result instanceof Promise) {
      result.catch(() => {});
      throw new PluginError(
        'WITKIT_INVALID_IMPORT',
        plugin,
        `host import \`${label}\` returned a promise: a plugin in the host's thread cannot wait for it; make it synchronous, or run the plugin in worker isolation (PluginHost's default), where host imports may be async`,
      );
    }
    return result;
  };
}

/**
 * jco's import object for the application's imports of a guest in this thread: functions
 * guarded against promises, resource classes as given.
 */
export function bindImportsInThread(
  plugin: string,
  plan: readonly ImportedInterface[],
  selected: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const iface of plan) {
    const impl = selected.get(iface.key)!;
    if (iface.key === ROOT) {
      // jco takes each function a world imports directly as the default of an import of its own.
      for (const f of iface.functions)
        out[f.wit] = { default: synchronous(plugin, f.wit, impl[f.js] as Fn, impl) };
      continue;
    }
    if (iface.functions.length === 0 && iface.resources.length === 0) {
      // Planned by name only (unreadable types): handed over as given.
      out[iface.key] = impl;
      continue;
    }
    const members: Record<string, unknown> = {};
    for (const f of iface.functions)
      members[f.js] = synchronous(plugin, where(iface, f.wit), impl[f.js] as Fn, impl);
    for (const r of iface.resources) members[r.js] = impl[r.js];
    out[iface.key] = members;
  }
  return out;
}

/** Sends one import call to the host thread and returns its answer (the worker blocks meanwhile). */
export type ImportCall = (service: string, method: string, args: unknown[]) => unknown;

/**
 * The worker side: jco's import object whose functions and resource classes forward every
 * call to the host thread. Resources the host made stay there; the guest holds proxies that
 * name them by id.
 */
export function proxyImports(plan: readonly ImportedInterface[], call: ImportCall): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const classes = new Map<string, { cls: Cls; of: Map<number, object> }>();
  const ids = new WeakMap<object, number>();
  const proxyOf = (marker: HandleMarker) => {
    const entry = classes.get(marker.r);
    if (!entry) return marker;
    let proxy = entry.of.get(marker[HANDLE]);
    if (!proxy) {
      proxy = Object.create(entry.cls.prototype) as object;
      ids.set(proxy, marker[HANDLE]);
      entry.of.set(marker[HANDLE], proxy);
    }
    return proxy;
  };
  const toHost = (value: unknown) =>
    mapHandles(value, (o) => {
      const id = ids.get(o);
      if (id === undefined) return o;
      const r = (o.constructor as { [RESOURCE]?: string })[RESOURCE]!;
      return { [HANDLE]: id, r } satisfies HandleMarker;
    });
  const fromHost = (value: unknown) => mapHandles(value, (o) => (isHandleMarker(o) ? proxyOf(o) : o));
  const forward = (service: string, f: ImportedFunction, self?: object) => (args: unknown[]) => {
    const wire = f.handles.params ? (toHost(args) as unknown[]) : args;
    const answer = call(service, f.wit, self === undefined ? wire : [toHost(self), ...wire]);
    return f.handles.result ? fromHost(answer) : answer;
  };
  for (const iface of plan) {
    const service = `${USER_IMPORT}${iface.key}`;
    if (iface.key === ROOT) {
      for (const f of iface.functions) {
        const send = forward(service, f);
        out[f.wit] = { default: (...args: unknown[]) => send(args) };
      }
      continue;
    }
    const members: Record<string, unknown> = {};
    for (const f of iface.functions) {
      const send = forward(service, f);
      members[f.js] = (...args: unknown[]) => send(args);
    }
    for (const r of iface.resources) {
      const key = `${iface.key}#${r.js}`;
      const of = new Map<number, object>();
      const ctor = r.ctor;
      const cls = class {
        constructor(...args: unknown[]) {
          if (!ctor) throw new TypeError(`resource \`${r.wit}\` has no constructor`);
          const marker = call(service, ctor.wit, ctor.handles.params ? (toHost(args) as unknown[]) : args);
          const id = (marker as HandleMarker)[HANDLE];
          ids.set(this, id);
          of.set(id, this);
        }
      } as unknown as Cls;
      Object.defineProperty(cls, 'name', { value: r.js });
      Object.defineProperty(cls, RESOURCE, { value: key });
      for (const m of r.methods) {
        Object.defineProperty(cls.prototype, m.js, {
          value(this: object, ...args: unknown[]) {
            return forward(service, m, this)(args);
          },
        });
      }
      for (const s of r.statics) {
        const send = forward(service, s);
        Object.defineProperty(cls, s.js, { value: (...args: unknown[]) => send(args) });
      }
      // jco calls this when the guest drops its last handle: the host's object is let go.
      Object.defineProperty(cls.prototype, Symbol.dispose, {
        value(this: object) {
          const id = ids.get(this);
          if (id === undefined) return;
          ids.delete(this);
          of.delete(id);
          call(service, `[drop]${r.wit}`, [id]);
        },
      });
      classes.set(key, { cls, of });
      members[r.js] = cls;
    }
    out[iface.key] = members;
  }
  return out;
}

/** Where a proxy class keeps its resource key. */
const RESOURCE = Symbol('witkit.resource');

/**
 * The host side of {@link proxyImports} for one worker: calls the application's functions and
 * classes, and keeps the resources the guest holds in a table until it drops them.
 */
export class ImportServer {
  readonly #interfaces = new Map<
    string,
    { iface: ImportedInterface; impl: Readonly<Record<string, unknown>> }
  >();
  readonly #table = new HandleTable();
  readonly #classes: Array<{ cls: Cls; key: string }> = [];

  constructor(
    plan: readonly ImportedInterface[],
    selected: ReadonlyMap<string, Readonly<Record<string, unknown>>>,
  ) {
    for (const iface of plan) {
      const impl = selected.get(iface.key)!;
      this.#interfaces.set(iface.key, { iface, impl });
      for (const r of iface.resources)
        this.#classes.push({ cls: impl[r.js] as Cls, key: `${iface.key}#${r.js}` });
    }
  }

  #toGuest(value: unknown): unknown {
    return mapHandles(value, (o) => {
      const owner = this.#classes.find((c) => o instanceof c.cls);
      return owner ? ({ [HANDLE]: this.#table.idOf(o), r: owner.key } satisfies HandleMarker) : o;
    });
  }

  #fromGuest(value: unknown): unknown {
    return mapHandles(value, (o) => (isHandleMarker(o) ? (this.#table.get(o[HANDLE]) ?? o) : o));
  }

  /** Answers one call the guest made (`service` without its prefix); may return a promise. */
  dispatch(service: string, method: string, args: unknown[]): unknown {
    const entry = this.#interfaces.get(service);
    if (!entry) throw new Error(`no host implementation of \`${service}\``);
    const { iface, impl } = entry;
    if (method.startsWith('[drop]')) {
      const object = this.#table.take(args[0] as number) as { [Symbol.dispose]?: () => void } | undefined;
      object?.[Symbol.dispose]?.();
      return undefined;
    }
    const m = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(method);
    const resource = m ? iface.resources.find((r) => r.wit === m[2]) : undefined;
    const fn: ImportedFunction | undefined = !m
      ? iface.functions.find((f) => f.wit === method)
      : m[1] === 'constructor'
        ? resource?.ctor
        : (m[1] === 'method' ? resource?.methods : resource?.statics)?.find((f) => f.wit === method);
    if (!fn) throw new Error(`\`${service}\` has no import \`${method}\``);
    const params = fn.handles.params || m?.[1] === 'method' ? (this.#fromGuest(args) as unknown[]) : args;
    let result: unknown;
    if (!m) result = (impl[fn.js] as Fn).apply(impl, params);
    else {
      const cls = impl[resource!.js] as Cls;
      if (m[1] === 'constructor') return this.#toGuest(new cls(...params));
      if (m[1] === 'static') result = (cls[fn.js] as Fn).apply(cls, params);
      else {
        const [self, ...rest] = params;
        if (isHandleMarker(self))
          throw new Error(`resource \`${resource!.wit}\` ${self[HANDLE]} was already dropped`);
        result = ((self as Record<string, Fn>)[fn.js] as Fn).apply(self, rest);
      }
    }
    if (!fn.handles.result) return result;
    return result instanceof Promise ? result.then((r) => this.#toGuest(r)) : this.#toGuest(result);
  }

  /** Lets go of every resource the guest still holds (its instance is gone). */
  dispose(): void {
    for (const object of this.#table.drain()) {
      try {
        (object as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
      } catch {
        // The guest is gone either way; a failing dispose must not stop the others.
      }
    }
  }
}
