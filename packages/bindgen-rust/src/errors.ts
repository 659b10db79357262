/**
 * Stable error codes of the Rust binding generator.
 *
 * - `WITKIT_BINDGEN_UNSUPPORTED`: the world uses something the generator does not handle yet (exported
 *   resources, `future`/`stream`, fixed-length lists, `borrow` nested inside another type).
 * - `WITKIT_BINDGEN_INVALID_OPTIONS`: an option has the wrong type or value.
 * - `WITKIT_BINDGEN_NO_ABI`: a type of the world cannot cross the canonical ABI (the `cause` is the
 *   `AbiError` from `@witkit/wit`).
 * - `WITKIT_BINDGEN_TOOL_MISSING`: an external generator that was asked for (`wit-bindgen`) is not on `PATH`.
 * - `WITKIT_BINDGEN_TOOL_FAILED`: the external generator ran and failed; its output is in the message.
 */
export type BindgenErrorCode =
  | 'WITKIT_BINDGEN_UNSUPPORTED'
  | 'WITKIT_BINDGEN_INVALID_OPTIONS'
  | 'WITKIT_BINDGEN_NO_ABI'
  | 'WITKIT_BINDGEN_TOOL_MISSING'
  | 'WITKIT_BINDGEN_TOOL_FAILED';

const BRAND = Symbol.for('witkit.BindgenError');

/**
 * Thrown when bindings cannot be generated. The message names the world, interface, function or
 * type involved and what to change. Recognise it with {@link isBindgenError}.
 */
export class BindgenError extends Error {
  /** Stable machine-readable category of the problem. */
  readonly code: BindgenErrorCode;
  readonly [BRAND] = true;

  constructor(code: BindgenErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BindgenError';
    this.code = code;
  }
}

/**
 * Whether `value` is a {@link BindgenError}, from this or any other copy of the package.
 *
 * @example
 * ```ts
 * if (isBindgenError(err) && err.code === 'WITKIT_BINDGEN_UNSUPPORTED') console.error(err.message);
 * ```
 */
export function isBindgenError(value: unknown): value is BindgenError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
