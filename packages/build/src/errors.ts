/** Stable codes of {@link BuildError}; each is explained in `docs/errors.md`. */
export type BuildErrorCode =
  | 'WITKIT_BUILD_MANIFEST'
  | 'WITKIT_BUILD_UNKNOWN_WORLD'
  | 'WITKIT_BUILD_ENTRY_MISSING'
  | 'WITKIT_BUILD_BUNDLE'
  | 'WITKIT_BUILD_MISSING_EXPORT'
  | 'WITKIT_BUILD_COMPONENTIZE'
  | 'WITKIT_BUILD_NOT_A_PLUGIN'
  | 'WITKIT_BUILD_RUST_TOOLCHAIN'
  | 'WITKIT_BUILD_BINDINGS'
  | 'WITKIT_BUILD_CARGO'
  | 'WITKIT_BUILD_OPTIMIZE';

const brand = Symbol.for('witkit.BuildError');

/**
 * A plugin could not be built. `plugin` names the plugin (or its folder), `code` is stable
 * and documented, `cause` carries the underlying tool's error when there is one.
 */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  readonly [brand] = true;

  constructor(
    readonly code: BuildErrorCode,
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${plugin}: ${message}`, options);
  }
}

/** Whether `error` is a {@link BuildError}, also across duplicate copies of this package. */
export function isBuildError(error: unknown): error is BuildError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
