import { readFileSync, writeFileSync } from 'node:fs';
import {
  startRegistry,
  startTokenService,
  type TestRegistry,
  type TestTokenService,
} from '@witkit-internal/test-support/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseBundle } from '../../src/release.js';
import { verifyReleaseSignature } from '../../src/signing.js';
import { isStoreError, type StoreError } from '../../src/store/errors.js';
import {
  buildArtifact,
  pluginManifestAnnotation,
  readArtifactLayout,
  releaseAnnotation,
  signatureAnnotation,
  wasmConfigMediaType,
  wasmLayerMediaType,
} from '../../src/store/oci/artifact.js';
import { OciStore } from '../../src/store/oci/oci-store.js';
import { parseOciReference } from '../../src/store/oci/reference.js';
import { RegistryClient } from '../../src/store/oci/registry-client.js';
import type { StoreProgress } from '../../src/store/progress.js';
import { bundleOf, probeComponent, testKeys } from '../support/releases.js';

let componentA: Uint8Array;
let componentB: Uint8Array;

beforeAll(async () => {
  componentA = await probeComponent('run');
  componentB = await probeComponent('transform');
});

async function storeError(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  if (!isStoreError(error)) throw error;
  return error;
}

function expectSameBundle(got: ReleaseBundle, sent: ReleaseBundle): void {
  expect(Buffer.compare(got.component, sent.component)).toBe(0);
  expect(got.release).toEqual(sent.release);
  expect(got.manifest).toBe(sent.manifest);
  expect(got.signature).toEqual(sent.signature);
}

