// The exports object the host hands out: functions by interface, and for every resource the
// component exports a class-like object (`new Notebook(owner)`, `Notebook.find(title)`) whose
// instances are handles to the guest's resource. A handle is bound to the instance (or worker)
// that made it; every call that passes it runs there.
import { PluginError } from '../errors.js';
import { mapHandles } from './handles.js';

/** Separator of resource operation names: `Notebook.new`, `Notebook.find` (static), `Notebook#add`. */
export const STATIC = '.';
/** Separator of method (and drop) operation names: `Notebook#add`, `Notebook#drop`. */
export const METHOD = '#';

/** What `invoke` must do for one call. */
export type Invoke = (iface: string, op: string, args: unknown[], target: object | undefined) => unknown;

/** A handle to a resource a plugin exported; its methods call into the instance that holds it. */
export interface HandleState {
  readonly plugin: string;
  /** The instance or worker holding the resource. */
  readonly target: object;
  /** What stands for the resource there: jco's object in this thread, a marker for a worker. */
  readonly inner: unknown;
  readonly iface: string;
  readonly cls: string;
  dropped: boolean;
}

const STATE = Symbol('witkit.handle');

/** The state of a handle made by {@link buildExports}, or `undefined` for anything else. */
export function handleState(value: unknown): HandleState | undefined {
  return typeof value === 'object' && value !== null
    ? (value as { [STATE]?: HandleState })[STATE]
    : undefined;
}

/** The operations of one exported resource, from the op names an instance reports. */
interface ResourceOps {
  readonly cls: string;
  readonly constructible: boolean;
  readonly methods: string[];
  readonly statics: string[];
}

function groupOps(ops: readonly string[]): { functions: string[]; resources: Map<string, ResourceOps> } {
  const functions: string[] = [];
  const resources = new Map<string, ResourceOps>();
  const of = (cls: string) => {
    let r = resources.get(cls);
    if (!r) {
      r = { cls, constructible: false, methods: [], statics: [] };
      resources.set(cls, r);
    }
    return r;
  };
  for (const op of ops) {
    const method = op.indexOf(METHOD);
    const dot = op.indexOf(STATIC);
    if (method > 0) {
      const name = op.slice(method + 1);
      if (name !== 'drop') of(op.slice(0, method)).methods.push(name);
    } else if (dot > 0) {
      const name = op.slice(dot + 1);
      if (name === 'new') (of(op.slice(0, dot)) as { constructible: boolean }).constructible = true;
      else of(op.slice(0, dot)).statics.push(name);
    } else functions.push(op);
  }
  return { functions, resources };
}

/**
 * Builds the exports object over `functions` (op names by interface key; `''` for the world's
 * own functions). `mode` says whether calls return values (`loadPlugin`) or promises (`Plugin`);
 * `carriesHandles` whether an operation's arguments or result may hold resource handles.
 *
 * @returns the exports, and `handleFor`, which the invoker uses to turn a resource in a call's
 *   result into a handle bound to the instance that answered
 */
