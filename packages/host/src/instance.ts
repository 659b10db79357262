import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { CompiledComponent } from './component-cache.js';
import { PluginError } from './errors.js';
import { classifyCallError } from './faults.js';

/** jco's export object of one instance: interfaces by id and by short name, each an object of functions. */
export type RawExports = Record<string, unknown>;

/** The import id under which jco expects the host services. */
export const hostServicesImport = 'witkit:host-api/host-services';

type Lifecycle = {
  initialize?: (config: Array<[string, string]>) => void;
  shutdown?: () => void;
};

function lifecycleOf(exports: RawExports): Lifecycle | undefined {
  return (exports.basePlugin ?? exports.pluginApi) as Lifecycle | undefined;
}

/** What every instance of a plugin is created with. */
export interface InstanceSpec {
  readonly plugin: string;
  readonly compiled: CompiledComponent;
  /** The `witkit:host-api/host-services` import, bound to the plugin. */
  readonly hostServices: Record<string, unknown>;
  /** Environment the WASI layer shows the plugin (its own, isolated). */
  readonly environment: Readonly<Record<string, string>>;
  /** Passed to `initialize`. */
  readonly config: ReadonlyArray<readonly [string, string]>;
}

/**
 * Checks that the host provides every import of the component, before anything runs.
 *
 * @throws {PluginError} `WITKIT_UNKNOWN_IMPORT` naming the missing interfaces
 */
export function checkImports(spec: Pick<InstanceSpec, 'plugin' | 'compiled'>): void {
  const provided = new Set([...Object.keys(new WASIShim().getImportObject()), hostServicesImport]);
  const unknown = spec.compiled.imports.filter((i) => !provided.has(i));
  if (unknown.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      spec.plugin,
      `the component imports ${unknown.map((i) => `\`${i}\``).join(', ')}, which this host does not provide`,
    );
  }
}

/**
 * Instantiates the component in a WASI sandbox of its own (no preopens, no network, only the
 * given environment) with the host services, and runs its `initialize`.
 *
 * @throws {PluginError} `WITKIT_LOAD_FAILED` when instantiation fails, `WITKIT_INIT_FAILED` when `initialize` does
 */
export function createInstance(spec: InstanceSpec): RawExports {
  const wasi = new WASIShim({
    sandbox: { preopens: {}, env: { ...spec.environment }, args: [spec.plugin], enableNetwork: false },
  });
  let raw: RawExports;
  try {
    raw = spec.compiled.instantiate({ ...wasi.getImportObject(), [hostServicesImport]: spec.hostServices });
  } catch (cause) {
    throw new PluginError(
      'WITKIT_LOAD_FAILED',
      spec.plugin,
      `instantiation failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  try {
    lifecycleOf(raw)?.initialize?.(spec.config.map(([k, v]) => [k, v]));
  } catch (cause) {
    const failure = classifyCallError(spec.plugin, 'initialize', cause);
    throw new PluginError(
      'WITKIT_INIT_FAILED',
      spec.plugin,
      `initialize failed: ${failure.error.message.replace(/^plugin `[^`]*`: /, '')}`,
      {
        cause: failure.error,
      },
    );
  }
  return raw;
}

/** Runs the plugin's `shutdown` if its world has one; failures are reported, not thrown. */
export function shutdownInstance(raw: RawExports, onError: (error: unknown) => void): void {
  try {
    lifecycleOf(raw)?.shutdown?.();
  } catch (error) {
    onError(error);
  }
}
