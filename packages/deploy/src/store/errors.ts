/** Stable codes of {@link StoreError}; each is explained in `docs/errors.md`. */
export type StoreErrorCode =
  | 'WITKIT_RELEASE_NOT_FOUND'
  | 'WITKIT_RELEASE_EXISTS'
  | 'WITKIT_STORE_CORRUPT'
  | 'WITKIT_INVALID_REFERENCE'
  | 'WITKIT_REGISTRY_AUTH'
  | 'WITKIT_REGISTRY_ERROR';

const brand = Symbol.for('witkit.StoreError');

/**
 * A release store (local folder or OCI registry) refused or failed a request. `plugin` names the
 * plugin; for a registry, `reference` is the `oci://` reference and `status` the HTTP status.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly [brand] = true;
  /** The `oci://` reference (or local path) the request concerned, when there is one. */
  readonly reference?: string;
  /** HTTP status of the registry's answer, for registry errors. */
  readonly status?: number;

  constructor(
    readonly code: StoreErrorCode,
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown; reference?: string; status?: number },
  ) {
    super(
      `plugin \`${plugin}\`${options?.reference === undefined ? '' : ` (${options.reference})`}: ${message}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    if (options?.reference !== undefined) this.reference = options.reference;
    if (options?.status !== undefined) this.status = options.status;
  }
}

/** Whether `error` is a {@link StoreError}, also across duplicate copies of this package. */
export function isStoreError(error: unknown): error is StoreError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
