import { PluginError } from './errors.js';

/** Lifecycle states, as the WIT `plugin-status` enum names them. */
export type PluginStatus = 'uninitialized' | 'ready' | 'running' | 'paused' | 'errored';

/** Static facts about a loaded plugin. */
export interface PluginInfo {
  /** Name the host knows the plugin by. */
  readonly name: string;
  /** Component file it was loaded from. */
  readonly path: string;
  /** Hex sha256 of the component. */
  readonly sha256: string;
  /** Full id of the world it was checked against, when one was given. */
  readonly world: string | undefined;
  /** When it was loaded. */
  readonly loadedAt: Date;
}

const wrappedCache = new WeakMap<object, object>();

/**
 * Wraps every function of jco's export object so failures come out as {@link PluginError}s:
 * an `err` result as `WITKIT_PLUGIN_ERROR` with its payload, anything else (a trap, a
 * host-side failure) as `WITKIT_EXECUTION_FAILED` with the original error as `cause`.
 */
export function wrapExports<E>(
  plugin: string,
  raw: Record<string, unknown>,
  onTrap: (error: unknown) => void,
): E {
  const wrap = (iface: string, value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const cached = wrappedCache.get(value);
    if (cached) return cached;
    const out: Record<string, unknown> = {};
    for (const [fn, member] of Object.entries(value)) {
      out[fn] =
        typeof member === 'function'
          ? (...args: unknown[]) => {
              try {
                return (member as (...a: unknown[]) => unknown)(...args);
              } catch (error) {
                throw callError(plugin, `${iface}.${fn}`, error, onTrap);
              }
            }
          : member;
    }
    wrappedCache.set(value, out);
    return out;
  };
  return Object.fromEntries(Object.entries(raw).map(([iface, value]) => [iface, wrap(iface, value)])) as E;
}

function callError(
  plugin: string,
  fn: string,
  error: unknown,
  onTrap: (error: unknown) => void,
): PluginError {
  if (typeof error === 'object' && error !== null && 'payload' in error) {
    const payload = (error as { payload: unknown }).payload;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return new PluginError('WITKIT_PLUGIN_ERROR', plugin, `\`${fn}\` returned an error: ${text}`, {
      payload,
    });
  }
  onTrap(error);
  const kind = error instanceof WebAssembly.RuntimeError ? 'trapped' : 'failed';
  const message = error instanceof Error ? error.message : String(error);
  return new PluginError('WITKIT_EXECUTION_FAILED', plugin, `\`${fn}\` ${kind}: ${message}`, {
    cause: error,
  });
}