describe('OciStore against a registry without auth', () => {
  let registry: TestRegistry;
  let store: OciStore;

  beforeAll(async () => {
    registry = await startRegistry();
    store = new OciStore({ registry: registry.address, namespace: 'witkit' });
  }, 60_000);
  afterAll(() => registry?.stop());

  it('pushes a Wasm OCI artifact and pulls back the exact component, plugin.toml and signature', async () => {
    const bundle = bundleOf(componentA, 'text-transformer', '1.0.0');
    const progress: StoreProgress[] = [];
    const pushed = await store.push(bundle, { onProgress: (p) => progress.push(p) });
    expect(pushed.created).toBe(true);
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed.reference).toBe(`oci://${registry.address}/witkit/text-transformer:1.0.0@${pushed.digest}`);
    expect(progress).toContainEqual({
      step: 'component',
      bytes: componentA.byteLength,
      total: componentA.byteLength,
    });
    expect(progress.at(-1)?.step).toBe('manifest');

    const pulled: StoreProgress[] = [];
    const got = await store.get('text-transformer', '1.0.0', { onProgress: (p) => pulled.push(p) });
    expectSameBundle(got, bundle);
    expect(() => verifyReleaseSignature(got.release, got.signature, [testKeys.publicKeyPem])).not.toThrow();
    expect(pulled).toContainEqual({
      step: 'component',
      bytes: componentA.byteLength,
      total: componentA.byteLength,
    });
    expectSameBundle(await store.get('text-transformer', pushed.digest), bundle);
    expect(await store.release('text-transformer', '1.0.0')).toEqual(bundle.release);
  });

  it('lays the artifact out as the CNCF Wasm OCI layout says, as any registry client sees it', async () => {
    const bundle = bundleOf(componentA, 'layout-probe', '0.3.0');
    const { digest } = await store.push(bundle);
    const response = await fetch(`http://${registry.address}/v2/witkit/layout-probe/manifests/0.3.0`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(response.headers.get('docker-content-digest')).toBe(digest);
    const manifest = (await response.json()) as {
      mediaType: string;
      artifactType: string;
      config: { mediaType: string; digest: string };
      layers: { mediaType: string; digest: string; size: number }[];
      annotations: Record<string, string>;
    };
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.artifactType).toBe(wasmConfigMediaType);
    expect(manifest.config.mediaType).toBe(wasmConfigMediaType);
    // Exactly one layer, the component: strict Wasm OCI clients refuse any other layer.
    expect(manifest.layers).toEqual([
      {
        mediaType: wasmLayerMediaType,
        digest: `sha256:${bundle.release.sha256}`,
        size: componentA.byteLength,
        annotations: { 'org.opencontainers.image.title': 'layout-probe.wasm' },
      },
    ]);
    // witkit's parts travel as annotations.
    expect(JSON.parse(manifest.annotations[releaseAnnotation]!)).toEqual(bundle.release);
    expect(manifest.annotations[pluginManifestAnnotation]).toBe(bundle.manifest);
    expect(JSON.parse(manifest.annotations[signatureAnnotation]!)).toEqual(bundle.signature);
    expect(manifest.annotations['org.opencontainers.image.version']).toBe('0.3.0');
    const config = (await (
      await fetch(`http://${registry.address}/v2/witkit/layout-probe/blobs/${manifest.config.digest}`)
    ).json()) as Record<string, unknown>;
    expect(config).toEqual({
      created: bundle.release.publishedAt,
      architecture: 'wasm',
      os: 'wasip2',
      layerDigests: manifest.layers.map((l) => l.digest),
      component: {
        exports: ['witkit-test:store/run@0.1.0'],
        imports: ['witkit-test:store/logging@0.1.0'],
        target: bundle.release.world,
      },
    });
  });

  it('treats pushing the same release again as a no-op and refuses other bytes under the same version', async () => {
    const bundle = bundleOf(componentA, 'again', '1.0.0');
    const first = await store.push(bundle);
    const second = await store.push(bundle);
    expect(second).toEqual({ ...first, created: false });
    const error = await storeError(store.put(bundleOf(componentB, 'again', '1.0.0')));
    expect(error.code).toBe('WITKIT_RELEASE_EXISTS');
    expect(error.message).toContain(`plugin \`again\` (oci://${registry.address}/witkit/again:1.0.0)`);
    expectSameBundle(await store.get('again', '1.0.0'), bundle);
  });

  it('lists versions from the tags, skipping tags that are no version', async () => {
    for (const version of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
      await store.put(bundleOf(componentA, 'tagged', version, { signed: false }));
    }
    // Someone else tags the same manifest `latest`.
    const manifest = await fetch(`http://${registry.address}/v2/witkit/tagged/manifests/1.1.0`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    }).then((r) => r.arrayBuffer());
    const tagged = await fetch(`http://${registry.address}/v2/witkit/tagged/manifests/latest`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(tagged.status).toBe(201);
    expect((await store.versions('tagged')).sort()).toEqual(['1.0.0', '1.1.0', '2.0.0-rc.1']);
    expect((await store.get('tagged', '2.0.0-rc.1')).release.version).toBe('2.0.0-rc.1');
    expect(await store.versions('never-pushed')).toEqual([]);
  });

  it('answers NOT_FOUND for a version that was never pushed', async () => {
    await store.put(bundleOf(componentA, 'sparse', '1.0.0'));
    const error = await storeError(store.get('sparse', '9.9.9'));
    expect(error.code).toBe('WITKIT_RELEASE_NOT_FOUND');
    expect(error.status).toBe(404);
    expect(error.message).toBe(
      `plugin \`sparse\` (oci://${registry.address}/witkit/sparse:9.9.9): the registry has no release 9.9.9`,
    );
    expect((await storeError(store.release('nothing-here', '1.0.0'))).code).toBe('WITKIT_RELEASE_NOT_FOUND');
  });

  it('refuses a component whose bytes were changed in the registry storage', async () => {
    const bundle = bundleOf(componentA, 'tampered', '1.0.0');
    await store.put(bundle);
    const file = registry.blobFile(`sha256:${bundle.release.sha256}`);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(file, bytes);
    const error = await storeError(store.get('tampered', '1.0.0'));
    expect(error.code).toBe('WITKIT_STORE_CORRUPT');
    expect(error.message).toContain(
      `blob sha256:${bundle.release.sha256} arrived as ${bytes.length} bytes hashing to sha256:`,
    );
  });

  it('refuses an artifact whose release record names other bytes than its component layer', async () => {
    const good = bundleOf(componentA, 'mismatched', '1.0.0');
    const lying: ReleaseBundle = { ...good, component: componentB };
    const artifact = await buildArtifact(lying);
    const client = new RegistryClient({ registry: registry.address, plainHttp: true });
    const ctx = { plugin: 'mismatched', reference: 'test' };
    for (const blob of [artifact.component, artifact.config]) {
      await client.pushBlob(ctx, 'witkit/mismatched', blob.digest, blob.bytes);
    }
    await client.putManifest(ctx, 'witkit/mismatched', '1.0.0', artifact.manifest);
    const error = await storeError(store.get('mismatched', '1.0.0'));
    expect(error.code).toBe('WITKIT_STORE_CORRUPT');
    expect(error.message).toContain(`is not the released one (sha256 ${good.release.sha256}`);
  });

  it('refuses a Wasm artifact that is not a witkit release, saying what it lacks', async () => {
    // What another Wasm OCI tool pushes: the config and the component, no release record.
    const artifact = await buildArtifact(bundleOf(componentA, 'foreign', '1.0.0'));
    const manifest = JSON.parse(new TextDecoder().decode(artifact.manifest)) as {
      annotations: Record<string, string>;
    };
    manifest.annotations = { 'org.opencontainers.image.title': 'foreign' };
    const client = new RegistryClient({ registry: registry.address, plainHttp: true });
    const ctx = { plugin: 'foreign', reference: 'test' };
    for (const blob of [artifact.component, artifact.config]) {
      await client.pushBlob(ctx, 'witkit/foreign', blob.digest, blob.bytes);
    }
    await client.putManifest(
      ctx,
      'witkit/foreign',
      '1.0.0',
      new TextEncoder().encode(JSON.stringify(manifest)),
    );
    const error = await storeError(store.get('foreign', '1.0.0'));
    expect(error.code).toBe('WITKIT_STORE_CORRUPT');
    expect(error.message).toBe(
      `plugin \`foreign\` (oci://${registry.address}/witkit/foreign:1.0.0): the manifest is not a witkit release: it has no ${releaseAnnotation} annotation`,
    );
  });

  it('reads only manifests with exactly one application/wasm layer', async () => {
    const artifact = await buildArtifact(bundleOf(componentA, 'shape', '1.0.0'));
    const manifest = JSON.parse(new TextDecoder().decode(artifact.manifest)) as {
      layers: { mediaType: string }[];
    };
    const ctx = { plugin: 'shape', reference: 'oci://r/shape:1.0.0' };
    const read = (m: unknown) => () => readArtifactLayout(new TextEncoder().encode(JSON.stringify(m)), ctx);
    expect(read(manifest)().release).toBe(JSON.stringify(bundleOf(componentA, 'shape', '1.0.0').release));
    const layer = manifest.layers[0]!;
    expect(read({ ...manifest, layers: [layer, layer] })).toThrow(
      'plugin `shape` (oci://r/shape:1.0.0): the manifest is not a witkit release: it has 2 layers, expected one (application/wasm)',
    );
    expect(read({ ...manifest, layers: [{ ...layer, mediaType: 'application/octet-stream' }] })).toThrow(
      'its layer is not application/wasm',
    );
  });

  it('parses oci:// references into the store options and the release', () => {
    expect(parseOciReference(`oci://${registry.address}/witkit/text-transformer:1.0.0-rc.1`)).toEqual({
      registry: registry.address,
      repository: 'witkit/text-transformer',
      namespace: 'witkit',
      name: 'text-transformer',
      tag: '1.0.0-rc.1',
      version: '1.0.0-rc.1',
    });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseOciReference(`localhost/x@${digest}`)).toEqual({
      registry: 'localhost',
      repository: 'x',
      namespace: '',
      name: 'x',
      digest,
    });
    expect(parseOciReference('oci://host:5000/a/b/c:latest')).toEqual({
      registry: 'host:5000',
      repository: 'a/b/c',
      namespace: 'a/b',
      name: 'c',
      tag: 'latest',
    });
    for (const bad of ['oci://host', 'oci://host/Upper:1.0.0', 'oci://ho st/x', 'oci://host/x@sha256:zz']) {
      expect(() => parseOciReference(bad), bad).toThrow(
        expect.objectContaining({ code: 'WITKIT_INVALID_REFERENCE' }),
      );
    }
  });
});

