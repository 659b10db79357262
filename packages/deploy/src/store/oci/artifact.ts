import { componentInterfaces } from '../../component-info.js';
import type { ReleaseBundle } from '../../release.js';
import { StoreError } from '../errors.js';
import type { StoreProgressStep } from '../progress.js';
import type { RequestContext } from './http-errors.js';
import { digestPattern } from './reference.js';
import { type BlobDescriptor, digestOf, ociManifestMediaType } from './registry-client.js';

/** Config media type of the CNCF Wasm OCI artifact layout. */
export const wasmConfigMediaType = 'application/vnd.wasm.config.v0+json';
/** Media type of the component layer (CNCF Wasm OCI artifact layout). */
export const wasmLayerMediaType = 'application/wasm';
/** Media type of the layer holding the plugin's `plugin.toml`. */
export const pluginManifestMediaType = 'application/vnd.witkit.plugin.manifest.v1+toml';
/** Media type of the layer holding the release record (JSON `Release`). */
export const releaseMediaType = 'application/vnd.witkit.release.v1+json';
/** Media type of the layer holding the release's ed25519 signature (JSON `ReleaseSignature`). */
export const signatureMediaType = 'application/vnd.witkit.release.signature.v1+json';

const titleAnnotation = 'org.opencontainers.image.title';

/** One blob of an artifact, with what it is. */
export interface ArtifactBlob extends BlobDescriptor {
  readonly mediaType: string;
  readonly step: StoreProgressStep;
  readonly bytes: Uint8Array;
}

/** Everything pushed for one release: its blobs (config first) and the manifest naming them. */
export interface Artifact {
  readonly config: ArtifactBlob;
  readonly layers: readonly ArtifactBlob[];
  readonly manifest: Uint8Array;
}

/** The descriptors of a release's artifact, read from its manifest. */
export interface ArtifactLayout {
  readonly component: BlobDescriptor;
  readonly release: BlobDescriptor;
  readonly pluginManifest?: BlobDescriptor;
  readonly signature?: BlobDescriptor;
}

interface Descriptor extends BlobDescriptor {
  readonly mediaType: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

function blob(mediaType: string, step: StoreProgressStep, bytes: Uint8Array): ArtifactBlob {
  return { mediaType, step, bytes, digest: digestOf(bytes), size: bytes.byteLength };
}

function descriptor(b: ArtifactBlob, title?: string): Descriptor {
  return {
    mediaType: b.mediaType,
    digest: b.digest,
    size: b.size,
    ...(title === undefined ? {} : { annotations: { [titleAnnotation]: title } }),
  };
}

/**
 * Lays a release out as a Wasm OCI artifact: the component as the `application/wasm` layer,
 * then the release record, `plugin.toml` and signature as witkit layers, and a Wasm config
 * naming the component's world, imports and exports. Everything derives from the bundle, so
 * publishing the same release twice yields the same manifest digest.
 */
export async function buildArtifact(bundle: ReleaseBundle): Promise<Artifact> {
  const { release } = bundle;
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const component = blob(wasmLayerMediaType, 'component', bundle.component);
  const layers: [ArtifactBlob, string][] = [
    [component, `${release.name}.wasm`],
    [blob(releaseMediaType, 'release', json(release)), 'release.json'],
  ];
  if (bundle.manifest !== undefined) {
    layers.push([
      blob(pluginManifestMediaType, 'plugin-manifest', new TextEncoder().encode(bundle.manifest)),
      'plugin.toml',
    ]);
  }
  if (bundle.signature !== undefined) {
    layers.push([blob(signatureMediaType, 'signature', json(bundle.signature)), 'release.sig.json']);
  }
  // The layout wants the component's imports and exports; bytes that are no component (which
  // `createRelease` never produces) are still stored, just without them.
  const interfaces = await componentInterfaces(bundle.component).catch(() => undefined);
  const config = blob(
    wasmConfigMediaType,
    'config',
    json({
      created: release.publishedAt,
      architecture: 'wasm',
      os: 'wasip2',
      layerDigests: layers.map(([b]) => b.digest),
      ...(interfaces
        ? { component: { exports: interfaces.exports, imports: interfaces.imports, target: release.world } }
        : {}),
    }),
  );
  const manifest = json({
    schemaVersion: 2,
    mediaType: ociManifestMediaType,
    artifactType: wasmConfigMediaType,
    config: descriptor(config),
    layers: layers.map(([b, title]) => descriptor(b, title)),
    annotations: {
      [titleAnnotation]: release.name,
      'org.opencontainers.image.version': release.version,
      'org.opencontainers.image.created': release.publishedAt,
    },
  });
  return { config, layers: layers.map(([b]) => b), manifest };
}

function isDescriptor(value: unknown): value is Descriptor {
  const d = value as Partial<Descriptor> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.mediaType === 'string' &&
    typeof d.digest === 'string' &&
    digestPattern.test(d.digest) &&
    typeof d.size === 'number'
  );
}

/**
 * Finds a release's blobs in its manifest, refusing a manifest that is not a witkit release:
 * not an OCI image manifest with the Wasm config, or without exactly one component and one
 * release record.
 *
 * @throws {StoreError} `WITKIT_STORE_CORRUPT`
 */
export function readArtifactLayout(manifestBytes: Uint8Array, ctx: RequestContext): ArtifactLayout {
  const refuse = (why: string) =>
    new StoreError('WITKIT_STORE_CORRUPT', ctx.plugin, `the manifest is not a witkit release: ${why}`, {
      reference: ctx.reference,
    });
  let manifest: { mediaType?: unknown; config?: unknown; layers?: unknown };
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as typeof manifest;
  } catch (cause) {
    throw new StoreError('WITKIT_STORE_CORRUPT', ctx.plugin, 'the manifest is not JSON', {
      reference: ctx.reference,
      cause,
    });
  }
  if (manifest.mediaType !== undefined && manifest.mediaType !== ociManifestMediaType) {
    throw refuse(`its media type is ${String(manifest.mediaType)}`);
  }
  if (!isDescriptor(manifest.config) || manifest.config.mediaType !== wasmConfigMediaType) {
    throw refuse(`its config is not ${wasmConfigMediaType}`);
  }
  const layers = Array.isArray(manifest.layers) ? manifest.layers : [];
  if (!layers.every(isDescriptor)) throw refuse('a layer descriptor is malformed');
  const only = (mediaType: string, required: boolean) => {
    const found = layers.filter((l) => l.mediaType === mediaType);
    if (found.length > 1 || (required && found.length === 0)) {
      throw refuse(
        `it has ${found.length} ${mediaType} layers, expected ${required ? 'one' : 'at most one'}`,
      );
    }
    return found[0];
  };
  const pluginManifest = only(pluginManifestMediaType, false);
  const signature = only(signatureMediaType, false);
  return {
    component: only(wasmLayerMediaType, true)!,
    release: only(releaseMediaType, true)!,
    ...(pluginManifest ? { pluginManifest } : {}),
    ...(signature ? { signature } : {}),
  };
}
