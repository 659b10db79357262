// What a worker plugin's channel costs everything else. Worker isolation spins briefly on
// both sides of a call (the host for the answer, the worker for the next call) instead of
// sleeping, because waking a thread costs tens of microseconds. Spinning burns a core, so
// this suite drives one worker plugin (A) idle, every millisecond, and flat out, and
// measures meanwhile: a plugin in the host's thread, a CPU-bound task on the host thread,
// and a CPU-bound plugin in another worker (B) competing for the machine's cores. It also
// notes the CPU time the threads used, and what A's own calls cost at each rate.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { PluginHost } from '@witkit/host';
import { pino } from 'pino';
import type { BenchResult } from '../lib/measure.ts';

const wasm = join(
  dirname(createRequire(import.meta.url).resolve('@witkit-plugins/bench-kernels/package.json')),
  'dist',
  'bench-kernels.wasm',
);
const TEXT = 'hello, component model';
const BIG = 'x'.repeat(64 * 1024);

type Kernels = { add(a: number, b: number): Promise<number>; reverse(s: string): Promise<string> };
type Load = 'idle' | 'every 1 ms' | '10 every 1 ms' | 'flat out';
const loads: readonly Load[] = ['idle', 'every 1 ms', '10 every 1 ms', 'flat out'];
const burst: Record<Load, number> = { idle: 0, 'every 1 ms': 1, '10 every 1 ms': 10, 'flat out': 100 };

function quantiles(values: number[]): { medianNs: number; p99Ns: number; samples: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { medianNs: at(0.5), p99Ns: at(0.99), samples: sorted.length };
}

/**
 * Calls A at the given rate until stopped: one call or a burst of ten every millisecond (the
 * same load whatever a call costs), or as fast as it answers, yielding every 100 calls.
 */
function drive(load: Load, a: Kernels) {
  let running = load !== 'idle';
  const latencies: number[] = [];
  const done = (async () => {
    while (running) {
      for (let i = 0; i < burst[load]; i++) {
        const started = process.hrtime.bigint();
        await a.add(1, 2);
        latencies.push(Number(process.hrtime.bigint() - started));
      }
      if (load === 'flat out') await yieldToLoop();
      else await new Promise((resolve) => setTimeout(resolve, 1));
    }
  })();
  return {
    latencies,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** Runs `measure` and reports the CPU the host thread and all threads used meanwhile, in % of one core. */
async function withCpu<T>(
  measure: () => Promise<T>,
): Promise<{ result: T; seconds: number; hostCpu: number; allCpu: number }> {
  const wall = process.hrtime.bigint();
  const host = process.threadCpuUsage();
  const all = process.cpuUsage();
  const result = await measure();
  const us = Number(process.hrtime.bigint() - wall) / 1000;
  const hostUsed = process.threadCpuUsage(host);
  const allUsed = process.cpuUsage(all);
  const pct = (u: { user: number; system: number }) => Math.round(((u.user + u.system) / us) * 100);
  return { result, seconds: us / 1e6, hostCpu: pct(hostUsed), allCpu: pct(allUsed) };
}

/** An in-thread `reverse`, 100 calls per sample, yielding between samples so A's driver runs. */
async function inThreadCalls(plugin: Kernels) {
  const perCall: number[] = [];
  for (let s = 0; s < 300; s++) {
    await yieldToLoop();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) await plugin.reverse(TEXT);
    perCall.push(Number(process.hrtime.bigint() - started) / 100);
  }
  return quantiles(perCall);
}

/**
 * A CPU-bound task on the host thread: sha256 of 16 KiB, yielding every 10 hashes. Each
 * sample is the wall time per hash over 100 ms, so time the host spends on A's calls counts.
 */
async function hostTask() {
  const data = new Uint8Array(16 * 1024).fill(7);
  const perHash: number[] = [];
  for (let s = 0; s < 10; s++) {
    const started = process.hrtime.bigint();
    let hashes = 0;
    while (Number(process.hrtime.bigint() - started) < 100e6) {
      for (let i = 0; i < 10; i++) createHash('sha256').update(data).digest();
      hashes += 10;
      await yieldToLoop();
    }
    perHash.push(Number(process.hrtime.bigint() - started) / hashes);
  }
  return quantiles(perHash);
}

/** B, a worker plugin doing CPU-bound work: `reverse` of a 64 KiB string, one call per sample. */
async function otherWorker(b: Kernels) {
  const perCall: number[] = [];
  for (let s = 0; s < 200; s++) {
    await yieldToLoop();
    const started = process.hrtime.bigint();
    await b.reverse(BIG);
    perCall.push(Number(process.hrtime.bigint() - started));
  }
  return quantiles(perCall);
}

export async function workerSpinSuite(): Promise<BenchResult[]> {
  const host = new PluginHost({
    cacheDir: join(import.meta.dirname, '..', '.cache', 'transpiled'),
    dataDir: join(import.meta.dirname, '..', '.cache', 'data'),
    logger: pino({ level: 'silent' }),
  });
  const inThread = (await host.load({ path: wasm, version: '1.0.0', isolation: 'in-thread' }))
    .exports as unknown as Kernels;
  const a = (await host.load({ path: wasm, version: '2.0.0-a', isolation: 'worker' }))
    .exports as unknown as Kernels;
  const b = (await host.load({ path: wasm, version: '3.0.0-b', isolation: 'worker' }))
    .exports as unknown as Kernels;
  if ((await b.reverse('ab')) !== 'ba' || (await a.add(1, 2)) !== 3)
    throw new Error('kernels answer wrongly');

  const victims = {
    'in-thread plugin: reverse': () => inThreadCalls(inThread),
    'host thread: sha256 of 16 KiB': hostTask,
    'worker plugin B: reverse of 64 KiB': () => otherWorker(b),
  };
  const results: BenchResult[] = [];
  const aCalls = new Map<Load, number[]>();
  for (const [victim, measure] of Object.entries(victims)) {
    // Warm-up, so the first case does not pay for compilation.
    await measure();
    let baseline: BenchResult | undefined;
    for (const load of loads) {
      const driver = drive(load, a);
      const { result, seconds, hostCpu, allCpu } = await withCpu(measure);
      await driver.stop();
      aCalls.set(load, [...(aCalls.get(load) ?? []), ...driver.latencies]);
      const row: BenchResult = {
        name: `${victim}; worker plugin A ${load}`,
        ...result,
        ratio: baseline ? result.medianNs / baseline.medianNs : 1,
        baseline: baseline?.name ?? `${victim}; worker plugin A idle`,
        notes: {
          'A calls per second': Math.round(driver.latencies.length / seconds),
          'host thread CPU %': hostCpu,
          'all threads CPU %': allCpu,
        },
      };
      baseline ??= row;
      results.push(row);
    }
  }
  // What A's own calls cost at each rate: sporadic calls find its worker asleep.
  const first = quantiles(aCalls.get('every 1 ms')!);
  for (const load of ['every 1 ms', '10 every 1 ms', 'flat out'] as const) {
    const q = quantiles(aCalls.get(load)!);
    results.push({
      name: `worker plugin A: add, called ${load}`,
      ...q,
      ratio: q.medianNs / first.medianNs,
      baseline: 'worker plugin A: add, called every 1 ms',
    });
  }
  await host.shutdown();
  return results.map((r) => ({ ...r, medianNs: Math.round(r.medianNs), p99Ns: Math.round(r.p99Ns) }));
}
