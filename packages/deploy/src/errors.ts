/** Stable codes of {@link DeployError}; each is explained in `docs/errors.md`. */
export type DeployErrorCode =
  | 'WITKIT_NO_MATCHING_RELEASE'
  | 'WITKIT_HOST_TOO_OLD'
  | 'WITKIT_SIGNATURE_REJECTED'
  | 'WITKIT_INVALID_RELEASE'
  | 'WITKIT_DEPLOY_FAILED'
  | 'WITKIT_ROLLOUT_CONFLICT'
  | 'WITKIT_INVALID_CANARY_POLICY';

const brand = Symbol.for('witkit.DeployError');

/** A release or rollout step was refused or failed. `plugin` names the plugin it concerns. */
export class DeployError extends Error {
  override readonly name = 'DeployError';
  readonly [brand] = true;

  constructor(
    readonly code: DeployErrorCode,
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`plugin \`${plugin}\`: ${message}`, options);
  }
}

/** Whether `error` is a {@link DeployError}, also across duplicate copies of this package. */
export function isDeployError(error: unknown): error is DeployError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
