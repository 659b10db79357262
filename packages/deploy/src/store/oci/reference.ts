import semver from 'semver';
import { StoreError } from '../errors.js';

/** The parts of an `oci://registry/namespace/name:tag` (or `…@sha256:…`) reference. */
export interface OciReference {
  /** Host and optional port, e.g. `127.0.0.1:5000`. */
  readonly registry: string;
  /** The whole repository path, e.g. `witkit/text-transformer`. */
  readonly repository: string;
  /** The repository path before the plugin name, e.g. `witkit`; empty when there is none. */
  readonly namespace: string;
  /** The last path segment: the plugin name. */
  readonly name: string;
  /** The tag, when the reference has one. */
  readonly tag?: string;
  /** The tag, when it is a release version (a normalised semver version). */
  readonly version?: string;
  /** The manifest digest (`sha256:<hex>`), when the reference has one. */
  readonly digest?: string;
}

const registryPattern =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
const componentPattern = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** A sha256 manifest or blob digest. */
export const digestPattern: RegExp = /^sha256:[a-f0-9]{64}$/;

/** Whether a tag is a release version: releases are tagged with their normalised semver version. */
export function isVersionTag(tag: string): boolean {
  return semver.valid(tag) === tag;
}

/**
 * Splits `oci://host[:port]/namespace/name[:tag][@sha256:…]` (the `oci://` is optional).
 *
 * @throws {StoreError} `WITKIT_INVALID_REFERENCE` naming the part that is wrong
 */
export function parseOciReference(reference: string): OciReference {
  const invalid = (what: string) =>
    new StoreError(
      'WITKIT_INVALID_REFERENCE',
      reference,
      `not an OCI reference: ${what}; expected oci://host[:port]/namespace/name[:version]`,
    );
  let rest = reference.startsWith('oci://') ? reference.slice('oci://'.length) : reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw invalid(`\`${digest}\` is not a sha256 digest`);
  }
  const slash = rest.indexOf('/');
  if (slash < 0) throw invalid('it has no repository after the registry');
  const registry = rest.slice(0, slash);
  if (!registryPattern.test(registry)) throw invalid(`\`${registry}\` is not a host[:port]`);
  let repository = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(':');
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(`\`${tag}\` is not a valid tag`);
  }
  const segments = repository.split('/');
  const bad = segments.find((segment) => !componentPattern.test(segment));
  if (bad !== undefined) {
    throw invalid(
      `repository path segment \`${bad}\` must be lower-case letters and digits joined by . _ or -`,
    );
  }
  const version = tag !== undefined && isVersionTag(tag) ? tag : undefined;
  return {
    registry,
    repository,
    namespace: segments.slice(0, -1).join('/'),
    name: segments.at(-1)!,
    ...(tag === undefined ? {} : { tag }),
    ...(version === undefined ? {} : { version }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** Writes a reference back as `oci://registry/repository[:tag][@digest]`. */
export function formatOciReference(
  reference: Pick<OciReference, 'registry' | 'repository'> & {
    readonly tag?: string;
    readonly digest?: string;
  },
): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `oci://${reference.registry}/${reference.repository}${tag}${digest}`;
}
