import { readFile } from 'node:fs/promises';
import { findWorld, findWorldByExports, type WorldInfo } from '@witkit/wit-types';
import { asyncComponentReasons } from './async-components.js';
import { type CompiledComponent, type ComponentCache, sha256Hex } from './component-cache.js';
import { PluginError } from './errors.js';
import type { WorldBinding } from './world-binding.js';

/**
 * Reads a component file and compiles it through `cache`.
 *
 * @param expectedSha256 - when given, bytes with another hash are refused before anything else
 * @throws {PluginError} `WITKIT_PLUGIN_NOT_FOUND` for a missing file, `WITKIT_LOAD_FAILED` for
 *   an unreadable one or bytes that are not a loadable component, `WITKIT_CHECKSUM_MISMATCH`,
 *   `WITKIT_ASYNC_UNSUPPORTED` for a WASIp3 (async) component
 */
export async function compileComponentFile(
  cache: ComponentCache,
  name: string,
  path: string,
  memoryLimitBytes?: number,
  expectedSha256?: string,
): Promise<{ compiled: CompiledComponent; wasInMemory: boolean }> {
  const bytes = await readFile(path).catch((cause: NodeJS.ErrnoException) => {
    throw cause.code === 'ENOENT'
      ? new PluginError('WITKIT_PLUGIN_NOT_FOUND', name, `no component at \`${path}\``, { cause })
      : new PluginError('WITKIT_LOAD_FAILED', name, `cannot read \`${path}\`: ${cause.message}`, { cause });
  });
  const sha256 = sha256Hex(bytes);
  if (expectedSha256 !== undefined && sha256 !== expectedSha256.toLowerCase()) {
    throw new PluginError(
      'WITKIT_CHECKSUM_MISMATCH',
      name,
      `\`${path}\` has sha256 ${sha256}, but its release says ${expectedSha256}: the file was changed or damaged after publishing; republish it or restore the released bytes`,
    );
  }
  const async = asyncComponentReasons(bytes);
  if (async.length > 0) {
    throw new PluginError(
      'WITKIT_ASYNC_UNSUPPORTED',
      name,
      `\`${path}\` is an async (WASIp3) component, which witkit does not run: ${async.join('; ')}; build it for WASIp2 with synchronous exports (no \`async\` functions, streams or futures, no \`wasi:*@0.3\` interfaces)`,
    );
  }
  const wasInMemory = cache.has(sha256, memoryLimitBytes);
  try {
    return { compiled: await cache.get(bytes, sha256, memoryLimitBytes), wasInMemory };
  } catch (cause) {
    if (cause instanceof RangeError && memoryLimitBytes !== undefined) {
      throw new PluginError(
        'WITKIT_MEMORY_LIMIT_EXCEEDED',
        name,
        `cannot start within its memory limit: ${cause.message}`,
        { cause },
      );
    }
    throw new PluginError(
      'WITKIT_LOAD_FAILED',
      name,
      `\`${path}\` is not a loadable component: ${oneLine(cause instanceof Error ? cause.message : String(cause))}`,
      { cause },
    );
  }
}

/**
 * The world a component is served as: `wanted` when given (it must implement it: a world of the
 * contracts by name, or a binding of the application's own WIT), else the contracts world
 * whose exports it has exactly, else a `custom` world (it loads, with untyped exports and no
 * contract features such as events).
 *
 * @throws {PluginError} `WITKIT_LOAD_FAILED` for an unknown world or a missing export
 */
export function worldOfComponent(
  name: string,
  compiled: CompiledComponent,
  wanted: string | WorldBinding | undefined,
): WorldInfo {
  if (wanted !== undefined) {
    const world: WorldInfo | undefined =
      typeof wanted === 'string'
        ? findWorld(wanted)
        : { name: wanted.name, id: wanted.id, imports: wanted.imports, exports: wanted.exports };
    if (!world) throw new PluginError('WITKIT_LOAD_FAILED', name, `unknown world \`${wanted}\``);
    const functions = typeof wanted === 'string' ? [] : wanted.exportFunctions.map(camelCase);
    const missing = [...world.exports, ...functions].filter((id) => !compiled.exports.includes(id));
    if (missing.length > 0) {
      throw new PluginError(
        'WITKIT_LOAD_FAILED',
        name,
        `the component does not implement world \`${world.id}\`: missing export ${missing.map((m) => `\`${m}\``).join(', ')}`,
      );
    }
    return world;
  }
  return (
    findWorldByExports(compiled.exports) ?? {
      name: 'custom',
      id: 'custom',
      imports: [...compiled.imports],
      exports: [...compiled.exports],
    }
  );
}

/**
 * jco's and wasm-tools' messages span lines (`…\n\nCaused by:\n    …`) and may end in a stack:
 * one line, the causes joined by `: `, without the stack.
 */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'Caused by:' && !/^at /.test(l) && !/^\d+:$/.test(l))
    .map((l) => l.replace(/^\d+:\s*/, ''))
    .join(': ');
}

/** jco's JS name of a WIT name: `get-note` -> `getNote`. */
export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
