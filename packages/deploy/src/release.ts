/** Where a release stands in a rollout. */
export type DeploymentStatus = 'staged' | 'canary' | 'active' | 'deprecated' | 'failed';

/** A published version of a plugin: a component plus what is needed to trust and place it. */
export interface Release {
  /** Plugin name. */
  readonly name: string;
  /** Semver version. */
  readonly version: string;
  /** Hex sha256 of the component; verified on every load. */
  readonly sha256: string;
  /** Oldest host version the release runs on (semver). */
  readonly minHostVersion: string;
  /** Full id of the world the component targets. */
  readonly world: string;
  readonly status: DeploymentStatus;
  /** When it was published. */
  readonly publishedAt: Date;
}
