/** A filesystem grant, as written in `plugin.toml`: `read:/data` or `write:/tmp/cache`. */
export interface FsGrant {
  readonly access: 'read' | 'write';
  /** Host path the grant covers, normalised and absolute. */
  readonly path: string;
}

/** A network grant: `connect:api.example.com:443` (wildcards allowed) or `listen:…`. */
export interface NetGrant {
  readonly access: 'connect' | 'listen';
  readonly host: string;
  /** Port number, or `*` for any. */
  readonly port: number | '*';
}

/** Resource limits of one plugin. */
export interface ResourceLimits {
  /** Cap on all linear memories of an instance together, in bytes. */
  readonly memoryBytes: number;
  /** CPU time budget of one call, in milliseconds. */
  readonly cpuTimeMs: number;
  /** Instances that may run at once. */
  readonly maxInstances: number;
}

/** The `[permissions]` table of `plugin.toml`, with `[permissions.deny]`. */
export interface PluginPermissions {
  readonly fs: readonly FsGrant[];
  readonly net: readonly NetGrant[];
  /** Environment variables the plugin may read. */
  readonly env: readonly string[];
  readonly limits: ResourceLimits;
  readonly deny: { readonly fs: readonly FsGrant[]; readonly net: readonly NetGrant[] };
}

/** A parsed `plugin.toml`. */
export interface PluginManifest {
  /** `[plugin]` table. */
  readonly plugin: { readonly name: string; readonly version: string; readonly entrypoint: string };
  readonly permissions: PluginPermissions;
  /** `[config]` table, passed to the plugin's `initialize`. */
  readonly config: ReadonlyArray<readonly [string, string]>;
}

/** Limits applied when `plugin.toml` sets none (those of the reference design: 64MB, 10s, 3). */
export const defaultLimits: ResourceLimits = Object.freeze({
  memoryBytes: 64 * 1024 * 1024,
  cpuTimeMs: 10_000,
  maxInstances: 3,
});
