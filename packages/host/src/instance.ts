import { cli as wasiCli } from '@bytecodealliance/preview2-shim';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { createFilesystemSandbox, type FsGrant, type FsViolation } from '@witkit/security';
import type { CompiledComponent } from './component-cache.js';
import { PluginError } from './errors.js';
import { classifyCallError } from './faults.js';
import { METHOD, STATIC } from './resources/export-proxies.js';
import { StdioCapture, type StdioRecord } from './stdio.js';

/** jco's export object of one instance: interfaces by id and by short name, each an object of functions. */
export type RawExports = Record<string, unknown>;

/** A callable export function. */
export type ExportFn = (...args: unknown[]) => unknown;

/** One live instance of a plugin. */
export interface PluginInstance {
  /** jco's exports (used for the plugin's lifecycle calls). */
  readonly raw: RawExports;
  /**
   * The functions calls go to, by jco's interface key (`''` for functions of the world) and
   * function name: the lean path where there is one, jco's glue otherwise.
   */
  readonly functions: ReadonlyMap<string, ReadonlyMap<string, ExportFn>>;
  /** Exports served by the lean path, as `fn` (world functions) or `iface.fn`. */
  readonly lean: readonly string[];
  /** For a resource object this instance's exports made: its interface key and class name. */
  resourceOf(value: unknown): { readonly iface: string; readonly cls: string } | undefined;
  /** Bytes its linear memories take now. */
  memoryBytes(): number;
  /** Releases what the instance holds outside wasm (its preopened directories). */
  dispose(): void;
  /** Ends a call for stdio: emits a partial last line and restarts the per-call output cap. */
  flushStdio(): void;
}

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
  /** jco's import object entries for the application's own imports (see `imports/bind-imports.ts`). */
  readonly userImports?: Record<string, unknown>;
  /** Environment the WASI layer shows the plugin (its own, isolated). */
  readonly environment: Readonly<Record<string, string>>;
  /** Passed to `initialize`. */
  readonly config: ReadonlyArray<readonly [string, string]>;
  /** Whether calls may take the lean path. @default true */
  readonly fastPath?: boolean;
  /** Filesystem grants and deny rules of the manifest; without grants the plugin sees no files. */
  readonly filesystem?: { readonly grants: readonly FsGrant[]; readonly deny: readonly FsGrant[] };
  /** Receives every filesystem request the sandbox refused. */
  readonly onViolation?: (violation: FsViolation) => void;
  /**
   * Receives what the guest writes to stdout and stderr, line by line (see `stdio.ts` for the
   * caps). @default the output is dropped; it never reaches the host process's own streams
   */
  readonly onStdio?: (record: StdioRecord) => void;
}

/**
 * `wasi:cli/exit` for guests. The shim's ends the host process; this ends the guest's call,
 * which fails (`WITKIT_EXECUTION_FAILED`) and discards the instance.
 */
const guestExit = {
  exit(status: { tag: 'ok' | 'err' }): never {
    throw new Error(`the plugin called exit (${status.tag === 'ok' ? 'success' : 'failure'})`);
  },
  exitWithCode(code: number): never {
    throw new Error(`the plugin called exit with code ${code}`);
  },
};

let provided: Set<string> | undefined;

/**
 * Checks that the host provides every import of the component, before anything runs: WASI
 * (without raw network access), the host services, and the `application` import keys the
 * application implements.
 *
 * @throws {PluginError} `WITKIT_UNKNOWN_IMPORT` naming the missing interfaces
 */
