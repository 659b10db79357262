/** Stable codes of {@link SandboxError}; each is explained in `docs/errors.md`. */
export type SandboxErrorCode = 'WITKIT_FS_GRANT_INVALID' | 'WITKIT_FS_GRANT_UNOPENABLE';

const brand = Symbol.for('witkit.SandboxError');

/**
 * A plugin's sandbox cannot be built from what it was given: a grant path that is not absolute
 * and normalised, or a granted directory the host process cannot open. Refused requests of a
 * running plugin are not errors of this kind: they fail inside WASI and reach `onViolation`.
 */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  readonly [brand] = true;

  constructor(
    readonly code: SandboxErrorCode,
    /** The plugin whose sandbox it is. */
    readonly plugin: string,
    /** The grant or deny path at fault. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`plugin \`${plugin}\`: ${message}`, options);
  }
}

/** Whether `error` is a {@link SandboxError}, also across duplicate copies of this package. */
export function isSandboxError(error: unknown): error is SandboxError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