describe('OciStore against a registry with basic auth', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ basic: { publisher: 'correct horse' } });
  }, 60_000);
  afterAll(() => registry?.stop());

  it('pushes and pulls with the right password', async () => {
    const store = new OciStore({
      registry: registry.address,
      namespace: 'team',
      credentials: { username: 'publisher', password: 'correct horse' },
    });
    const bundle = bundleOf(componentA, 'private-plugin', '0.1.0');
    await store.put(bundle);
    expectSameBundle(await store.get('private-plugin', '0.1.0'), bundle);
    expect(await store.versions('private-plugin')).toEqual(['0.1.0']);
  });

  it('names the registry refusal for a wrong password or none', async () => {
    const wrong = new OciStore({
      registry: registry.address,
      namespace: 'team',
      credentials: { username: 'publisher', password: 'battery staple' },
    });
    const error = await storeError(wrong.put(bundleOf(componentA, 'private-plugin', '0.2.0')));
    expect(error.code).toBe('WITKIT_REGISTRY_AUTH');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(
      /^plugin `private-plugin` \(oci:\/\/127\.0\.0\.1:\d+\/team\/private-plugin:0\.2\.0\): the registry refused GET \/v2\/team\/private-plugin\/manifests\/0\.2\.0: 401 Unauthorized \(UNAUTHORIZED: authentication required\); check the username and password/,
    );
    const anonymous = new OciStore({ registry: registry.address, namespace: 'team' });
    const refused = await storeError(anonymous.versions('private-plugin'));
    expect(refused.code).toBe('WITKIT_REGISTRY_AUTH');
    expect(refused.message).toContain('401 Unauthorized (UNAUTHORIZED: authentication required)');
  });
});

