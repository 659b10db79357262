import { PluginError } from './errors.js';

/** What a failed call amounts to: the plugin's own `err`, or a fault that poisons the instance. */
export type CallFailure = {
  readonly kind: 'plugin-error' | 'trap' | 'host-failure';
  readonly error: PluginError;
};

/** Pulls the wasm frames out of a trap's stack, innermost first (`name@wasm-function[12]:0x3f0`). */
export function guestBacktrace(error: unknown): string[] {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  return stack
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes('wasm://') || l.includes('wasm-function'))
    .map((l) => l.replace(/^at\s+/, ''));
}

/**
 * Classifies an exception thrown out of a component call. An `err` result (jco's
 * ComponentError with a `payload`) is the plugin answering; a `WebAssembly.RuntimeError` is
 * a trap, after which the instance must not be entered again; anything else is a host-side
 * failure during the call (a host import threw), which also leaves the instance unusable.
 */
export function classifyCallError(plugin: string, fn: string, error: unknown): CallFailure {
  if (typeof error === 'object' && error !== null && 'payload' in error) {
    const payload = (error as { payload: unknown }).payload;
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return {
      kind: 'plugin-error',
      error: new PluginError('WITKIT_PLUGIN_ERROR', plugin, `\`${fn}\` returned an error: ${text}`, {
        payload,
      }),
    };
  }
  const trap = error instanceof WebAssembly.RuntimeError;
  const message = error instanceof Error ? error.message : String(error);
  const frames = guestBacktrace(error);
  return {
    kind: trap ? 'trap' : 'host-failure',
    error: new PluginError(
      'WITKIT_EXECUTION_FAILED',
      plugin,
      `\`${fn}\` ${trap ? 'trapped' : 'failed'}: ${message}`,
      {
        cause: error,
        ...(frames.length > 0 ? { guestBacktrace: frames } : {}),
      },
    ),
  };
}

/**
 * Like {@link classifyCallError}, and a trap near the instance's memory cap is reported as
 * `WITKIT_MEMORY_LIMIT_EXCEEDED`: a grow the engine refused surfaces as an allocator's abort
 * or an out-of-bounds access, not as a memory error.
 */
export function classifyWithLimits(
  plugin: string,
  fn: string,
  error: unknown,
  memory: { used: () => number; limit: number | undefined },
): CallFailure {
  const failure = classifyCallError(plugin, fn, error);
  if (failure.kind !== 'trap' || memory.limit === undefined || memory.used() < memory.limit * 0.9)
    return failure;
  const used = (memory.used() / 2 ** 20).toFixed(1);
  return {
    kind: 'trap',
    error: new PluginError(
      'WITKIT_MEMORY_LIMIT_EXCEEDED',
      plugin,
      `\`${fn}\` ran out of memory: its instance uses ${used} MiB of its ${(memory.limit / 2 ** 20).toFixed(0)} MiB limit; raise \`memory\` in plugin.toml or use less`,
      { cause: error },
    ),
  };
}
