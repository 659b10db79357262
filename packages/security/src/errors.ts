/** Stable codes of {@link ManifestError}; each is explained in `docs/errors.md`. */
export type ManifestErrorCode =
  | 'WITKIT_MANIFEST_SYNTAX'
  | 'WITKIT_MANIFEST_INVALID'
  | 'WITKIT_MANIFEST_UNREADABLE';

const brand = Symbol.for('witkit.ManifestError');

/**
 * A `plugin.toml` is unreadable, not TOML, or says something not allowed. The message starts
 * with `file:line` and names the key (`permissions.memory`) and what is allowed.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly [brand] = true;

  constructor(
    readonly code: ManifestErrorCode,
    /** The manifest file. */
    readonly file: string,
    /** 1-based line of the offending key or syntax, when known. */
    readonly line: number | undefined,
    /** Dotted key path, e.g. `permissions.fs[1]`, when the error is about a key. */
    readonly key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${file}${line === undefined ? '' : `:${line}`}: ${key === undefined ? '' : `\`${key}\`: `}${message}`,
      options,
    );
  }
}

/** Whether `error` is a {@link ManifestError}, also across duplicate copies of this package. */
export function isManifestError(error: unknown): error is ManifestError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