export function buildExports(
  plugin: string,
  functions: ReadonlyMap<string, readonly string[]>,
  invoke: Invoke,
  mode: 'sync' | 'async',
  carriesHandles: (iface: string, op: string) => boolean,
): {
  exports: Record<string, unknown>;
  handleFor: (target: object, inner: unknown, iface: string, cls: string) => object;
} {
  const prototypes = new Map<string, object>();
  // A handle the application forgets is dropped when it is collected, as jco does for its own
  // objects: a resource living in a worker would otherwise stay in the worker's table.
  const forgotten = new FinalizationRegistry<HandleState>((state) => {
    if (state.dropped) return;
    try {
      const done = invoke(state.iface, `${state.cls}${METHOD}drop`, [state.inner], state.target);
      if (done instanceof Promise) done.catch(() => {});
    } catch {
      // The instance is gone already, and the resource with it.
    }
  });
  const handleFor = (target: object, inner: unknown, iface: string, cls: string): object => {
    const proto = prototypes.get(`${iface}${METHOD}${cls}`) ?? Object.prototype;
    const handle = Object.create(proto) as Record<symbol, HandleState>;
    const state: HandleState = { plugin, target, inner, iface, cls, dropped: false };
    handle[STATE] = state;
    forgotten.register(handle, state, handle);
    return handle;
  };
  /** Handles in `args` replaced by what stands for them where they live, and that place. */
  const unwrap = (args: unknown[]): { args: unknown[]; target: object | undefined } => {
    let target: object | undefined;
    const inner = mapHandles(args, (o) => {
      const state = handleState(o);
      if (!state) return o;
      if (state.dropped) {
        throw new PluginError(
          'WITKIT_RESOURCE_GONE',
          plugin,
          `this \`${state.cls}\` handle was already dropped (or passed on as an owned value); make a new one`,
        );
      }
      if (target !== undefined && target !== state.target) {
        throw new PluginError(
          'WITKIT_RESOURCE_MISMATCH',
          plugin,
          `one call got resources of two different instances; a resource only works with the instance that made it (set \`maxInstances: 1\` to keep a plugin's resources together)`,
        );
      }
      target = state.target;
      return state.inner;
    }) as unknown[];
    return { args: inner, target };
  };
  const call = (iface: string, op: string, args: unknown[]) => {
    // Most calls carry no handle: their arguments go as they are, unwalked.
    if (!carriesHandles(iface, op)) return invoke(iface, op, args, undefined);
    let u: ReturnType<typeof unwrap>;
    try {
      u = unwrap(args);
    } catch (error) {
      // The asynchronous exports report every failure through their promise.
      if (mode === 'async') return Promise.reject(error);
      throw error;
    }
    return invoke(iface, op, u.args, u.target);
  };
  const out: Record<string, unknown> = {};
  for (const [iface, ops] of functions) {
    const { functions: fns, resources } = groupOps(ops);
    const target: Record<string, unknown> = iface === '' ? out : {};
    for (const fn of fns) target[fn] = (...args: unknown[]) => call(iface, fn, args);
    for (const r of resources.values()) {
      const proto: Record<string | symbol, unknown> = {};
      for (const m of r.methods) {
        proto[m] = function (this: object, ...args: unknown[]) {
          return call(iface, `${r.cls}${METHOD}${m}`, [this, ...args]);
        };
      }
      const drop = function (this: object) {
        const state = handleState(this)!;
        if (state.dropped) return mode === 'async' ? Promise.resolve() : undefined;
        const done = call(iface, `${r.cls}${METHOD}drop`, [this]);
        state.dropped = true;
        forgotten.unregister(this);
        return done;
      };
      proto[mode === 'async' ? Symbol.asyncDispose : Symbol.dispose] = drop;
      proto.drop = drop;
      Object.defineProperty(proto, Symbol.toStringTag, { value: r.cls });
      prototypes.set(`${iface}${METHOD}${r.cls}`, proto);
      // `new Notebook(owner)`: a constructor may return an object, here the handle (or, for the
      // asynchronous exports, a promise of it).
      const ctor = class {
        constructor(...args: unknown[]) {
          if (!r.constructible) throw new TypeError(`resource \`${r.cls}\` has no constructor`);
          // biome-ignore lint/correctness/noConstructorReturn: the handle (or its promise) is the point
          return call(iface, `${r.cls}${STATIC}new`, args) as object;
        }
      } as unknown as Record<string, unknown>;
      Object.defineProperty(ctor, 'name', { value: r.cls });
      for (const s of r.statics) ctor[s] = (...args: unknown[]) => call(iface, `${r.cls}${STATIC}${s}`, args);
      target[r.cls] = ctor;
    }
    if (iface !== '') out[iface] = target;
  }
  return { exports: out, handleFor };
}
