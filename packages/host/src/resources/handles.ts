// Resource handles crossing a boundary the resource itself cannot cross: from a worker thread
// to the host thread and back (a structured clone would copy the object and lose its identity),
// and from jco's resource objects to the host's handle objects. Values are walked only for
// functions whose WIT signature holds a handle somewhere.
import type { FunctionShape, ValueShape, WorldShape } from '@witkit/wit';

/** The key of a handle marker: a plain object that stands for a resource on the other side. */
export const HANDLE = '$witkit:handle';

/** A resource in transit: its table id on the side that owns it, and its resource key. */
export interface HandleMarker {
  readonly [HANDLE]: number;
  /** `<interface key>#<ClassName>`: which resource type it is. */
  readonly r: string;
}

/** Whether `value` is a {@link HandleMarker}. */
export function isHandleMarker(value: unknown): value is HandleMarker {
  return typeof value === 'object' && value !== null && typeof (value as HandleMarker)[HANDLE] === 'number';
}

/** Whether a value of this shape holds a resource handle anywhere inside. */
export function shapeHasHandles(shape: ValueShape | undefined): boolean {
  if (shape === undefined) return false;
  switch (shape.kind) {
    case 'own':
    case 'borrow':
      return true;
    case 'record':
      return shape.fields.some((f) => shapeHasHandles(f.type));
    case 'variant':
      return shape.cases.some((c) => shapeHasHandles(c.type));
    case 'list':
      return shapeHasHandles(shape.element);
    case 'tuple':
      return shape.types.some(shapeHasHandles);
    case 'option':
      return shapeHasHandles(shape.type);
    case 'result':
      return shapeHasHandles(shape.ok) || shapeHasHandles(shape.err);
    default:
      return false;
  }
}

/** Whether a function's parameters, or its result, hold resource handles. */
export function functionHandles(fn: FunctionShape | undefined): { params: boolean; result: boolean } {
  // Without a shape (an unreadable component), walk every value: slower, never wrong.
  if (fn === undefined) return { params: true, result: true };
  return { params: fn.params.some((p) => shapeHasHandles(p.type)), result: shapeHasHandles(fn.result) };
}

/**
 * Copies `value` with every object `replace` maps to something else replaced, looking into
 * arrays, plain objects (records, `{ tag, val }` variants) and nothing else; unchanged parts
 * are shared, and a value without handles comes back as is.
 */
export function mapHandles(value: unknown, replace: (object: object) => unknown): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  const replaced = replace(value);
  if (replaced !== value) return replaced;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const mapped = mapHandles(value[i], replace);
      if (mapped !== value[i]) {
        out ??= value.slice();
        out[i] = mapped;
      }
    }
    return out ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const [key, member] of Object.entries(value)) {
    const mapped = mapHandles(member, replace);
    if (mapped !== member) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = mapped;
    }
  }
  return out ?? value;
}

/**
 * Objects of one side by numeric id, for the other side to name them by: the worker's
 * resources exported by its guest, the host's resources the guest imports.
 */
export class HandleTable<T extends object = object> {
  readonly #byId = new Map<number, T>();
  readonly #ids = new WeakMap<T, number>();
  #next = 1;

  /** The id of `object`, registering it on first sight. */
  idOf(object: T): number {
    let id = this.#ids.get(object);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(object, id);
      this.#byId.set(id, object);
    }
    return id;
  }

  /** The object behind `id`, if it is still in the table. */
  get(id: number): T | undefined {
    return this.#byId.get(id);
  }

  /** Forgets `id` and returns its object. */
  take(id: number): T | undefined {
    const object = this.#byId.get(id);
    this.#byId.delete(id);
    if (object) this.#ids.delete(object);
    return object;
  }

  /** Every object still in the table (and empties it). */
  drain(): T[] {
    const all = [...this.#byId.values()];
    this.#byId.clear();
    return all;
  }

  /** How many objects the table holds. */
  get size(): number {
    return this.#byId.size;
  }
}

/**
 * Whether calls of export `op` of jco's interface key `iface` (`''` for the world's own
 * functions) carry handles: always for a resource's operations, else as its WIT types say.
 */
export function exportCarriesHandles(shape: WorldShape | undefined, iface: string, op: string): boolean {
  if (/[.#]/.test(op)) return true;
  if (shape === undefined) return true;
  const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const functions =
    iface === ''
      ? shape.exportFunctions
      : Object.entries(shape.exports).find(
          ([id]) => id === iface || camel(id.replace(/@.*$/, '').split('/').pop() ?? '') === iface,
        )?.[1]?.functions;
  const fn = Object.values(functions ?? {}).find((f) => camel(f.name) === op);
  const h = functionHandles(fn);
  return h.params || h.result;
}

/** {@link exportCarriesHandles} for one component, remembered per operation (it is asked on every call). */
export function handleCarriers(shape: WorldShape | undefined): (iface: string, op: string) => boolean {
  const known = new Map<string, boolean>();
  return (iface, op) => {
    const key = `${iface}\u0000${op}`;
    let carries = known.get(key);
    if (carries === undefined) {
      carries = exportCarriesHandles(shape, iface, op);
      known.set(key, carries);
    }
    return carries;
  };
}
