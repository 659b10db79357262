// The deployment part of the demo: publish three releases of word-stats with the `witkit`
// CLI (signed), deploy 1.0.0, serve steady keyed traffic, roll 2.0.0 out by canary until it
// is promoted, then let the canary of a faulty 3.0.0 trip its error-rate gate and roll back.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '@witkit/cli';
import { Deployer, LocalStore, type RolloutDecision, VersionManager } from '@witkit/deploy';
import type { PluginHost } from '@witkit/host';

const enc = new TextEncoder();
const dec = new TextDecoder();
const texts = ['the quick brown fox', 'order 42 shipped today', 'hello plugin world', 'ticket 7 closed'];

/** Runs the story against `host`, writing under `work`; returns whether it went as planned. */
export async function runDeployStory(
  host: PluginHost,
  work: string,
  releasesRoot: string,
  say: (line?: string) => void,
) {
  const store = join(work, 'releases');
  const stateDir = join(work, 'deploy');
  rmSync(store, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const cli = async (...argv: string[]) => {
    say(`  $ witkit ${argv.map((a) => a.replace(`${work}/`, '')).join(' ')}`);
    const code = await runCli(argv, { out: (l) => say(`    ${l}`), err: (l) => say(`    ${l}`) });
    if (code !== 0) throw new Error(`witkit ${argv[0]} exited with ${code}`);
  };

  say('\n== deploy: publish three signed releases of word-stats');
  rmSync(join(work, 'keys'), { recursive: true, force: true });
  await cli('keygen', '--out', join(work, 'keys'));
  for (const v of [1, 2, 3]) {
    await cli(
      'publish',
      join(releasesRoot, `word-stats-${v}`),
      '--store',
      store,
      '--sign',
      join(work, 'keys', 'witkit-signing.key'),
    );
  }

  const versions = new VersionManager({
    store: new LocalStore(store),
    trustedKeys: [readFileSync(join(work, 'keys', 'witkit-signing.pub'), 'utf8')],
    audit: (v) => host.reportViolation(v),
  });
  const deployer = new Deployer({ host, versions, stateDir, tickMs: 200, drainMs: 2000 });
  await deployer.start();
  const decisions: RolloutDecision[] = [];
  const unsubscribe = host.events.subscribe('deploy.decision', (e) => {
    const d = JSON.parse(e.payload) as RolloutDecision;
    decisions.push(d);
    say(`  [${d.by}] ${d.action} ${d.from === undefined ? '' : `${d.from} -> `}${d.to ?? ''}: ${d.reason}`);
  });

  await deployer.deploy('word-stats', '^1');
  say('  serving word-stats 1.0.0; steady traffic starts (keyed by user, 4 texts)');
  const answered = new Map<string, number>();
  const failed = new Map<string, number>();
  let running = true;
  let i = 0;
  const traffic = (async () => {
    while (running) {
      const key = `user-${i % 50}`;
      const plugin = host.get('word-stats', { world: 'processor-plugin', key });
      try {
        const res = await plugin.exports.dataProcessor.process({
          input: enc.encode(texts[i % texts.length]!),
          contentType: 'text/plain',
          options: [],
        });
        const { version } = JSON.parse(dec.decode(res.output)) as { version: string };
        answered.set(version, (answered.get(version) ?? 0) + 1);
      } catch {
        failed.set(plugin.version, (failed.get(plugin.version) ?? 0) + 1);
      }
      i++;
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const until = async (done: () => boolean, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return done();
  };

  say('\n== deploy: canary of 2.0.0 at 20%, then 50%, promoted while its gates hold');
  // The CLI records the rollout; this host's controller applies it, judges it and steps it up.
  // Each step lasts 2 s and until the candidate's p99 is over 200 warm calls (the default).
  await cli(
    'deploy',
    'word-stats@^2',
    '--canary',
    '20',
    '--steps',
    '50',
    '--step-seconds',
    '2',
    '--store',
    store,
    '--state',
    stateDir,
    '--wait',
    '10',
  );
  await until(
    () =>
      decisions.some(
        (d) =>
          (d.action === 'promote' && d.to === '2.0.0') || (d.action === 'rollback' && d.from === '2.0.0'),
      ),
    30_000,
  );
  const promoted = decisions.some((d) => d.action === 'promote' && d.to === '2.0.0');

  say('\n== deploy: canary of a faulty 3.0.0 (it fails on texts with digits) at 20%, through the API');
  await deployer.deploy('word-stats', '3.0.0', { canary: { steps: [20, 50], stepMs: 5000, minCalls: 30 } });
  const rolledBack = await until(
    () => decisions.some((d) => d.action === 'rollback' && d.from === '3.0.0'),
    15_000,
  );
  running = false;
  await traffic;
  unsubscribe();
  deployer.stop();

  await cli('status', 'word-stats', '--store', store, '--state', stateDir);
  const count = (m: Map<string, number>) => [...m].map(([v, n]) => `${v}: ${n}`).join(', ') || 'none';
  say(`  traffic: ${i} calls; answered by ${count(answered)}; failed by ${count(failed)}`);
  const ok = promoted && rolledBack && [...failed.keys()].every((v) => v === '3.0.0');
  say(
    `  ${ok ? 'as planned' : 'NOT as planned'}: 2.0.0 promoted ${promoted}, faulty 3.0.0 rolled back ${rolledBack}, failures only from the faulty canary ${[...failed.keys()].every((v) => v === '3.0.0')}`,
  );
  return ok;
}
