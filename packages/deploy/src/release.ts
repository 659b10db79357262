import type { TransferOptions } from './store/progress.js';

/**
 * A published version of a plugin: what is needed to trust and place its component. The
 * component itself is stored by content (its sha256); this record travels with it.
 */
export interface Release {
  /** Plugin name. */
  readonly name: string;
  /** Semver version. */
  readonly version: string;
  /** Hex sha256 of the component; verified every time its bytes are loaded. */
  readonly sha256: string;
  /** Size of the component in bytes. */
  readonly size: number;
  /** Oldest host version the release runs on (semver). */
  readonly minHostVersion: string;
  /** Full id of the world the component targets, e.g. `witkit:plugin-system/processor-plugin@0.1.0`. */
  readonly world: string;
  /** Versions of the WIT packages the component imports and exports, by package name. */
  readonly packages: Readonly<Record<string, string>>;
  /** When it was published (ISO 8601). */
  readonly publishedAt: string;
}

/** An ed25519 signature over a release's canonical form (see `releaseSigningPayload`). */
export interface ReleaseSignature {
  /** Always `ed25519`. */
  readonly algorithm: 'ed25519';
  /** Id of the key: hex sha256 of its raw 32-byte public key, first 16 hex digits. */
  readonly keyId: string;
  /** Base64 signature. */
  readonly signature: string;
}

/** Everything a store keeps for one release. */
export interface ReleaseBundle {
  readonly release: Release;
  /** The component's bytes. */
  readonly component: Uint8Array;
  /** The `plugin.toml` text, when the plugin has one. */
  readonly manifest?: string;
  /** Present when the release was signed. */
  readonly signature?: ReleaseSignature;
}

/**
 * Where releases live: a local content-addressed folder or an OCI registry. Implementations
 * verify the component's sha256 against `release.sha256` on `get` and never return partial data.
 */
export interface ReleaseStore {
  /**
   * Stores a release; storing the same name and version again with other bytes is an error.
   * Resolves to what the store reports (a digest, whether it was new).
   */
  put(bundle: ReleaseBundle, options?: TransferOptions): Promise<unknown>;
  /** One release with its component, manifest and signature. */
  get(name: string, version: string, options?: TransferOptions): Promise<ReleaseBundle>;
  /** The release record alone, without fetching the component. */
  release(name: string, version: string): Promise<Release>;
  /** Every stored version of a plugin, in no particular order; empty when there is none. */
  versions(name: string): Promise<string[]>;
}