export function checkImports(
  spec: Pick<InstanceSpec, 'plugin' | 'compiled'>,
  application: readonly string[] = [],
): void {
  // The shim also implements wasi:sockets and wasi:http; plugins do not get them: their only
  // way to the network is the host's http-client, where the manifest's `net` grants apply.
  provided ??= new Set([
    ...Object.keys(new WASIShim().getImportObject()).filter((i) => !isRawNetworkImport(i)),
    hostServicesImport,
  ]);
  const known = new Set([...provided, ...application]);
  const network = spec.compiled.imports.filter(isRawNetworkImport);
  if (network.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      spec.plugin,
      `the component imports ${network.map((i) => `\`${i}\``).join(', ')}: plugins get no raw sockets or wasi:http; use the http-client of \`witkit:host-api\`, where the manifest's \`net\` grants apply`,
    );
  }
  const unknown = spec.compiled.imports.filter((i) => !known.has(i));
  if (unknown.length > 0) {
    throw new PluginError(
      'WITKIT_UNKNOWN_IMPORT',
      spec.plugin,
      `the component imports ${unknown.map((i) => `\`${i}\``).join(', ')}, which this host does not provide`,
    );
  }
}

/** Whether `id` is a WASI interface that would give a plugin the network directly. */
export function isRawNetworkImport(id: string): boolean {
  return id.startsWith('wasi:sockets/') || id.startsWith('wasi:http/');
}

/**
 * Instantiates the component in a WASI sandbox of its own (no preopens, no network, only the
 * given environment, stdout and stderr captured) with the host services, and runs its
 * `initialize`.
 *
 * @throws {PluginError} `WITKIT_LOAD_FAILED` when instantiation fails, `WITKIT_INIT_FAILED` when `initialize` does
 */
export function createInstance(spec: InstanceSpec): PluginInstance {
  const stdio = new StdioCapture(spec.onStdio ?? (() => {}));
  const wasi = new WASIShim({
    cli: { ...wasiCli, ...stdio.interfaces, exit: guestExit },
    sandbox: { preopens: {}, env: { ...spec.environment }, args: [spec.plugin], enableNetwork: false },
  });
  // Files only through the sandbox: preopens for the manifest's grants, enforced per request.
  const fs = spec.filesystem?.grants.length
    ? createFilesystemSandbox({
        plugin: spec.plugin,
        grants: spec.filesystem.grants,
        deny: spec.filesystem.deny,
        ...(spec.onViolation ? { onViolation: spec.onViolation } : {}),
      })
    : undefined;
  let raw: RawExports;
  let fast: ReadonlyMap<string, ReadonlyMap<string, ExportFn>>;
  let memoryBytes: () => number;
  try {
    ({
      exports: raw,
      fast,
      memoryBytes,
    } = spec.compiled.instantiate({
      ...wasi.getImportObject(),
      ...fs?.importObject(),
      ...spec.userImports,
      [hostServicesImport]: spec.hostServices,
    }));
  } catch (cause) {
    fs?.dispose();
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
    stdio.flush();
    fs?.dispose();
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
  stdio.flush();
  return {
    raw,
    memoryBytes,
    dispose: () => fs?.dispose(),
    flushStdio: () => stdio.flush(),
    ...callableFunctions(raw, spec.fastPath === false ? new Map() : fast),
  };
}

/** Whether `value` is a class (jco exports each resource as one), not a plain function. */
function isClass(value: unknown): value is new (...args: unknown[]) => object {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/**
 * The operations of an exported resource class, as functions like any other export: the
 * constructor (`Cls.new`), statics (`Cls.name`), methods (`Cls#name`, the resource first) and
 * the drop (`Cls#drop`).
 */
function resourceOps(cls: string, ctor: new (...args: unknown[]) => object): Array<[string, ExportFn]> {
  const ops: Array<[string, ExportFn]> = [[`${cls}${STATIC}new`, (...args) => new ctor(...args)]];
  for (const name of Object.getOwnPropertyNames(ctor)) {
    const member = (ctor as unknown as Record<string, unknown>)[name];
    if (name === 'prototype' || typeof member !== 'function') continue;
    ops.push([`${cls}${STATIC}${name}`, (...args) => (member as ExportFn).apply(ctor, args)]);
  }
  for (const name of Object.getOwnPropertyNames(ctor.prototype)) {
    if (name === 'constructor') continue;
    ops.push([
      `${cls}${METHOD}${name}`,
      (self, ...args) => (self as Record<string, ExportFn>)[name]!(...args),
    ]);
  }
  ops.push([
    `${cls}${METHOD}drop`,
    (self) => (self as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.(),
  ]);
  return ops;
}

function callableFunctions(
  raw: RawExports,
  fast: ReadonlyMap<string, ReadonlyMap<string, ExportFn>>,
): Pick<PluginInstance, 'functions' | 'lean' | 'resourceOf'> {
  const functions = new Map<string, Map<string, ExportFn>>([['', new Map()]]);
  const lean = new Set<string>();
  const classes = new Map<unknown, { iface: string; cls: string }>();
  const pick = (key: string, fn: string, glue: ExportFn): ExportFn => {
    const leanFn = fast.get(key)?.get(fn);
    // jco exposes each interface under its id and its short name; report the short one.
    if (leanFn && !key.includes(':')) lean.add(key ? `${key}.${fn}` : fn);
    return leanFn ?? glue;
  };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'function') {
      functions.get('')!.set(key, pick('', key, value as ExportFn));
    } else if (typeof value === 'object' && value !== null) {
      const fns = new Map<string, ExportFn>();
      for (const [fn, member] of Object.entries(value)) {
        if (isClass(member)) {
          // The short key comes first in jco's exports: results are handed out under it.
          if (!classes.has(member)) classes.set(member, { iface: key, cls: fn });
          for (const [op, call] of resourceOps(fn, member)) fns.set(op, call);
        } else if (typeof member === 'function') fns.set(fn, pick(key, fn, member as ExportFn));
      }
      functions.set(key, fns);
    }
  }
  return {
    functions,
    lean: [...lean],
    resourceOf: (value) =>
      typeof value === 'object' && value !== null ? classes.get(value.constructor) : undefined,
  };
}

/** Runs the plugin's `shutdown` if its world has one; failures are reported, not thrown. */
export function shutdownInstance(instance: PluginInstance, onError: (error: unknown) => void): void {
  try {
    lifecycleOf(instance.raw)?.shutdown?.();
  } catch (error) {
    onError(error);
  } finally {
    instance.flushStdio();
  }
}
