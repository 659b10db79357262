import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { parse as parseToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { ManifestError } from './errors.js';
import { type FsGrant, type NetGrant, parseFsGrant, parseNetGrant } from './grants.js';
import { locateKey } from './locate.js';
import { describeWrongType, tomlTypeOf } from './toml-types.js';
import { parseDuration, parseSize } from './units.js';

export type { FsGrant, NetGrant } from './grants.js';

/** Resource limits of one plugin. */
export interface ResourceLimits {
  /** Cap on all linear memories of an instance together, in bytes. */
  readonly memoryBytes: number;
  /** CPU time budget of one call, in milliseconds. */
  readonly cpuTimeMs: number;
  /**
   * Wall-clock budget of one call in a worker, host-service waits included, in milliseconds:
   * bounds a call that keeps waiting on slow services, which `cpuTimeMs` does not count.
   */
  readonly wallTimeMs: number;
  /** Instances that may run at once. */
  readonly maxInstances: number;
}

/** The `[permissions]` table of `plugin.toml`, with `[permissions.deny]`. */
export interface PluginPermissions {
  readonly fs: readonly FsGrant[];
  readonly net: readonly NetGrant[];
  /** Environment variables the plugin may read: exact names, or prefixes ending in `*`. */
  readonly env: readonly string[];
  readonly limits: ResourceLimits;
  /** Rules that win over any grant. */
  readonly deny: { readonly fs: readonly FsGrant[]; readonly net: readonly NetGrant[] };
  /**
   * Where the plugin runs: `worker` (its own thread; CPU time enforced) or `in-thread`
   * (the host's thread: fastest, for trusted plugins that opt in). Absent when the manifest
   * does not say; the host then uses `worker`, the safe default.
   */
  readonly isolation?: 'worker' | 'in-thread';
}

/** A parsed and validated `plugin.toml`. */
export interface PluginManifest {
  /** The `[plugin]` table. */
  readonly plugin: {
    readonly name: string;
    readonly version: string;
    /** Component file, relative to the manifest. */
    readonly entrypoint: string;
    /** World the component targets, when the manifest says. */
    readonly world?: string;
    readonly description?: string;
  };
  readonly permissions: PluginPermissions;
  /** `[config]` table as ordered pairs, passed to the plugin's `initialize`. */
  readonly config: ReadonlyArray<readonly [string, string]>;
}

/** Limits applied when `plugin.toml` sets none (those of the reference design: 64MB, 10s, 3). */
export const defaultLimits: ResourceLimits = Object.freeze({
  memoryBytes: 64 * 1024 * 1024,
  cpuTimeMs: 10_000,
  wallTimeMs: 60_000,
  maxInstances: 3,
});

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

const grant = <T>(parse: (s: string) => T | string) =>
  z.string().transform((text, ctx): T => {
    const parsed = parse(text);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const unit = (parse: (s: string) => number | undefined, example: string, min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const value = parse(text);
    if (value === undefined || value < min || value > max) {
      ctx.addIssue({
        code: 'custom',
        message: `expected ${example}${value === undefined ? '' : ` between the limits`}, got \`${text}\``,
      });
      return z.NEVER;
    }
    return value;
  });

const schema = z
  .object({
    plugin: z
      .object({
        name: z.string().regex(kebab, 'must be kebab-case: lowercase letters, digits and single dashes'),
        version: z.string().refine((v) => semver.valid(v) !== null, 'must be a semver version like `1.2.3`'),
        entrypoint: z.string().min(1).optional(),
        world: z.string().min(1).optional(),
        description: z.string().optional(),
      })
      .strict(),
    permissions: z
      .object({
        fs: z.array(grant(parseFsGrant)).default([]),
        net: z.array(grant(parseNetGrant)).default([]),
        env: z
          .array(
            z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'must be a variable name, or a prefix ending in `*`'),
          )
          .default([]),
        memory: unit(parseSize, 'a size like `128MB`', 64 * 1024, 4 * 1024 ** 3).optional(),
        'cpu-time': unit(parseDuration, 'a duration like `30s` or `500ms`', 1, 24 * 3600 * 1000).optional(),
        'wall-time': unit(parseDuration, 'a duration like `60s` or `2m`', 1, 24 * 3600 * 1000).optional(),
        'max-instances': z.number().int('must be a whole number').min(1).max(1024).optional(),
        isolation: z.enum(['worker', 'in-thread']).optional(),
        deny: z
          .object({
            fs: z.array(grant(parseFsGrant)).default([]),
            net: z.array(grant(parseNetGrant)).default([]),
          })
          .strict()
          .default({ fs: [], net: [] }),
      })
      .strict()
      .optional(),
    config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  })
  .strict();

/**
 * Parses and validates the text of a `plugin.toml`. Absent limits take {@link defaultLimits}.
 *
 * @param source - the TOML text
 * @param file - the file name errors should name
 * @throws {ManifestError} `WITKIT_MANIFEST_SYNTAX` for TOML errors (with line), `WITKIT_MANIFEST_INVALID`
 *   naming the line, the key and what is allowed (unknown keys included)
 */
export function parseManifest(source: string, file = 'plugin.toml'): PluginManifest {
  let data: unknown;
  try {
    data = parseToml(source);
  } catch (cause) {
    const line = cause instanceof TomlError ? cause.line : undefined;
    const message =
      cause instanceof Error
        ? cause.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')
        : String(cause);
    throw new ManifestError('WITKIT_MANIFEST_SYNTAX', file, line, undefined, `not valid TOML: ${message}`, {
      cause,
    });
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let keyPath = path;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      keyPath = [...path, issue.keys[0]!];
      const allowed = allowedKeys(path);
      message = `unknown key${allowed ? `; allowed here: ${allowed.map((k) => `\`${k}\``).join(', ')}` : ''}`;
    } else if (issue.code === 'invalid_type') {
      // zod leaves `issue.input` out; the value is looked up in what the TOML parsed to.
      const value = valueAt(data, path);
      message = value === undefined ? 'is required' : describeWrongType(issue.expected, value);
    } else if (issue.code === 'invalid_value') {
      const value = valueAt(data, path);
      const allowed = issue.values.map((v) => `\`${String(v)}\``).join(' or ');
      message = `expected ${allowed}, got ${typeof value === 'string' ? `\`${value}\`` : tomlTypeOf(value)}`;
    } else if (issue.code === 'invalid_union' && path[0] === 'config') {
      message = `expected a string, number or boolean, got ${tomlTypeOf(valueAt(data, path))}`;
    }
    const key = keyPath.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
    throw new ManifestError('WITKIT_MANIFEST_INVALID', file, locateKey(source, keyPath), key, message, {
      cause: parsed.error,
    });
  }
  const { plugin, permissions, config } = parsed.data;
  return {
    plugin: {
      name: plugin.name,
      version: plugin.version,
      entrypoint: plugin.entrypoint ?? `${plugin.name}.wasm`,
      ...(plugin.world === undefined ? {} : { world: plugin.world }),
      ...(plugin.description === undefined ? {} : { description: plugin.description }),
    },
    permissions: {
      fs: permissions?.fs ?? [],
      net: permissions?.net ?? [],
      env: permissions?.env ?? [],
      limits: {
        memoryBytes: permissions?.memory ?? defaultLimits.memoryBytes,
        cpuTimeMs: permissions?.['cpu-time'] ?? defaultLimits.cpuTimeMs,
        wallTimeMs: permissions?.['wall-time'] ?? defaultLimits.wallTimeMs,
        maxInstances: permissions?.['max-instances'] ?? defaultLimits.maxInstances,
      },
      deny: permissions?.deny ?? { fs: [], net: [] },
      ...(permissions?.isolation === undefined ? {} : { isolation: permissions.isolation }),
    },
    config: Object.entries(config).map(([k, v]) => [k, String(v)] as const),
  };
}

function allowedKeys(path: readonly (string | number)[]): string[] | undefined {
  let shape: z.ZodType = schema;
  for (const p of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodObject)) return undefined;
    const next = (inner.shape as Record<string, z.ZodType>)[String(p)];
    if (!next) return undefined;
    shape = next;
  }
  const inner = unwrap(shape);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : undefined;
}

function unwrap(shape: z.ZodType): z.ZodType {
  let s = shape;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/**
 * Reads and parses a `plugin.toml` file.
 *
 * @throws {ManifestError} `WITKIT_MANIFEST_UNREADABLE` when the file cannot be read, else as {@link parseManifest}
 */
export async function readManifest(file: string): Promise<PluginManifest> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ManifestError(
      'WITKIT_MANIFEST_UNREADABLE',
      file,
      undefined,
      undefined,
      `cannot read the manifest: ${(cause as Error).message}`,
      { cause },
    );
  }
  return parseManifest(source, file);
}

/** The value at `path` in the parsed TOML, or `undefined` when a key on the way is absent. */
function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let at: unknown = data;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}
