import type { Release, ReleaseBundle, ReleaseStore } from '../../release.js';
import { StoreError } from '../errors.js';
import { assertBundleConsistent, assertReleaseMatches, parseRelease, parseSignature } from '../integrity.js';
import type { StoreProgressStep, TransferOptions } from '../progress.js';
import { assertReleaseId } from '../release-id.js';
import { type ArtifactLayout, buildArtifact, readArtifactLayout } from './artifact.js';
import type { RegistryCredentials } from './auth.js';
import type { RequestContext } from './http-errors.js';
import { digestPattern, formatOciReference, isVersionTag } from './reference.js';
import { type BlobDescriptor, RegistryClient } from './registry-client.js';

/** Where an {@link OciStore} keeps releases. */
export interface OciStoreOptions {
  /** Registry host and optional port, e.g. `127.0.0.1:5000` (as in `oci://127.0.0.1:5000/…`). */
  readonly registry: string;
  /** Repository path before the plugin name: `witkit` stores `x` as `witkit/x`. @default none */
  readonly namespace?: string;
  /** Username and password: sent as basic auth, or to the token service the registry names. */
  readonly credentials?: RegistryCredentials;
  /** Speak HTTP instead of HTTPS. @default true for `localhost` and loopback addresses only */
  readonly plainHttp?: boolean;
}

/** What {@link OciStore.push} did. */
export interface OciPutResult {
  /** `oci://registry/repository:tag@sha256:…`: the tag and the manifest digest that pins it. */
  readonly reference: string;
  /** Digest of the release's manifest; pull by it for bytes that cannot change. */
  readonly digest: string;
  /** `false` when the registry already held the same release under this tag. */
  readonly created: boolean;
}

function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.[0-9.]+$/.test(host);
}

/**
 * Releases in an OCI registry, one repository per plugin and one tag per version, each an
 * artifact in the CNCF Wasm OCI layout (Wasm config, one `application/wasm` component layer)
 * with the release record, `plugin.toml` and signature as manifest annotations.
 *
 * The component is hashed as it downloads and checked against the release record,
 * so `get` returns exactly what was published or throws. Tags in a registry can be moved by
 * anyone with push rights; pin the digest `push` returns where that matters.
 */
export class OciStore implements ReleaseStore {
  private readonly client: RegistryClient;

