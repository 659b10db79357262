import { createHash } from 'node:crypto';
import type { SecurityViolation } from '@witkit/security';
import semver from 'semver';
import { hostVersion as runningHostVersion } from './create-release.js';
import { DeployError } from './errors.js';
import type { Release, ReleaseBundle, ReleaseStore } from './release.js';
import { type KeyInput, verifyReleaseSignature } from './signing.js';

/** Options of {@link VersionManager}. */
export interface VersionManagerOptions {
  /** Where releases are kept. */
  readonly store: ReleaseStore;
  /** The version of the host that will run the releases. @default the `@witkit/host` version */
  readonly hostVersion?: string;
  /**
   * Public keys releases must be signed with. When given (even empty), unsigned and wrongly
   * signed releases are refused; when absent, signatures are not required.
   */
  readonly trustedKeys?: readonly KeyInput[];
  /** Told of every refused release, for the audit log (`PluginHost.reportViolation`). */
  readonly audit?: (violation: Omit<SecurityViolation, 'timestamp'>) => void;
}

/**
 * Releases of plugins in a store: publish, list, resolve a semver range, and fetch a release's
 * bytes with every check a load needs (checksum, minimum host version, signature).
 */
export class VersionManager {
  readonly #options: VersionManagerOptions;
  readonly hostVersion: string;

  constructor(options: VersionManagerOptions) {
    this.#options = options;
    this.hostVersion = options.hostVersion ?? runningHostVersion;
  }

  /** The store releases live in. */
  get store(): ReleaseStore {
    return this.#options.store;
  }

  /** Stores a release (see `createRelease`). */
  async publish(bundle: ReleaseBundle): Promise<Release> {
    await this.#options.store.put(bundle);
    return bundle.release;
  }

  /** Every release of `name`, newest version first. */
  async list(name: string): Promise<Release[]> {
    const versions = semver.rsort((await this.#options.store.versions(name)).filter((v) => semver.valid(v)));
    return Promise.all(versions.map((v) => this.#options.store.release(name, v)));
  }

  /**
   * The highest release of `name` that satisfies `range` (`^1.2`, `~2.0.1`, `>=1 <3`, `*`, an
   * exact version). Prereleases match only ranges that name them.
   *
   * @throws {DeployError} `WITKIT_NO_MATCHING_RELEASE`, listing the versions there are
   */
  async resolve(name: string, range = '*'): Promise<Release> {
    if (semver.validRange(range) === null) {
      throw new DeployError('WITKIT_NO_MATCHING_RELEASE', name, `\`${range}\` is not a semver range`);
    }
    const versions = await this.#options.store.versions(name);
    const best = semver.maxSatisfying(versions, range);
    if (best === null) {
      throw new DeployError(
        'WITKIT_NO_MATCHING_RELEASE',
        name,
        versions.length === 0
          ? 'has no releases in the store; publish one first'
          : `no release satisfies \`${range}\` (there are: ${semver.rsort(versions).join(', ')})`,
      );
    }
    return this.#options.store.release(name, best);
  }

  /**
   * A release with its bytes, checked for loading here: the component's sha256 against the
   * record, the host version against the release's minimum, and the signature against the
   * trusted keys. Each refusal is audited.
   *
   * @throws {DeployError} `WITKIT_HOST_TOO_OLD`, `WITKIT_SIGNATURE_REJECTED`,
   *   `WITKIT_INVALID_RELEASE` (checksum mismatch)
   */
  async fetch(name: string, version: string): Promise<ReleaseBundle> {
    const bundle = await this.#options.store.get(name, version);
    this.check(bundle);
    return bundle;
  }

  /** The checks of {@link fetch}, on a bundle already in hand. */
  check(bundle: ReleaseBundle): void {
    const { release } = bundle;
    const refuse = (type: SecurityViolation['type'], error: DeployError): never => {
      this.#options.audit?.({
        plugin: release.name,
        type,
        resource: `${release.name}@${release.version}`,
        action: 'denied',
        detail: { message: error.message, sha256: release.sha256 },
      });
      throw error;
    };
    const actual = createHash('sha256').update(bundle.component).digest('hex');
    if (actual !== release.sha256) {
      refuse(
        'checksum-mismatch',
        new DeployError(
          'WITKIT_INVALID_RELEASE',
          release.name,
          `release ${release.version}: the component's sha256 is ${actual}, the release says ${release.sha256}; the stored bytes are damaged or were replaced, so publish the release again`,
        ),
      );
    }
    if (!semver.gte(this.hostVersion, release.minHostVersion)) {
      refuse(
        'host-version-rejected',
        new DeployError(
          'WITKIT_HOST_TOO_OLD',
          release.name,
          `release ${release.version} needs host ${release.minHostVersion} or newer; this host is ${this.hostVersion}. Upgrade @witkit/host or deploy an older release`,
        ),
      );
    }
    if (this.#options.trustedKeys !== undefined) {
      try {
        verifyReleaseSignature(release, bundle.signature, this.#options.trustedKeys);
      } catch (error) {
        refuse('signature-rejected', error as DeployError);
      }
    }
  }
}
