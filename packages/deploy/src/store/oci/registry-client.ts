import { createHash } from 'node:crypto';
import { StoreError } from '../errors.js';
import { Authenticator, parseChallenge, type RegistryCredentials } from './auth.js';
import { describeAnswer, type RequestContext, registryError, unreachable } from './http-errors.js';

/** Media type of an OCI image manifest. */
export const ociManifestMediaType = 'application/vnd.oci.image.manifest.v1+json';

/** Where a registry is and how to log in to it. */
export interface RegistryClientOptions {
  /** Host and optional port. */
  readonly registry: string;
  /** Speak HTTP instead of HTTPS. */
  readonly plainHttp: boolean;
  readonly credentials?: RegistryCredentials;
}

/** A blob as a manifest lists it. */
export interface BlobDescriptor {
  readonly digest: string;
  readonly size: number;
}

interface RequestSpec {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** A path under the registry (`/v2/…`) or an absolute URL the registry gave. */
  readonly url: string;
  /** The token scope the request needs, e.g. `repository:witkit/x:pull`. */
  readonly scope: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
}

/** `sha256:<hex>` of `bytes`. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The token scope for pulling from (or pushing to) a repository. */
export function scopeOf(repository: string, push: boolean): string {
  return `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
}

/**
 * The few calls of the OCI distribution API the stores need, over Node's `fetch`, with basic
 * and bearer-token auth answered as the registry's `401` challenges ask.
 */
export class RegistryClient {
  private readonly base: string;
  private readonly auth: Authenticator;

  constructor(options: RegistryClientOptions) {
    this.base = `${options.plainHttp ? 'http' : 'https'}://${options.registry}`;
    this.auth = new Authenticator(options.credentials);
  }

  private async send(ctx: RequestContext, spec: RequestSpec): Promise<Response> {
    const url = new URL(spec.url, this.base).href;
    const attempt = async () => {
      const authorization = this.auth.header(spec.scope);
      try {
        return await fetch(url, {
          method: spec.method,
          headers: { ...spec.headers, ...(authorization ? { authorization } : {}) },
          // Node's fetch takes any Uint8Array; the DOM typings want one over a plain ArrayBuffer.
          ...(spec.body ? { body: spec.body as Uint8Array<ArrayBuffer> } : {}),
        });
      } catch (cause) {
        throw unreachable(ctx, url, cause);
      }
    };
    let response = await attempt();
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers.get('www-authenticate'));
      if (challenge && (await this.auth.answer(challenge, spec.scope, ctx))) {
        await response.body?.cancel();
        response = await attempt();
      }
    }
    if (response.status === 401 || response.status === 403) {
      throw new StoreError(
        'WITKIT_REGISTRY_AUTH',
        ctx.plugin,
        `the registry refused ${spec.method} ${new URL(url).pathname}: ${await describeAnswer(response)}; check the username and password and that the account may ${spec.scope.endsWith('push') ? 'push to' : 'pull from'} this repository`,
        { reference: ctx.reference, status: response.status },
      );
    }
    return response;
  }

  /** Whether the repository already holds a blob. */
  async hasBlob(ctx: RequestContext, repository: string, digest: string): Promise<boolean> {
    const response = await this.send(ctx, {
      method: 'HEAD',
      url: `/v2/${repository}/blobs/${digest}`,
      scope: scopeOf(repository, true),
    });
    if (response.status === 404) return false;
    if (response.ok) return true;
    throw await registryError(ctx, `checking blob ${digest}`, response);
  }

  /** Uploads a blob in one piece: `POST` to open an upload, `PUT` its bytes with their digest. */
  async pushBlob(ctx: RequestContext, repository: string, digest: string, bytes: Uint8Array): Promise<void> {
    const scope = scopeOf(repository, true);
    const opened = await this.send(ctx, { method: 'POST', url: `/v2/${repository}/blobs/uploads/`, scope });
    const location = opened.headers.get('location');
    if (opened.status !== 202 || !location)
      throw await registryError(ctx, `starting the upload of ${digest}`, opened);
    await opened.body?.cancel();
    const target = new URL(location, this.base);
    target.searchParams.set('digest', digest);
    const done = await this.send(ctx, {
      method: 'PUT',
      url: target.href,
      scope,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (done.status !== 201) throw await registryError(ctx, `uploading ${digest}`, done);
    await done.body?.cancel();
  }

  /**
   * Downloads a blob, hashing it as it arrives: more bytes than the manifest says, fewer, or
   * other bytes are refused, so nothing unverified is ever returned.
   *
   * @throws {StoreError} `WITKIT_STORE_CORRUPT` when the bytes do not match the descriptor
   */
  async pullBlob(
    ctx: RequestContext,
    repository: string,
    blob: BlobDescriptor,
    onBytes?: (bytes: number) => void,
  ): Promise<Buffer> {
    const response = await this.send(ctx, {
      method: 'GET',
      url: `/v2/${repository}/blobs/${blob.digest}`,
      scope: scopeOf(repository, false),
    });
    const corrupt = (message: string) =>
      new StoreError(
        'WITKIT_STORE_CORRUPT',
        ctx.plugin,
        `blob ${blob.digest} ${message}; publish the release again`,
        {
          reference: ctx.reference,
        },
      );
    if (response.status === 404) throw corrupt('is listed in the manifest but missing from the registry');
    if (!response.ok || !response.body)
      throw await registryError(ctx, `downloading ${blob.digest}`, response);
    const hash = createHash('sha256');
    const chunks: Uint8Array[] = [];
    let received = 0;
    onBytes?.(0);
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > blob.size) {
        await reader.cancel();
        throw corrupt(`is larger than the ${blob.size} bytes the manifest says`);
      }
      hash.update(value);
      chunks.push(value);
      onBytes?.(received);
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (received !== blob.size || actual !== blob.digest) {
      throw corrupt(
        `arrived as ${received} bytes hashing to ${actual}, not the ${blob.size} bytes the manifest names`,
      );
    }
    return Buffer.concat(chunks);
  }

  /** Stores a manifest under a tag; returns its digest. */
  async putManifest(
    ctx: RequestContext,
    repository: string,
    tag: string,
    manifest: Uint8Array,
  ): Promise<string> {
    const response = await this.send(ctx, {
      method: 'PUT',
      url: `/v2/${repository}/manifests/${tag}`,
      scope: scopeOf(repository, true),
      headers: { 'content-type': ociManifestMediaType },
      body: manifest,
    });
    if (response.status !== 201) throw await registryError(ctx, `storing the manifest as ${tag}`, response);
    await response.body?.cancel();
    const digest = digestOf(manifest);
    const stated = response.headers.get('docker-content-digest');
    if (stated && stated !== digest) {
      throw new StoreError(
        'WITKIT_REGISTRY_ERROR',
        ctx.plugin,
        `the registry stored the manifest as ${stated}, but it hashes to ${digest}`,
        { reference: ctx.reference },
      );
    }
    return digest;
  }

  /**
   * Fetches a manifest by tag or digest and checks its digest (against the digest asked for, or
   * the one the registry states); `undefined` when there is none.
   *
   * @throws {StoreError} `WITKIT_STORE_CORRUPT` when the manifest does not hash as it should
   */
  async getManifest(
    ctx: RequestContext,
    repository: string,
    reference: string,
  ): Promise<{ readonly bytes: Buffer; readonly digest: string } | undefined> {
    const response = await this.send(ctx, {
      method: 'GET',
      url: `/v2/${repository}/manifests/${reference}`,
      scope: scopeOf(repository, false),
      headers: { accept: ociManifestMediaType },
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await registryError(ctx, `fetching manifest ${reference}`, response);
    const bytes = Buffer.from(await response.arrayBuffer());
    const digest = digestOf(bytes);
    const expected = reference.startsWith('sha256:')
      ? reference
      : response.headers.get('docker-content-digest');
    if (expected && expected !== digest) {
      throw new StoreError(
        'WITKIT_STORE_CORRUPT',
        ctx.plugin,
        `the manifest hashes to ${digest}, not ${expected}; publish the release again`,
        { reference: ctx.reference },
      );
    }
    return { bytes, digest };
  }

  /** Every tag of a repository, following the registry's pages; empty when it does not exist. */
  async tags(ctx: RequestContext, repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url: string | undefined = `/v2/${repository}/tags/list`;
    while (url) {
      const response = await this.send(ctx, { method: 'GET', url, scope: scopeOf(repository, false) });
      if (response.status === 404) {
        await response.body?.cancel();
        return tags;
      }
      if (!response.ok) throw await registryError(ctx, 'listing tags', response);
      const body = (await response.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      url = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return tags;
  }
}
