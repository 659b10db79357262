import { createHash } from 'node:crypto';
import { DeployError } from '../errors.js';
import type { Release, ReleaseBundle, ReleaseSignature } from '../release.js';
import { StoreError } from './errors.js';

/** Hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Refuses to store a bundle whose component is not the one its release record describes: a
 * store that accepted it would hand out a record that can never be verified.
 */
export function assertBundleConsistent(bundle: ReleaseBundle): void {
  const { release, component } = bundle;
  const actual = sha256Hex(component);
  if (actual !== release.sha256 || component.byteLength !== release.size) {
    throw new DeployError(
      'WITKIT_INVALID_RELEASE',
      release.name,
      `the component (sha256 ${actual}, ${component.byteLength} bytes) is not the one release ${release.version} describes (sha256 ${release.sha256}, ${release.size} bytes); create the release again from the component`,
    );
  }
}

/**
 * Checks that a stored record belongs to `name@version` and that `component` is the exact
 * component it names, so a store never returns bytes other than those that were released.
 *
 * @throws {StoreError} `WITKIT_STORE_CORRUPT` naming `where` and what differs
 */
export function assertReleaseMatches(
  release: Release,
  name: string,
  version: string | undefined,
  component: Uint8Array | undefined,
  where: string,
): void {
  const corrupt = (message: string) =>
    new StoreError('WITKIT_STORE_CORRUPT', name, `${message}; publish the release again`, {
      reference: where,
    });
  if (release.name !== name || (version !== undefined && release.version !== version)) {
    throw corrupt(
      `the release record is for ${release.name}@${release.version}, not ${name}@${version ?? '?'}`,
    );
  }
  if (component === undefined) return;
  const actual = sha256Hex(component);
  if (actual !== release.sha256 || component.byteLength !== release.size) {
    throw corrupt(
      `the stored component (sha256 ${actual}, ${component.byteLength} bytes) is not the released one (sha256 ${release.sha256}, ${release.size} bytes)`,
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a release record that came from disk or a registry, refusing one that lacks a field
 * the stores rely on.
 *
 * @throws {StoreError} `WITKIT_STORE_CORRUPT`
 */
export function parseRelease(value: unknown, name: string, where: string): Release {
  const ok =
    isRecord(value) &&
    typeof value.name === 'string' &&
    typeof value.version === 'string' &&
    typeof value.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(value.sha256) &&
    typeof value.size === 'number' &&
    typeof value.minHostVersion === 'string' &&
    typeof value.world === 'string' &&
    isRecord(value.packages) &&
    typeof value.publishedAt === 'string';
  if (!ok) {
    throw new StoreError(
      'WITKIT_STORE_CORRUPT',
      name,
      'the release record is malformed; publish the release again',
      {
        reference: where,
      },
    );
  }
  return value as unknown as Release;
}

/**
 * Reads a stored release signature, refusing one that is not an ed25519 signature record.
 *
 * @throws {StoreError} `WITKIT_STORE_CORRUPT`
 */
export function parseSignature(value: unknown, name: string, where: string): ReleaseSignature {
  const ok =
    isRecord(value) &&
    value.algorithm === 'ed25519' &&
    typeof value.keyId === 'string' &&
    typeof value.signature === 'string';
  if (!ok) {
    throw new StoreError(
      'WITKIT_STORE_CORRUPT',
      name,
      'the release signature is malformed; sign and publish the release again',
      {
        reference: where,
      },
    );
  }
  return value as unknown as ReleaseSignature;
}