describe('OciStore against a registry with token auth', () => {
  let tokens: TestTokenService;
  let registry: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenService({ ci: 's3cret' });
    registry = await startRegistry({ token: tokens });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it('gets a token from the realm the registry names, once per scope, and pushes and pulls with it', async () => {
    const store = new OciStore({
      registry: registry.address,
      namespace: 'witkit',
      credentials: { username: 'ci', password: 's3cret' },
    });
    const bundle = bundleOf(componentA, 'token-plugin', '2.0.0');
    await store.put(bundle);
    expectSameBundle(await store.get('token-plugin', '2.0.0'), bundle);
    expect(await store.versions('token-plugin')).toEqual(['2.0.0']);
    expect(tokens.issued.map((t) => [t.account, ...t.scopes])).toEqual([
      ['ci', 'repository:witkit/token-plugin:pull'],
      // The registry's challenge names the pull scope; the push asks for both.
      ['ci', 'repository:witkit/token-plugin:pull', 'repository:witkit/token-plugin:pull,push'],
    ]);
  });

  it('reports the token service refusing a wrong password', async () => {
    const store = new OciStore({
      registry: registry.address,
      namespace: 'witkit',
      credentials: { username: 'ci', password: 'guess' },
    });
    const error = await storeError(store.get('token-plugin', '2.0.0'));
    expect(error.code).toBe('WITKIT_REGISTRY_AUTH');
    expect(error.status).toBe(401);
    expect(error.message).toContain(
      `the registry's token service ${new URL(tokens.realm).origin}/token refused user \`ci\``,
    );
  });
});
