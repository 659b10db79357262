import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { type PluginManifest, parseManifest } from '@witkit/security';
import { findWorld, findWorldByExports } from '@witkit/wit-types';
import semver from 'semver';
import { componentInterfaces, packageVersions } from './component-info.js';
import { DeployError } from './errors.js';
import type { ReleaseBundle } from './release.js';
import { type KeyInput, signRelease } from './signing.js';

/** The version of `@witkit/host` this package runs with: what a release's minimum is checked against. */
export const hostVersion: string = (
  createRequire(import.meta.url)('@witkit/host/package.json') as { version: string }
).version;

/** Inputs of {@link createRelease}. */
export interface CreateReleaseOptions {
  /** The component's bytes. */
  readonly component: Uint8Array;
  /** The `plugin.toml` text; its `[plugin]` table gives the name, version and world by default. */
  readonly manifest?: string;
  /** Where `manifest` came from, for error messages. @default `plugin.toml` */
  readonly manifestFile?: string;
  readonly name?: string;
  readonly version?: string;
  /** @default the host version this package runs with */
  readonly minHostVersion?: string;
  /** A world name or id; @default the manifest's, else the contracts world the exports match */
  readonly world?: string;
  /** Signs the release with this ed25519 private key. */
  readonly signingKey?: KeyInput;
  /** @default now */
  readonly publishedAt?: Date;
}

/**
 * Builds a release from a component: its sha256 and size, the world and WIT package versions
 * read from the component itself, and the name and version from the options or manifest.
 *
 * @throws {DeployError} `WITKIT_INVALID_RELEASE` for a missing or invalid name, version,
 *   minimum host version or world
 * @throws {ManifestError} for an invalid manifest (file, line and key in the message)
 */
export async function createRelease(options: CreateReleaseOptions): Promise<ReleaseBundle> {
  const manifest: PluginManifest | undefined =
    options.manifest === undefined ? undefined : parseManifest(options.manifest, options.manifestFile);
  const name = options.name ?? manifest?.plugin.name;
  const label = name ?? '(unnamed)';
  const invalid = (message: string) => new DeployError('WITKIT_INVALID_RELEASE', label, message);
  if (!name) throw invalid('has no name: pass one or publish with a plugin.toml');
  const version = options.version ?? manifest?.plugin.version;
  if (!version || semver.valid(version) === null)
    throw invalid(`\`${version ?? ''}\` is not a semver version (e.g. \`1.2.0\`)`);
  const minHostVersion = options.minHostVersion ?? hostVersion;
  if (semver.valid(minHostVersion) === null)
    throw invalid(`minimum host version \`${minHostVersion}\` is not a semver version`);
  const { imports, exports } = await componentInterfaces(options.component).catch((cause: unknown) => {
    throw new DeployError('WITKIT_INVALID_RELEASE', label, 'the file is not a WebAssembly component', {
      cause,
    });
  });
  const wanted = options.world ?? manifest?.plugin.world;
  const world = (wanted === undefined ? findWorldByExports(exports) : findWorld(wanted))?.id;
  if (!world) {
    throw invalid(
      wanted === undefined
        ? `its exports (${exports.join(', ')}) match no contracts world; name the world in plugin.toml`
        : `unknown world \`${wanted}\``,
    );
  }
  const release = {
    name,
    version: semver.valid(version)!,
    sha256: createHash('sha256').update(options.component).digest('hex'),
    size: options.component.byteLength,
    minHostVersion,
    world,
    packages: packageVersions([...imports, ...exports]),
    publishedAt: (options.publishedAt ?? new Date()).toISOString(),
  };
  return {
    release,
    component: options.component,
    ...(options.manifest === undefined ? {} : { manifest: options.manifest }),
    ...(options.signingKey === undefined ? {} : { signature: signRelease(release, options.signingKey) }),
  };
}