  constructor(private readonly options: OciStoreOptions) {
    this.client = new RegistryClient({
      registry: options.registry,
      plainHttp: options.plainHttp ?? isLoopback(options.registry),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** The repository a plugin's releases live in, e.g. `witkit/text-transformer`. */
  repository(name: string): string {
    return this.options.namespace ? `${this.options.namespace}/${name}` : name;
  }

  private context(name: string, tagOrDigest?: string): RequestContext {
    const ref =
      tagOrDigest === undefined
        ? {}
        : digestPattern.test(tagOrDigest)
          ? { digest: tagOrDigest }
          : { tag: tagOrDigest };
    return {
      plugin: name,
      reference: formatOciReference({
        registry: this.options.registry,
        repository: this.repository(name),
        ...ref,
      }),
    };
  }

  /**
   * Stores a release (see {@link OciStore.push}, which also returns the manifest digest).
   *
   * @throws as {@link OciStore.push}
   */
  async put(bundle: ReleaseBundle, options: TransferOptions = {}): Promise<void> {
    await this.push(bundle, options);
  }

  /**
   * Pushes a release: every blob the registry lacks (monolithic uploads), then the manifest
   * under the version's tag. A tag already holding the same component is left as it is.
   *
   * @throws {DeployError} `WITKIT_INVALID_RELEASE` for a bad name or version, or a component that
   *   does not match the release's sha256 and size
   * @throws {StoreError} `WITKIT_RELEASE_EXISTS` when the tag holds another component;
   *   `WITKIT_REGISTRY_AUTH` / `WITKIT_REGISTRY_ERROR` when the registry refuses
   */
  async push(bundle: ReleaseBundle, options: TransferOptions = {}): Promise<OciPutResult> {
    const { release } = bundle;
    assertReleaseId(release.name, release.version);
    assertBundleConsistent(bundle);
    const repository = this.repository(release.name);
    const tag = release.version;
    const ctx = this.context(release.name, tag);
    const pinned = (digest: string) =>
      formatOciReference({ registry: this.options.registry, repository, tag, digest });

    const existing = await this.client.getManifest(ctx, repository, tag);
    if (existing) {
      const stored = this.readRelease(
        ctx,
        readArtifactLayout(existing.bytes, ctx),
        release.name,
        release.version,
      );
      if (stored.sha256 !== release.sha256) {
        throw new StoreError(
          'WITKIT_RELEASE_EXISTS',
          release.name,
          `version ${release.version} is already published with another component (sha256 ${stored.sha256}); publish a new version`,
          { reference: ctx.reference },
        );
      }
      return { reference: pinned(existing.digest), digest: existing.digest, created: false };
    }

    const artifact = await buildArtifact(bundle);
    for (const blob of [artifact.component, artifact.config]) {
      options.onProgress?.({ step: blob.step, bytes: 0, total: blob.size });
      if (!(await this.client.hasBlob(ctx, repository, blob.digest))) {
        await this.client.pushBlob(ctx, repository, blob.digest, blob.bytes);
      }
      options.onProgress?.({ step: blob.step, bytes: blob.size, total: blob.size });
    }
    const size = artifact.manifest.byteLength;
    options.onProgress?.({ step: 'manifest', bytes: 0, total: size });
    const digest = await this.client.putManifest(ctx, repository, tag, artifact.manifest);
    options.onProgress?.({ step: 'manifest', bytes: size, total: size });
    return { reference: pinned(digest), digest, created: true };
  }

  /**
   * One release with its component, manifest and signature; `version` may also be a manifest
   * digest (`sha256:…`).
   *
   * @throws {StoreError} `WITKIT_RELEASE_NOT_FOUND`; `WITKIT_STORE_CORRUPT` when a blob does not
   *   hash to its digest or the component is not the one the release record names
   */
  async get(name: string, version: string, options: TransferOptions = {}): Promise<ReleaseBundle> {
    const { ctx, layout, wanted } = await this.layoutOf(name, version, options);
    const release = this.readRelease(ctx, layout, name, wanted);
    const component = await this.pull(ctx, name, layout.component, 'component', options);
    assertReleaseMatches(release, name, wanted, component, ctx.reference);
    const signature =
      layout.signature === undefined
        ? undefined
        : parseSignature(this.json(ctx, layout.signature), name, ctx.reference);
    return {
      release,
      component,
      ...(layout.pluginManifest === undefined ? {} : { manifest: layout.pluginManifest }),
      ...(signature === undefined ? {} : { signature }),
    };
  }

  /**
   * The release record alone (one manifest request); `version` may also be a manifest digest.
   *
   * @throws {StoreError} `WITKIT_RELEASE_NOT_FOUND`, `WITKIT_STORE_CORRUPT`
   */
  async release(name: string, version: string): Promise<Release> {
    const { ctx, layout, wanted } = await this.layoutOf(name, version, {});
    return this.readRelease(ctx, layout, name, wanted);
  }

  /** Every version tagged in the plugin's repository; empty when the repository does not exist. */
  async versions(name: string): Promise<string[]> {
    assertReleaseId(name);
    const tags = await this.client.tags(this.context(name), this.repository(name));
    return tags.filter(isVersionTag);
  }

  private async layoutOf(
    name: string,
    version: string,
    options: TransferOptions,
  ): Promise<{ ctx: RequestContext; layout: ArtifactLayout; wanted: string | undefined }> {
    const byDigest = digestPattern.test(version);
    assertReleaseId(name, byDigest ? undefined : version);
    const ctx = this.context(name, version);
    options.onProgress?.({ step: 'manifest', bytes: 0, total: 0 });
    const found = await this.client.getManifest(ctx, this.repository(name), version);
    if (!found) {
      throw new StoreError('WITKIT_RELEASE_NOT_FOUND', name, `the registry has no release ${version}`, {
        reference: ctx.reference,
        status: 404,
      });
    }
    options.onProgress?.({ step: 'manifest', bytes: found.bytes.byteLength, total: found.bytes.byteLength });
    return { ctx, layout: readArtifactLayout(found.bytes, ctx), wanted: byDigest ? undefined : version };
  }

  private readRelease(
    ctx: RequestContext,
    layout: ArtifactLayout,
    name: string,
    version: string | undefined,
  ): Release {
    const release = parseRelease(this.json(ctx, layout.release), name, ctx.reference);
    assertReleaseMatches(release, name, version, undefined, ctx.reference);
    return release;
  }

  private pull(
    ctx: RequestContext,
    name: string,
    blob: BlobDescriptor,
    step: StoreProgressStep,
    options: TransferOptions,
  ): Promise<Buffer> {
    const report = options.onProgress;
    return this.client.pullBlob(
      ctx,
      this.repository(name),
      blob,
      report && ((bytes) => report({ step, bytes, total: blob.size })),
    );
  }

  private json(ctx: RequestContext, text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new StoreError(
        'WITKIT_STORE_CORRUPT',
        ctx.plugin,
        'a witkit annotation of the release is not JSON',
        {
          reference: ctx.reference,
          cause,
        },
      );
    }
  }
}
