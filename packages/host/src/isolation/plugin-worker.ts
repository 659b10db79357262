// A worker thread that hosts one plugin instance. The host thread talks to it over a
// shared-memory channel (see channel.ts): it blocks here, in this thread only, while the
// guest runs or while a host service the guest called is answered on the host thread.
import { workerData } from 'node:worker_threads';
import type { FsGrant } from '@witkit/security';
import { assembleCompiled, type CompiledParts } from '../component-cache.js';
import { classifyWithLimits } from '../faults.js';
import { createInstance, shutdownInstance } from '../instance.js';
import { Channel, type ChannelMemory, State } from './channel.js';
import { proxyHostServices } from './service-proxy.js';
import { HOST, LIFECYCLE } from './worker-instance.js';

/** What the host gives a plugin worker at start. */
export interface PluginWorkerData {
  readonly plugin: string;
  readonly parts: CompiledParts;
  readonly environment: Readonly<Record<string, string>>;
  readonly config: ReadonlyArray<readonly [string, string]>;
  readonly fastPath: boolean;
  readonly filesystem?: { readonly grants: readonly FsGrant[]; readonly deny: readonly FsGrant[] };
  readonly channel: ChannelMemory;
}

/** How a failed call is described to the host thread. */
export interface FailureReport {
  readonly kind: 'plugin-error' | 'trap' | 'host-failure';
  readonly code: string;
  readonly message: string;
  readonly payload?: unknown;
  readonly guestBacktrace?: readonly string[];
}

const data = workerData as PluginWorkerData;
const channel = new Channel(data.channel);

function report(
  kind: FailureReport['kind'],
  error: { code: string; message: string; payload?: unknown; guestBacktrace?: readonly string[] },
): FailureReport {
  return {
    kind,
    code: error.code,
    // The host rebuilds the PluginError, which adds the plugin prefix again.
    message: error.message.replace(/^plugin `[^`]*`: /, ''),
    ...('payload' in error ? { payload: error.payload } : {}),
    ...(error.guestBacktrace ? { guestBacktrace: error.guestBacktrace } : {}),
  };
}

const call = (name: string, method: string, args: unknown[]): unknown => {
  channel.send(State.Service, [name, method, args]);
  Atomics.wait(channel.words, 0, State.Service);
  const answer = channel.read() as
    | { ok: true; value: unknown }
    | { ok: false; thrown: unknown; isError: boolean };
  // Back to "in a call": the host waits for the call's outcome next.
  Atomics.store(channel.words, 0, State.Call);
  if (!answer.ok) throw answer.isError ? new Error(String(answer.thrown)) : answer.thrown;
  return answer.value;
};
const services = proxyHostServices(call);

const compiled = await assembleCompiled(data.parts);
let instance: ReturnType<typeof createInstance>;
try {
  instance = createInstance({
    plugin: data.plugin,
    compiled,
    hostServices: services,
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
  });
} catch (error) {
  const e = error as { code?: string; message?: string };
  channel.send(State.Ready, {
    ok: false,
    code: e.code ?? 'WITKIT_LOAD_FAILED',
    message: String(e.message ?? error),
  });
  process.exit(0);
}
channel.send(State.Ready, {
  ok: true,
  functions: [...instance.functions].map(([iface, fns]) => [iface, [...fns.keys()]]),
  lean: instance.lean,
});

// Between calls the worker sleeps on the state word. (Spinning here first was measured: on a
// 2-core machine the spinning worker competes with the host thread and calls got slower.)
for (;;) {
  const state = channel.state;
  if (state !== State.Call) {
    Atomics.wait(channel.words, 0, state);
    continue;
  }
  const [iface, fn, args] = channel.read() as [string, string, unknown[]];
  if (iface === LIFECYCLE) {
    shutdownInstance(instance.raw, () => {});
    channel.send(State.Result, undefined);
    continue;
  }
  const label = iface ? `${iface}.${fn}` : fn;
  const func = instance.functions.get(iface)?.get(fn);
  if (!func) {
    channel.send(State.Failure, {
      kind: 'host-failure',
      code: 'WITKIT_EXECUTION_FAILED',
      message: `the plugin has no export \`${label}\``,
    });
    continue;
  }
  let value: unknown;
  try {
    value = func(...args);
  } catch (error) {
    const failure = classifyWithLimits(data.plugin, label, error, {
      used: () => instance.memoryBytes(),
      limit: compiled.memoryLimitBytes,
    });
    channel.send(State.Failure, report(failure.kind, failure.error));
    continue;
  }
  channel.send(State.Result, value);
}
