// Deployment under load: steady calls at a fixed rate while word-stats is hot-swapped from
// 1.0.0 to 2.0.0 (published, picked up by the controller, loaded, switched, drained), then
// while a canary of the faulty 3.0.0 runs and is rolled back by its error-rate gate.
// Reports failed calls, latency during each phase against steady state, and the time from
// "new version published" to "first answer from it".
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRelease, Deployer, LocalStore, type RolloutDecision, VersionManager } from '@witkit/deploy';
import { isPluginError, PluginHost } from '@witkit/host';
import { pino } from 'pino';
import { type BenchResult, quantile } from '../lib/measure.ts';

const releases = fileURLToPath(new URL('../../apps/demo/releases/', import.meta.url));
const bundleOf = (v: number) =>
  createRelease({
    component: readFileSync(join(releases, `word-stats-${v}`, 'dist', `word-stats-${v}.wasm`)),
    manifest: readFileSync(join(releases, `word-stats-${v}`, 'plugin.toml'), 'utf8'),
  });

interface Sample {
  at: number;
  ns: number;
  version: string;
  failure?: 'host' | 'plugin';
}

function stats(samples: Sample[]) {
  const sorted = samples.map((s) => s.ns).sort((a, b) => a - b);
  if (sorted.length === 0) return { medianNs: 0, p99Ns: 0, samples: 0 };
  return { medianNs: quantile(sorted, 0.5), p99Ns: quantile(sorted, 0.99), samples: sorted.length };
}

/** The deployment suite. */
export async function deploySuite(): Promise<BenchResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'witkit-bench-deploy-'));
  const host = new PluginHost({
    dataDir: join(work, 'data'),
    cacheDir: join(work, 'cache'),
    logger: pino({ level: 'silent' }),
  });
  const store = new LocalStore(join(work, 'store'));
  const versions = new VersionManager({ store });
  const deployer = new Deployer({
    host,
    versions,
    stateDir: join(work, 'deploy'),
    tickMs: 50,
    drainMs: 5000,
  });
  const decisions: Array<RolloutDecision & { seenAt: number }> = [];
  host.events.subscribe(
    'deploy.decision',
    (e) => void decisions.push({ ...JSON.parse(e.payload), seenAt: performance.now() }),
  );
  await versions.publish(await bundleOf(1));
  await deployer.start();
  await deployer.deploy('word-stats', '^1');
  deployer.follow('word-stats', '^2');

  // Open-loop traffic: one call every millisecond whatever the previous ones are doing, with
  // keys, half of the texts with digits (the faulty 3.0.0 refuses those).
  const samples: Sample[] = [];
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const i = n++;
    const started = process.hrtime.bigint();
    const at = performance.now();
    let version = '?';
    const call = (async () => {
      try {
        const plugin = host.get('word-stats', { world: 'processor-plugin', key: `user-${i % 500}` });
        version = plugin.version;
        const res = await plugin.exports.dataProcessor.process({
          input: enc.encode(i % 2 ? `order ${i} shipped` : 'the quick brown fox'),
          contentType: 'text/plain',
          options: [],
        });
        version = (JSON.parse(dec.decode(res.output)) as { version: string }).version;
        samples.push({ at, ns: Number(process.hrtime.bigint() - started), version });
      } catch (error) {
        const failure = isPluginError(error) && error.code === 'WITKIT_PLUGIN_ERROR' ? 'plugin' : 'host';
        samples.push({ at, ns: Number(process.hrtime.bigint() - started), version, failure });
      }
    })();
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }, 1);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (done: () => boolean) => {
    while (!done()) await sleep(5);
  };

  await sleep(2000);
  const steadyEnd = performance.now();
  // Hot swap: publish 2.0.0; the controller follows `^2`, loads it, switches, drains 1.0.0.
  const published = performance.now();
  await versions.publish(await bundleOf(2));
  await until(() => samples.some((s) => s.version === '2.0.0'));
  const firstAnswer = samples.find((s) => s.version === '2.0.0')!.at;
  await until(() => host.list().length === 1);
  const swapEnd = performance.now() + 500;
  await sleep(500);

  // Canary of the faulty 3.0.0 at 10%, judged every 50 ms after 20 calls.
  await versions.publish(await bundleOf(3));
  const canaryStart = performance.now();
  await deployer.deploy('word-stats', '3.0.0', { canary: { steps: [10, 50], stepMs: 10_000, minCalls: 20 } });
  await until(() => decisions.some((d) => d.action === 'rollback'));
  const rolledBackAt = decisions.find((d) => d.action === 'rollback')!.seenAt;
  await sleep(500);
  const canaryEnd = performance.now();
  clearInterval(timer);
  await Promise.all(inFlight);
  deployer.stop();
  await host.shutdown();
  rmSync(work, { recursive: true, force: true });

  const steady = samples.filter((s) => s.at < steadyEnd && s.at > steadyEnd - 1500);
  const swap = samples.filter((s) => s.at >= published && s.at < swapEnd);
  const canary = samples.filter((s) => s.at >= canaryStart && s.at < canaryEnd);
  const base = stats(steady);
  const count = (list: Sample[], f: Sample['failure']) => list.filter((s) => s.failure === f).length;
  return [
    {
      name: 'steady traffic (1 call/ms, word-stats 1.0.0)',
      ...base,
      ratio: 1,
      baseline: 'steady',
      notes: { failedCalls: count(steady, 'host') + count(steady, 'plugin') },
    },
    {
      name: 'across a hot swap 1.0.0 -> 2.0.0',
      ...stats(swap),
      ratio: stats(swap).medianNs / base.medianNs,
      baseline: 'steady',
      notes: {
        failedCalls: count(swap, 'host') + count(swap, 'plugin'),
        p99VsSteady: Number((stats(swap).p99Ns / base.p99Ns).toFixed(2)),
        publishedToFirstAnswerMs: Math.round(firstAnswer - published),
      },
    },
    {
      name: 'across a canary of faulty 3.0.0 that rolls back',
      ...stats(canary),
      ratio: stats(canary).medianNs / base.medianNs,
      baseline: 'steady',
      notes: {
        failedCallsHost: count(canary, 'host'),
        candidateErrors: count(canary, 'plugin'),
        candidateCalls: canary.filter((s) => s.version === '3.0.0').length,
        p99VsSteady: Number((stats(canary).p99Ns / base.p99Ns).toFixed(2)),
        canaryToRollbackMs: Math.round(rolledBackAt - canaryStart),
      },
    },
  ];
}
