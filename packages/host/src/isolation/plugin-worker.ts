// A worker thread that hosts one plugin instance. The host thread talks to it over a
// shared-memory channel (see channel.ts): it blocks here, in this thread only, while the
// guest runs or while a host service the guest called is answered on the host thread.
import { type MessagePort, workerData } from 'node:worker_threads';
import type { FsGrant } from '@witkit/security';
import { assembleCompiled, type CompiledParts } from '../component-cache.js';
import { classifyWithLimits } from '../faults.js';
import { proxyImports } from '../imports/bind-imports.js';
import type { ImportedInterface } from '../imports/import-plan.js';
import { createInstance, type PluginInstance, shutdownInstance } from '../instance.js';
import {
  exportCarriesHandles,
  HANDLE,
  type HandleMarker,
  HandleTable,
  isHandleMarker,
  mapHandles,
} from '../resources/handles.js';
import type { StdioRecord } from '../stdio.js';
import { Channel, type ChannelMemory, LIFECYCLE_SHUTDOWN, State } from './channel.js';
import { proxyHostServices } from './service-proxy.js';
import { HOST } from './worker-instance.js';

/** What the host gives a plugin worker at start. */
export interface PluginWorkerData {
  readonly plugin: string;
  readonly parts: CompiledParts;
  readonly environment: Readonly<Record<string, string>>;
  readonly config: ReadonlyArray<readonly [string, string]>;
  readonly fastPath: boolean;
  /** The application's imports the guest calls, answered on the host thread. */
  readonly imports: readonly ImportedInterface[];
  readonly filesystem?: { readonly grants: readonly FsGrant[]; readonly deny: readonly FsGrant[] };
  readonly channel: ChannelMemory;
  /** Where the guest's stdout and stderr lines go, in batches of {@link StdioRecord}s. */
  readonly stdio: MessagePort;
}

/** How a failed call is described to the host thread. */
export interface FailureReport {
  readonly kind: 'plugin-error' | 'trap' | 'host-failure';
  readonly code: string;
  readonly message: string;
  readonly payload?: unknown;
  readonly guestBacktrace?: readonly string[];
  /** The error the failure was classified from, as far as it crosses threads. */
  readonly cause?: { readonly name: string; readonly message: string };
}

/**
 * Longest the worker spins for the next call before it sleeps, in microseconds. Waking a
 * sleeping thread costs 15-40 us here; calls that follow each other closer than this are
 * picked up at once. The spin adapts: it halves each time no call came soon enough, down to
 * none for a plugin called now and then, and comes back when calls arrive in quick succession.
 */
const MAX_IDLE_SPIN_US = 50;

/** How long the guest spins for the answer of a host service before it sleeps, in us. */
const SERVICE_SPIN_US = 50;

/** Stdio records are posted to the host when this many are waiting, or at the end of a call. */
const STDIO_BATCH = 64;

/** …or when the oldest waiting record is this old (a long call that keeps printing), in ms. */
const STDIO_BATCH_MS = 50;

const data = workerData as PluginWorkerData;
const channel = new Channel(data.channel);

