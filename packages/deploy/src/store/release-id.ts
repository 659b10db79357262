import semver from 'semver';
import { DeployError } from '../errors.js';

/**
 * What a plugin name may look like in a store: it becomes a folder name and part of an OCI
 * repository, so it starts with a letter or digit and has no `/`, no `..` prefix, no spaces.
 */
export const pluginNamePattern: RegExp = /^[a-z0-9][a-z0-9-_.]{0,127}$/;

/**
 * Refuses a name or version that is not safe to use as a path or tag.
 *
 * @throws {DeployError} `WITKIT_INVALID_RELEASE` for a name outside {@link pluginNamePattern}
 *   or a version that is not a normalised semver version (`1.2.0`, not `v1.2`)
 */
export function assertReleaseId(name: string, version?: string): void {
  if (!pluginNamePattern.test(name)) {
    throw new DeployError(
      'WITKIT_INVALID_RELEASE',
      name,
      'a plugin name in a store must be lower-case letters, digits, `-`, `_` and `.`, starting with a letter or digit (at most 128 characters)',
    );
  }
  if (version !== undefined && semver.valid(version) !== version) {
    throw new DeployError(
      'WITKIT_INVALID_RELEASE',
      name,
      `\`${version}\` is not a semver version (e.g. \`1.2.0\`)`,
    );
  }
}
