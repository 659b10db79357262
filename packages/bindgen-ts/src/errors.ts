/**
 * Stable error codes of the TypeScript binding generator.
 *
 * - `WITKIT_BINDGEN_TS_UNKNOWN_WORLD`: the world asked for is not in the root package; the message lists
 *   the worlds that are.
 * - `WITKIT_BINDGEN_TS_INVALID_OPTIONS`: an argument has the wrong type or value.
 * - `WITKIT_BINDGEN_TS_GUEST_FAILED`: jco's guest type generator failed on the WIT; its message is attached.
 */
export type BindgenTsErrorCode =
  | 'WITKIT_BINDGEN_TS_UNKNOWN_WORLD'
  | 'WITKIT_BINDGEN_TS_INVALID_OPTIONS'
  | 'WITKIT_BINDGEN_TS_GUEST_FAILED';

const BRAND = Symbol.for('witkit.BindgenTsError');

/**
 * Thrown when TypeScript bindings cannot be generated. The message names the world or option
 * involved and what to change. Recognise it with {@link isBindgenTsError}.
 */
export class BindgenTsError extends Error {
  /** Stable machine-readable category of the problem. */
  readonly code: BindgenTsErrorCode;
  readonly [BRAND] = true;

  constructor(code: BindgenTsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BindgenTsError';
    this.code = code;
  }
}

/**
 * Whether `value` is a {@link BindgenTsError}, from this or any other copy of the package.
 *
 * @example
 * ```ts
 * if (isBindgenTsError(err) && err.code === 'WITKIT_BINDGEN_TS_UNKNOWN_WORLD') console.error(err.message);
 * ```
 */
export function isBindgenTsError(value: unknown): value is BindgenTsError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