function report(
  kind: FailureReport['kind'],
  error: {
    code: string;
    message: string;
    payload?: unknown;
    guestBacktrace?: readonly string[];
    cause?: unknown;
  },
): FailureReport {
  const { cause } = error;
  return {
    kind,
    code: error.code,
    // The host rebuilds the PluginError, which adds the plugin prefix again.
    message: error.message.replace(/^plugin `[^`]*`: /, ''),
    ...('payload' in error ? { payload: error.payload } : {}),
    ...(error.guestBacktrace ? { guestBacktrace: error.guestBacktrace } : {}),
    ...(cause instanceof Error ? { cause: { name: cause.name, message: cause.message } } : {}),
  };
}

// The guest's output: batched here and posted on the stdio port, never a round trip per write.
// The channel's mark tells the host to take posted batches before it reads a call's outcome,
// so lines are logged in order and before the call returns.
let stdio: StdioRecord[] = [];
let oldestAt = 0;

function postStdio(): void {
  if (stdio.length === 0) return;
  data.stdio.postMessage(stdio);
  stdio = [];
  channel.markStdio();
}

function onStdio(record: StdioRecord): void {
  if (stdio.length === 0) oldestAt = performance.now();
  stdio.push(record);
  if (stdio.length >= STDIO_BATCH || performance.now() - oldestAt >= STDIO_BATCH_MS) postStdio();
}

/** Sends a call's outcome (or the ready report) after the guest's output of the call. */
function finish(instance: PluginInstance | undefined, state: number, value: unknown): void {
  instance?.flushStdio();
  postStdio();
  channel.send(state, [value]);
}

const call = (name: string, method: string, args: unknown[]): unknown => {
  channel.send(State.Service, [name, method, ...args]);
  let state = channel.spinWhile((s) => s === State.Service, SERVICE_SPIN_US);
  while (state === State.Service) {
    channel.sleepWhile(state);
    state = channel.state;
  }
  const [ok, value, isError, payload] = channel.read() as [boolean, unknown, boolean?, unknown?];
  // Back to "in a call": the host waits for the call's outcome next, and needs no wake-up.
  channel.set(State.Call);
  if (!ok) {
    if (!isError) throw value;
    // An error with a `payload` is a host import answering `err` (jco reads the payload).
    throw payload === undefined
      ? new Error(String(value))
      : Object.assign(new Error(String(value)), { payload });
  }
  return value;
};
const services = proxyHostServices(call);

const compiled = await assembleCompiled(data.parts);
let instance: PluginInstance;
try {
  instance = createInstance({
    plugin: data.plugin,
    compiled,
    hostServices: services,
    userImports: proxyImports(data.imports, call),
    environment: data.environment,
    config: data.config,
    fastPath: data.fastPath,
    ...(data.filesystem ? { filesystem: data.filesystem } : {}),
    // Refusals are reported to the host thread, where they are logged and audited.
    onViolation: (violation) => {
      try {
        call(HOST, 'violation', [violation]);
      } catch {
        // The request is refused either way.
      }
    },
    onStdio,
  });
} catch (error) {
  const e = error as { code?: string; message?: string };
  finish(undefined, State.Ready, {
    ok: false,
    code: e.code ?? 'WITKIT_LOAD_FAILED',
    message: String(e.message ?? error),
  });
  process.exit(0);
}
// Resources the guest exported stay here; the host names them by id.
const resources = new HandleTable();
const toHost = (value: unknown) =>
  mapHandles(value, (o) => {
    const r = instance.resourceOf(o);
    return r ? ({ [HANDLE]: resources.idOf(o), r: `${r.iface}#${r.cls}` } satisfies HandleMarker) : o;
  });
const fromHost = (value: unknown, drop: boolean) =>
  mapHandles(value, (o) => {
    if (!isHandleMarker(o)) return o;
    const object = drop ? resources.take(o[HANDLE]) : resources.get(o[HANDLE]);
    if (!object) throw new Error(`resource ${o[HANDLE]} of \`${o.r}\` is no longer held by this instance`);
    return object;
  });
/** An export that carries handles: markers in its arguments and resources in its result translated. */
const translated =
  (func: (...args: unknown[]) => unknown, drop: boolean) =>
  (...args: unknown[]) =>
    toHost(func(...(fromHost(args, drop) as unknown[])));
// Calls name their export by its index in this order, which the ready report gives the host.
const table = [...instance.functions].flatMap(([iface, fns]) =>
  [...fns].map(([fn, func]) => ({
    label: iface ? `${iface}.${fn}` : fn,
    func: exportCarriesHandles(compiled.shape, iface, fn) ? translated(func, fn.endsWith('#drop')) : func,
  })),
);
finish(instance, State.Ready, {
  ok: true,
  functions: [...instance.functions].map(([iface, fns]) => [iface, [...fns.keys()]]),
  lean: instance.lean,
});

let idleSpinUs = MAX_IDLE_SPIN_US;

/** Returns once the host has published a call: spinning first while calls come quickly. */
function awaitCall(): void {
  let state = channel.spinWhile((s) => s !== State.Call, idleSpinUs);
  if (state === State.Call) {
    idleSpinUs = MAX_IDLE_SPIN_US;
    return;
  }
  const sleptAt = performance.now();
  while (state !== State.Call) {
    channel.sleepWhile(state);
    state = channel.state;
  }
  // A call soon after the spin gave up: a longer spin would have caught it. After a quiet
  // spell, spin less, so an idle or rarely called plugin does not burn a core.
  idleSpinUs =
    performance.now() - sleptAt <= MAX_IDLE_SPIN_US ? MAX_IDLE_SPIN_US : idleSpinUs >= 2 ? idleSpinUs / 2 : 0;
}

for (;;) {
  awaitCall();
  const [index, ...args] = channel.read() as [number, ...unknown[]];
  if (index === LIFECYCLE_SHUTDOWN) {
    shutdownInstance(instance, () => {});
    finish(instance, State.Result, undefined);
    continue;
  }
  const { label, func } = table[index]!;
  let value: unknown;
  try {
    value = func(...args);
  } catch (error) {
    const failure = classifyWithLimits(data.plugin, label, error, {
      used: () => instance.memoryBytes(),
      limit: compiled.memoryLimitBytes,
    });
    finish(instance, State.Failure, report(failure.kind, failure.error));
    continue;
  }
  finish(instance, State.Result, value);
}
