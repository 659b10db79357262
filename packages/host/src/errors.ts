/** Stable codes of {@link PluginError}; each is explained in `docs/errors.md`. */
export type PluginErrorCode =
  | 'WITKIT_PLUGIN_NOT_FOUND'
  | 'WITKIT_LOAD_FAILED'
  | 'WITKIT_UNKNOWN_IMPORT'
  | 'WITKIT_INIT_FAILED'
  | 'WITKIT_PLUGIN_ERROR'
  | 'WITKIT_EXECUTION_FAILED'
  | 'WITKIT_PLUGIN_UNAVAILABLE'
  | 'WITKIT_INSTANCE_LIMIT_EXCEEDED'
  | 'WITKIT_ALREADY_LOADED'
  | 'WITKIT_MEMORY_LIMIT_EXCEEDED'
  | 'WITKIT_CPU_LIMIT_EXCEEDED'
  | 'WITKIT_CALL_TIMEOUT'
  | 'WITKIT_CHECKSUM_MISMATCH'
  | 'WITKIT_MISSING_IMPORT'
  | 'WITKIT_INVALID_IMPORT'
  | 'WITKIT_RESOURCE_GONE'
  | 'WITKIT_RESOURCE_MISMATCH'
  | 'WITKIT_NOT_A_COMMAND'
  | 'WITKIT_ASYNC_UNSUPPORTED';

const brand = Symbol.for('witkit.PluginError');

/**
 * Something went wrong with a plugin. `plugin` names it; `code` is stable and documented.
 *
 * `WITKIT_PLUGIN_ERROR` is the plugin answering with an `err` result (its message is in
 * `payload`); `WITKIT_EXECUTION_FAILED` is a trap or a host-side failure during a call.
 */
export class PluginError extends Error {
  override readonly name = 'PluginError';
  readonly [brand] = true;
  /** The `err` payload the plugin returned, for `WITKIT_PLUGIN_ERROR`. */
  readonly payload?: unknown;
  /** Wasm frames of the trap, innermost first, for `WITKIT_EXECUTION_FAILED` traps. */
  readonly guestBacktrace?: readonly string[];

  constructor(
    readonly code: PluginErrorCode,
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown; payload?: unknown; guestBacktrace?: readonly string[] },
  ) {
    super(
      `plugin \`${plugin}\`: ${message}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    if (options && 'payload' in options) this.payload = options.payload;
    if (options?.guestBacktrace) this.guestBacktrace = options.guestBacktrace;
  }
}

/** Whether `error` is a {@link PluginError}, also across duplicate copies of this package. */
export function isPluginError(error: unknown): error is PluginError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
