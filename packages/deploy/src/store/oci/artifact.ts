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
/** Manifest annotation holding the release record (JSON `Release`). */
export const releaseAnnotation = 'dev.witkit.release.v1';
/** Manifest annotation holding the plugin's `plugin.toml`. */
export const pluginManifestAnnotation = 'dev.witkit.plugin-manifest.v1';
/** Manifest annotation holding the release's ed25519 signature (JSON `ReleaseSignature`). */
export const signatureAnnotation = 'dev.witkit.signature.v1';

const titleAnnotation = 'org.opencontainers.image.title';

/** One blob of an artifact, with what it is. */
export interface ArtifactBlob extends BlobDescriptor {
  readonly mediaType: string;
  readonly step: StoreProgressStep;
  readonly bytes: Uint8Array;
}

/** Everything pushed for one release: its blobs (config and component) and the manifest naming them. */
export interface Artifact {
  readonly config: ArtifactBlob;
  readonly component: ArtifactBlob;
  readonly manifest: Uint8Array;
}

/** What a release's manifest says: the component's descriptor and witkit's annotations. */
export interface ArtifactLayout {
  readonly component: BlobDescriptor;
  /** The release record, as JSON text. */
  readonly release: string;
  readonly pluginManifest?: string;
  /** The signature, as JSON text. */
  readonly signature?: string;
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
 * Lays a release out as a Wasm OCI artifact: exactly one layer, the component
 * (`application/wasm`), and a Wasm config naming its world, imports and exports, so strict
 * Wasm OCI clients pull it too. The release record, `plugin.toml` and signature are small text
 * and travel as manifest annotations (covered by the manifest digest, as layers would be).
 * Everything derives from the bundle, so publishing the same release twice yields the same
 * manifest digest.
 */
export async function buildArtifact(bundle: ReleaseBundle): Promise<Artifact> {
  const { release } = bundle;
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const component = blob(wasmLayerMediaType, 'component', bundle.component);
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
      layerDigests: [component.digest],
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
    layers: [descriptor(component, `${release.name}.wasm`)],
    annotations: {
      [titleAnnotation]: release.name,
      'org.opencontainers.image.version': release.version,
      'org.opencontainers.image.created': release.publishedAt,
      [releaseAnnotation]: JSON.stringify(release),
      ...(bundle.manifest === undefined ? {} : { [pluginManifestAnnotation]: bundle.manifest }),
      ...(bundle.signature === undefined ? {} : { [signatureAnnotation]: JSON.stringify(bundle.signature) }),
    },
  });
  return { config, component, manifest };
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
 * Reads a release's manifest, refusing one that is not a witkit release: not an OCI image
 * manifest with the Wasm config, not exactly one `application/wasm` layer, or no release
 * record annotation.
 *
 * @throws {StoreError} `WITKIT_STORE_CORRUPT`
 */
export function readArtifactLayout(manifestBytes: Uint8Array, ctx: RequestContext): ArtifactLayout {
  const refuse = (why: string) =>
    new StoreError('WITKIT_STORE_CORRUPT', ctx.plugin, `the manifest is not a witkit release: ${why}`, {
      reference: ctx.reference,
    });
  let manifest: { mediaType?: unknown; config?: unknown; layers?: unknown; annotations?: unknown };
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
  if (layers.length !== 1)
    throw refuse(`it has ${layers.length} layers, expected one (${wasmLayerMediaType})`);
  if (!isDescriptor(layers[0]) || layers[0].mediaType !== wasmLayerMediaType) {
    throw refuse(`its layer is not ${wasmLayerMediaType}`);
  }
  const annotations = (
    typeof manifest.annotations === 'object' && manifest.annotations !== null ? manifest.annotations : {}
  ) as Record<string, unknown>;
  const text = (key: string) => (typeof annotations[key] === 'string' ? annotations[key] : undefined);
  const release = text(releaseAnnotation);
  if (release === undefined) throw refuse(`it has no ${releaseAnnotation} annotation`);
  const pluginManifest = text(pluginManifestAnnotation);
  const signature = text(signatureAnnotation);
  return {
    component: layers[0],
    release,
    ...(pluginManifest === undefined ? {} : { pluginManifest }),
    ...(signature === undefined ? {} : { signature }),
  };
}
