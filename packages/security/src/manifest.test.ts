import { describe, expect, it } from 'vitest';
import { isManifestError, type ManifestError } from './errors.js';
import { defaultLimits, parseManifest } from './manifest.js';

// The reference design's manifest, verbatim apart from our own additions.
const reference = `[plugin]
name = "image-processor"
version = "0.1.0"
entrypoint = "image-processor.wasm"

[permissions]
fs = [
  "read:/data/images",
  "read:/data/config",
  "write:/tmp/plugin-cache",
]
net = [
  "connect:api.example.com:443",
]
memory = "128MB"
cpu-time = "30s"
max-instances = 5

[permissions.deny]
fs = [
  "read:/etc",
  "write:/etc",
  "read:/root",
  "write:/root",
]
net = [
  "listen:*",
  "connect:127.0.0.1:*",
]
`;

function failure(source: string): ManifestError {
  try {
    parseManifest(source, 'plugins/x/plugin.toml');
  } catch (error) {
    if (isManifestError(error)) return error;
    throw error;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseManifest', () => {
  it('reads the reference design manifest', () => {
    const m = parseManifest(reference);
    expect(m.plugin).toEqual({
      name: 'image-processor',
      version: '0.1.0',
      entrypoint: 'image-processor.wasm',
    });
    expect(m.permissions.fs).toEqual([
      { access: 'read', path: '/data/images' },
      { access: 'read', path: '/data/config' },
      { access: 'write', path: '/tmp/plugin-cache' },
    ]);
    expect(m.permissions.net).toEqual([{ access: 'connect', host: 'api.example.com', port: 443 }]);
    expect(m.permissions.limits).toEqual({
      memoryBytes: 128 * 1024 * 1024,
      cpuTimeMs: 30_000,
      wallTimeMs: 60_000,
      maxInstances: 5,
    });
    expect(m.permissions.deny.net).toEqual([
      { access: 'listen', host: '*', port: '*' },
      { access: 'connect', host: '127.0.0.1', port: '*' },
    ]);
    expect(m.permissions.deny.fs).toHaveLength(4);
  });

  it('applies the default limits (64MB, 10s, 3 instances; 60s wall clock) and an entrypoint named after the plugin', () => {
    const m = parseManifest('[plugin]\nname = "tiny"\nversion = "1.0.0"\n');
    expect(m.permissions.limits).toEqual(defaultLimits);
    expect(defaultLimits).toEqual({
      memoryBytes: 64 * 1024 * 1024,
      cpuTimeMs: 10_000,
      wallTimeMs: 60_000,
      maxInstances: 3,
    });
    expect(
      parseManifest('[plugin]\nname = "t"\nversion = "1.0.0"\n[permissions]\nwall-time = "2m"\n').permissions
        .limits.wallTimeMs,
    ).toBe(120_000);
    expect(m.plugin.entrypoint).toBe('tiny.wasm');
    expect(m.permissions.fs).toEqual([]);
  });

  it('normalises paths and keeps config as ordered string pairs', () => {
    const m = parseManifest(
      '[plugin]\nname = "p"\nversion = "1.0.0"\n[permissions]\nfs = ["read://data/./a/../b/"]\n[config]\nmode = "title"\nretries = 3\nverbose = true\n',
    );
    expect(m.permissions.fs).toEqual([{ access: 'read', path: '/data/b' }]);
    expect(m.config).toEqual([
      ['mode', 'title'],
      ['retries', '3'],
      ['verbose', 'true'],
    ]);
  });

  it('names file, line and key for a bad value, and says what is allowed', () => {
    const error = failure(reference.replace('memory = "128MB"', 'memory = "lots"'));
    expect(error.code).toBe('WITKIT_MANIFEST_INVALID');
    expect(error.line).toBe(15);
    expect(error.key).toBe('permissions.memory');
    expect(error.message).toBe(
      'plugins/x/plugin.toml:15: `permissions.memory`: expected a size like `128MB`, got `lots`',
    );
  });

  it('points into arrays of grants', () => {
    const error = failure(reference.replace('"connect:api.example.com:443"', '"connect:api.example.com"'));
    expect(error.key).toBe('permissions.net[0]');
    expect(error.line).toBe(13);
    expect(error.message).toContain('expected `connect:host:port`');
    const deny = failure(reference.replace('"write:/root"', '"write:root"'));
    expect(deny.key).toBe('permissions.deny.fs[3]');
    expect(deny.line).toBe(24);
    expect(deny.message).toContain('path `root` must be absolute');
  });

  it('rejects unknown keys, listing the allowed ones', () => {
    const error = failure(reference.replace('max-instances = 5', 'max-instances = 5\nmax-threads = 2'));
    expect(error.key).toBe('permissions.max-threads');
    expect(error.line).toBe(18);
    expect(error.message).toContain(
      'unknown key; allowed here: `fs`, `net`, `env`, `memory`, `cpu-time`, `wall-time`, `max-instances`, `isolation`, `deny`',
    );
    expect(failure('[plugin]\nname = "p"\nversion = "1.0.0"\n[plugins]\n').key).toBe('plugins');
  });

  it('requires the plugin name and a semver version', () => {
    expect(failure('[plugin]\nversion = "1.0.0"\n').message).toBe(
      'plugins/x/plugin.toml:1: `plugin.name`: is required',
    );
    expect(failure('[plugin]\nname = "p"\nversion = "one"\n').message).toBe(
      'plugins/x/plugin.toml:3: `plugin.version`: must be a semver version like `1.2.3`',
    );
    expect(failure('[plugin]\nname = "Bad_Name"\nversion = "1.0.0"\n').key).toBe('plugin.name');
  });

  it('names the expected and the given type of a wrong-typed value, not "is required"', () => {
    const version = failure('[plugin]\nname = "p"\nversion = 1\n');
    expect(version.key).toBe('plugin.version');
    expect(version.message).toBe(
      'plugins/x/plugin.toml:3: `plugin.version`: expected a string, got integer `1`',
    );
    const memory = failure(reference.replace('memory = "128MB"', 'memory = true'));
    expect(memory.message).toBe(
      'plugins/x/plugin.toml:15: `permissions.memory`: expected a string, got boolean `true`',
    );
    expect(failure(reference.replace('max-instances = 5', 'max-instances = "5"')).message).toBe(
      'plugins/x/plugin.toml:17: `permissions.max-instances`: expected a number, got string `"5"`',
    );
    expect(failure(reference.replace('max-instances = 5', 'max-instances = 2.5')).message).toContain(
      'expected an integer, got float `2.5`',
    );
    expect(failure('[plugin]\nname = "p"\nversion = "1.0.0"\n[permissions]\nfs = "read:/x"\n').message).toBe(
      'plugins/x/plugin.toml:5: `permissions.fs`: expected an array, got string `"read:/x"`',
    );
    expect(failure('[plugin]\nname = "p"\nversion = 1979-05-27\n').message).toContain(
      'expected a string, got datetime',
    );
    expect(failure('plugin = 3\n').message).toBe(
      'plugins/x/plugin.toml:1: `plugin`: expected a table, got integer `3`',
    );
    expect(
      failure('[plugin]\nname = "p"\nversion = "1.0.0"\n[permissions]\nisolation = "thread"\n').message,
    ).toBe(
      'plugins/x/plugin.toml:5: `permissions.isolation`: expected `worker` or `in-thread`, got `thread`',
    );
    expect(failure('[plugin]\nname = "p"\nversion = "1.0.0"\n[config]\nx = [1]\n').message).toBe(
      'plugins/x/plugin.toml:5: `config.x`: expected a string, number or boolean, got array',
    );
  });

  it('reports TOML syntax errors with their line', () => {
    const error = failure('[plugin]\nname = "p"\nversion = \n');
    expect(error.code).toBe('WITKIT_MANIFEST_SYNTAX');
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/^plugins\/x\/plugin\.toml:3: not valid TOML: /);
  });

  it('checks limits, ports and wildcards', () => {
    expect(failure(reference.replace('max-instances = 5', 'max-instances = 0')).key).toBe(
      'permissions.max-instances',
    );
    expect(failure(reference.replace('cpu-time = "30s"', 'cpu-time = "30 parsecs"')).message).toContain(
      'expected a duration like `30s` or `500ms`',
    );
    expect(failure(reference.replace(':443', ':70000')).message).toContain('port 70000 is outside 1-65535');
    const m = parseManifest(reference.replace('api.example.com:443', '*.example.com:*'));
    expect(m.permissions.net[0]).toEqual({ access: 'connect', host: '*.example.com', port: '*' });
    expect(parseManifest(reference.replace('api.example.com', '[::1]')).permissions.net[0]?.host).toBe(
      '[::1]',
    );
  });
});
