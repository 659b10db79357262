// Deployment end to end: real releases of the demo's word-stats plugin (1.0.0, 2.0.0 and a
// faulty 3.0.0, built by our pipeline) in a local store, deployed into a real PluginHost.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CompatibilityCheck,
  createRelease,
  Deployer,
  generateSigningKeys,
  isDeployError,
  LocalStore,
  planDeploy,
  type RolloutDecision,
  type RolloutState,
  RolloutStateFile,
  VersionManager,
} from '@witkit/deploy';
import { type PluginEvent, PluginHost } from '@witkit/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventLogger, textTransformer, textTransformerRs, wordStats } from './fixtures.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const tmp = tempDir('witkit-deploy-');
afterAll(() => tmp.cleanup());

const component = (v: 1 | 2 | 3) => readFileSync(wordStats(v).component);
const manifest = (v: 1 | 2 | 3, edit: (t: string) => string = (t) => t) =>
  edit(readFileSync(wordStats(v).manifest, 'utf8'));

let store: LocalStore;
const keys = generateSigningKeys();
beforeAll(async () => {
  store = new LocalStore(join(tmp.dir, 'store'));
  const versions = new VersionManager({ store });
  for (const v of [1, 2, 3] as const) {
    await versions.publish(
      await createRelease({ component: component(v), manifest: manifest(v), signingKey: keys.privateKeyPem }),
    );
  }
});

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

let stateCount = 0;
function setup(
  options: { stateDir?: string; trustedKeys?: string[]; checkCompatibility?: CompatibilityCheck } = {},
) {
  const { logger } = captureLogger();
  const dir = join(tmp.dir, `run-${stateCount++}`);
  const host = new PluginHost({ dataDir: join(dir, 'data'), cacheDir: join(tmp.dir, 'cache'), logger });
  const events: PluginEvent[] = [];
  host.events.subscribe('deploy.decision', (e) => void events.push(e));
  host.events.subscribe('security.violation', (e) => void events.push(e));
  const versions = new VersionManager({
    store,
    audit: (v) => host.reportViolation(v),
    ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
  });
  const stateDir = options.stateDir ?? join(dir, 'deploy');
  const deployer = new Deployer({
    host,
    versions,
    stateDir,
    tickMs: 60_000,
    drainMs: 2000,
    ...(options.checkCompatibility ? { checkCompatibility: options.checkCompatibility } : {}),
  });
  cleanups.push(async () => {
    deployer.stop();
    await host.shutdown({ deadlineMs: 2000 });
  });
  return { host, deployer, versions, events, stateDir };
}

async function stats(host: PluginHost, text: string, key?: string) {
  const plugin = host.get('word-stats', { world: 'processor-plugin', ...(key === undefined ? {} : { key }) });
  const res = await plugin.exports.dataProcessor.process({
    input: enc.encode(text),
    contentType: 'text/plain',
    options: [],
  });
  return JSON.parse(dec.decode(res.output)) as { version: string; words: number; lines?: number };
}

/** Calls the plugin back to back until stopped; counts answers per version and failures. */
function steadyTraffic(host: PluginHost, text = 'the quick brown fox') {
  const answered = new Map<string, number>();
  const failures: unknown[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const s = await stats(host, text);
        answered.set(s.version, (answered.get(s.version) ?? 0) + 1);
      } catch (error) {
        failures.push(error);
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    answered,
    failures,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('versions', () => {
  it('resolves semver ranges to the highest matching release, and says which exist when none matches', async () => {
    const { versions } = setup();
    expect((await versions.resolve('word-stats', '^1')).version).toBe('1.0.0');
    expect((await versions.resolve('word-stats', '>=1 <3')).version).toBe('2.0.0');
    expect((await versions.resolve('word-stats', '*')).version).toBe('3.0.0');
    expect((await versions.list('word-stats')).map((r) => r.version)).toEqual(['3.0.0', '2.0.0', '1.0.0']);
    await expect(versions.resolve('word-stats', '^4')).rejects.toThrow(
      'plugin `word-stats`: no release satisfies `^4` (there are: 3.0.0, 2.0.0, 1.0.0)',
    );
  });

  it('refuses a release that needs a newer host, naming both versions, and audits it', async () => {
    const { host, versions } = setup();
    const bundle = await createRelease({
      component: component(1),
      manifest: manifest(1),
      version: '1.0.1',
      minHostVersion: '99.0.0',
    });
    const error = await Promise.resolve()
      .then(() => versions.check(bundle))
      .catch((e: unknown) => e);
    expect(isDeployError(error) && error.code).toBe('WITKIT_HOST_TOO_OLD');
    expect((error as Error).message).toMatch(
      new RegExp(`needs host 99.0.0 or newer; this host is ${versions.hostVersion}`),
    );
    expect(host.audit.query({ plugin: 'word-stats', type: 'host-version-rejected' })).toHaveLength(1);
  });

  it('with trusted keys, refuses unsigned and foreign-signed releases and audits each attempt', async () => {
    const stranger = generateSigningKeys();
    const { host, versions, deployer } = setup({ trustedKeys: [keys.publicKeyPem] });
    const unsigned = await createRelease({
      component: component(1),
      manifest: manifest(1),
      version: '1.5.0',
    });
    const foreign = await createRelease({
      component: component(1),
      manifest: manifest(1),
      version: '1.6.0',
      signingKey: stranger.privateKeyPem,
    });
    expect(() => versions.check(unsigned)).toThrow(/is unsigned/);
    expect(() => versions.check(foreign)).toThrow(new RegExp(`signed by key ${stranger.keyId}`));
    expect(host.audit.query({ plugin: 'word-stats', type: 'signature-rejected' })).toHaveLength(2);
    // Signed by the trusted key: deploys.
    await deployer.deploy('word-stats', '1.0.0');
    expect((await stats(host, 'a b')).version).toBe('1.0.0');
  });
});

describe('hot swap', () => {
  it('switches 1.0.0 to 2.0.0 under steady traffic with zero failed calls, then retires 1.0.0', async () => {
    const { host, deployer } = setup();
    await deployer.deploy('word-stats', '^1');
    const traffic = steadyTraffic(host);
    await new Promise((r) => setTimeout(r, 100));
    const decision = await deployer.deploy('word-stats', '^2');
    await new Promise((r) => setTimeout(r, 100));
    await traffic.stop();
    expect(decision).toMatchObject({ action: 'deploy', from: '1.0.0', to: '2.0.0' });
    expect(traffic.failures).toEqual([]);
    expect(traffic.answered.get('1.0.0')).toBeGreaterThan(0);
    expect(traffic.answered.get('2.0.0')).toBeGreaterThan(0);
    expect(host.list().map((p) => p.version)).toEqual(['2.0.0']);
    expect(await stats(host, 'a\nb c')).toMatchObject({ version: '2.0.0', words: 3, lines: 2 });
  });

  it('follows a range: a newly published matching release is deployed on the next tick', async () => {
    const { host, deployer } = setup();
    await deployer.deploy('word-stats', '^1');
    deployer.follow('word-stats', '<3');
    await deployer.tick();
    expect((await stats(host, 'a')).version).toBe('2.0.0');
    expect(deployer.status()[0]?.history.at(-1)).toMatchObject({
      action: 'deploy',
      from: '1.0.0',
      to: '2.0.0',
      by: 'controller',
    });
  });

  it('never switches to a version that fails to load: the old one keeps serving, the refusal is recorded', async () => {
    const { host, deployer, versions, stateDir } = setup();
    await deployer.deploy('word-stats', '1.0.0');
    // A release whose manifest leaves it too little memory to even start.
    await versions.publish(
      await createRelease({
        component: component(2),
        manifest: manifest(2, (t) =>
          t.replace('version = "2.0.0"', 'version = "2.1.0-tight.1"').replace('"32MB"', '"1MB"'),
        ),
      }),
    );
    const error = await deployer.deploy('word-stats', '2.1.0-tight.1').catch((e: unknown) => e);
    expect(isDeployError(error) && error.code).toBe('WITKIT_DEPLOY_FAILED');
    expect((error as Error).message).toMatch(/memory limit/);
    expect((await stats(host, 'still here')).version).toBe('1.0.0');
    const rollout = deployer.status().find((s) => s.name === 'word-stats')!;
    expect(rollout.stable?.version).toBe('1.0.0');
    expect(rollout.history.at(-1)).toMatchObject({ action: 'refused', to: '2.1.0-tight.1' });
    const audit = readFileSync(join(stateDir, 'deploy-audit.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(audit.at(-1)!)).toMatchObject({ action: 'refused', to: '2.1.0-tight.1' });
  });

  it('refuses a release whose component does not fit its world, with the structural diff', async () => {
    const { host, deployer, versions } = setup();
    await deployer.deploy('word-stats', '1.0.0');
    // An event-handler component released as the processor plugin word-stats.
    await versions.publish(
      await createRelease({
        component: readFileSync(eventLogger),
        manifest: manifest(1, (t) => t.replace('version = "1.0.0"', 'version = "1.1.0-wrong.1"')),
      }),
    );
    const error = await deployer.deploy('word-stats', '1.1.0-wrong.1').catch((e: unknown) => e);
    expect(isDeployError(error) && error.code).toBe('WITKIT_DEPLOY_FAILED');
    expect((error as Error).message).toMatch(/data-processor@0\.1\.0.*(missing|removed)/s);
    expect((await stats(host, 'still one')).version).toBe('1.0.0');
  });

  it('refuses component bytes that differ from the release checksum and audits it', async () => {
    const { host } = setup();
    const path = join(tmp.dir, 'tampered.wasm');
    writeFileSync(path, component(2));
    const { release } = await createRelease({ component: component(1), manifest: manifest(1) });
    const error = await host
      .load({ path, name: 'word-stats', version: '1.0.0', sha256: release.sha256 })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('WITKIT_CHECKSUM_MISMATCH');
    expect(host.audit.query({ plugin: 'word-stats', type: 'checksum-mismatch' })).toHaveLength(1);
  });
});

describe('canary', () => {
  const canaryPolicy = {
    steps: [50],
    stepMs: 0,
    minCalls: 20,
    maxErrorRateIncrease: 0.05,
    maxP99Ratio: 50,
    warmupCalls: 0,
    minLatencyCalls: 40,
  };

  it('routes by a stable hash of the request key, and promotes when the gates hold', async () => {
    const { host, deployer, events } = setup();
    await deployer.deploy('word-stats', '^1');
    await deployer.deploy('word-stats', '^2', { canary: canaryPolicy });
    const seen = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const key = `user-${i % 40}`;
      const { version } = await stats(host, 'hello world', key);
      if (seen.has(key)) expect(version).toBe(seen.get(key));
      seen.set(key, version);
    }
    const onCandidate = [...seen.values()].filter((v) => v === '2.0.0').length;
    expect(onCandidate).toBeGreaterThan(5);
    expect(onCandidate).toBeLessThan(35);
    await deployer.tick();
    const rollout = deployer.status().find((s) => s.name === 'word-stats')!;
    expect(rollout.candidate).toBeUndefined();
    expect(rollout.stable?.version).toBe('2.0.0');
    const promote = rollout.history.at(-1)!;
    expect(promote).toMatchObject({ action: 'promote', from: '1.0.0', to: '2.0.0', by: 'controller' });
    expect(promote.reason).toMatch(/every step held/);
    expect(
      events.some((e) => e.type === 'deploy.decision' && JSON.parse(e.payload).action === 'promote'),
    ).toBe(true);
    expect((await stats(host, 'x', 'user-1')).version).toBe('2.0.0');
    await new Promise((r) => setTimeout(r, 50));
    expect(host.list().map((p) => p.version)).toEqual(['2.0.0']);
  });

  it('rolls a faulty candidate back automatically on its error rate, with the figures that drove it', async () => {
    const { host, deployer, stateDir } = setup();
    await deployer.deploy('word-stats', '^2');
    await deployer.deploy('word-stats', '3.0.0', { canary: { ...canaryPolicy, stepMs: 60_000 } });
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      await stats(host, `order ${i} shipped`, `user-${i}`).catch(() => failed++);
    }
    expect(failed).toBeGreaterThan(20);
    await deployer.tick();
    const rollout = deployer.status().find((s) => s.name === 'word-stats')!;
    expect(rollout.candidate).toBeUndefined();
    expect(rollout.stable?.version).toBe('2.0.0');
    const decision = rollout.history.at(-1) as RolloutDecision;
    expect(decision).toMatchObject({ action: 'rollback', from: '3.0.0', to: '2.0.0', by: 'controller' });
    expect(decision.reason).toMatch(/gate breached at 50%: error rate 100.0%/);
    expect(decision.figures?.candidate?.calls).toBe(failed);
    expect(decision.figures?.stable?.errors).toBe(0);
    const audit = readFileSync(join(stateDir, 'deploy-audit.jsonl'), 'utf8');
    expect(audit).toContain('"action":"rollback"');
    for (let i = 0; i < 50; i++) expect((await stats(host, `order ${i}`, `user-${i}`)).version).toBe('2.0.0');
  });

  it('rolls a candidate back on its p99 when it is slower in every call, with the figures', async () => {
    // One plugin built by both of our pipelines: Rust (stable) and QuickJS (the candidate,
    // same outputs, ~30x slower per call on a 67 KB text: 28 ms against 1 ms, far beyond the
    // 10 ms scheduling hiccups of a loaded machine). At 5% the stable version serves
    // enough calls for its p99's upper bound to sit well below its slowest calls, which are
    // scheduling noise on a loaded machine.
    const { host, deployer, versions } = setup();
    for (const [component, version] of [
      [textTransformerRs, '1.0.0'],
      [textTransformer, '2.0.0'],
    ] as const) {
      await versions.publish(
        await createRelease({ component: readFileSync(component), name: 'transformer', version }),
      );
    }
    await deployer.deploy('transformer', '1.0.0');
    const text = enc.encode('Lorem ipsum dolor sit amet. '.repeat(2400));
    const upper = 'LOREM IPSUM DOLOR SIT AMET. '.repeat(2400);
    const calls = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        const plugin = host.get('transformer', { world: 'processor-plugin', key: `k${i}` });
        const res = await plugin.exports.dataProcessor.process({
          input: text,
          contentType: 'text/plain',
          options: [['action', 'upper']],
        });
        expect(dec.decode(res.output)).toBe(upper);
      }
    };
    await calls(0, 50); // the stable version serves warm, as it would in production
    await deployer.deploy('transformer', '2.0.0', {
      canary: {
        ...canaryPolicy,
        steps: [5],
        stepMs: 60_000,
        maxP99Ratio: 1.5,
        warmupCalls: 5,
        minLatencyCalls: 100,
        minP99Ms: 0.05,
      },
    });
    await calls(50, 200);
    await deployer.tick(); // the candidate's warm-up is over
    await calls(250, 2200);
    await deployer.tick();
    const rollout = deployer.status().find((s) => s.name === 'transformer')!;
    expect(rollout.candidate).toBeUndefined();
    const decision = rollout.history.at(-1)!;
    expect(decision).toMatchObject({ action: 'rollback', from: '2.0.0', to: '1.0.0', by: 'controller' });
    expect(decision.reason).toMatch(
      /^gate breached at 5%: p99 [\d.]+ ms \(at least [\d.]+ ms\) over \d+ calls exceeds 1.5x stable p99/,
    );
    const { candidate, stable } = decision.figures!;
    expect(candidate!.errors + stable!.errors).toBe(0);
    expect(candidate!.latencyCalls).toBeGreaterThanOrEqual(100);
    expect(candidate!.p99RangeMs[0]).toBeGreaterThan(1.5 * stable!.p99RangeMs[1]);
  });

  it('leaves a new candidate its warm-up, and waits (saying why) until its p99 can be judged', async () => {
    const { host, deployer } = setup();
    await deployer.deploy('word-stats', '^1');
    await deployer.deploy('word-stats', '^2', {
      canary: { ...canaryPolicy, warmupCalls: 10, minLatencyCalls: 1000 },
    });
    const onCandidate = async (from: number) => {
      let n = 0;
      for (let i = from; i < from + 100; i++)
        if ((await stats(host, 'a b', `k${i}`)).version === '2.0.0') n++;
      return n;
    };
    const cold = await onCandidate(0);
    expect(cold).toBeGreaterThan(10);
    await deployer.tick();
    let candidate = deployer.status().find((s) => s.name === 'word-stats')!.candidate!;
    // The calls so far are its warm-up: its errors count, its latency does not.
    expect(candidate.figures?.candidate).toMatchObject({ calls: cold, errors: 0, latencyCalls: 0 });
    expect(candidate.verdict).toBe('0 of 1000 warm calls needed to judge p99');
    const warm = await onCandidate(100);
    await deployer.tick();
    candidate = deployer.status().find((s) => s.name === 'word-stats')!.candidate!;
    expect(candidate.figures?.candidate).toMatchObject({ calls: cold + warm, latencyCalls: warm });
    // The step's time is up (stepMs 0) but its latency gate has not been judged: no promotion.
    expect(candidate).toMatchObject({ version: '2.0.0', percent: 50 });
    expect(candidate.verdict).toBe(`${warm} of 1000 warm calls needed to judge p99`);
  });

  it('refuses a canary policy with a wrong field, naming it, and records nothing', async () => {
    const { deployer } = setup();
    await deployer.deploy('word-stats', '^1');
    const refused = async (canary: Record<string, unknown>) => {
      const error = await deployer.deploy('word-stats', '^2', { canary }).catch((e: unknown) => e);
      expect(isDeployError(error) && error.code).toBe('WITKIT_INVALID_CANARY_POLICY');
      return (error as Error).message;
    };
    expect(await refused({ maxP99Ratio: 0.5 })).toBe(
      'plugin `word-stats`: canary policy: `maxP99Ratio` is 0.5; it must be a ratio, 1 or more',
    );
    expect(await refused({ minLatencyCalls: Number.NaN })).toMatch(
      /`minLatencyCalls` is NaN; it must be a whole/,
    );
    expect(await refused({ steps: [50, 20] })).toMatch(
      /`steps` is \[50,20\]; it must be a non-empty list of rising/,
    );
    expect(await refused({ minCall: 5 })).toMatch(
      /`minCall` is 5; it must be left out: the policy's fields are steps, /,
    );
    const status = deployer.status().find((s) => s.name === 'word-stats')!;
    expect(status.candidate).toBeUndefined();
    expect(status.history.map((d) => d.action)).toEqual(['deploy']);
  });

  it('does not lose a change another process writes while this host is reconciling', async () => {
    // The CLI writes the state file while the host is in the middle of loading 2.0.0 (here:
    // from inside its compatibility check). The host must still apply the CLI's canary.
    let cliWrote = false;
    const { host, deployer, versions, stateDir } = setup({
      checkCompatibility: async ({ bundle }) => {
        if (bundle.release.version !== '2.0.0' || cliWrote) return;
        cliWrote = true;
        const cliState = new RolloutStateFile(join(stateDir, 'rollouts.json'));
        await planDeploy(cliState, versions, 'word-stats', '3.0.0', { canary: 20 });
      },
    });
    await deployer.deploy('word-stats', '^1');
    await deployer.deploy('word-stats', '2.0.0');
    expect(cliWrote).toBe(true);
    await deployer.tick();
    expect(host.list().map((p) => p.version)).toEqual(['2.0.0', '3.0.0']);
    expect(deployer.status()[0]?.candidate).toMatchObject({ version: '3.0.0', percent: 20 });
  });

  it('applies a change another process wrote while this host waited for the state lock', async () => {
    const { host, deployer, stateDir } = setup();
    await deployer.deploy('word-stats', '^1');
    await deployer.deploy('word-stats', '^2', { canary: { ...canaryPolicy, stepMs: 60_000 } });
    // Another process (the CLI) takes the lock (proper-lockfile's lock is this folder) ...
    const file = join(stateDir, 'rollouts.json');
    mkdirSync(`${file}.lock`);
    // ... while the controller judges the canary and waits for the lock to record its figures.
    const judging = deployer.tick();
    await new Promise((r) => setTimeout(r, 150));
    // The other process promotes 2.0.0 and lets go; the controller's figures no longer apply.
    const state = JSON.parse(readFileSync(file, 'utf8')) as RolloutState;
    const { candidate, ...rollout } = state.plugins['word-stats']!;
    const promoted = {
      ...rollout,
      stable: { version: '2.0.0', sha256: candidate!.sha256, since: candidate!.since },
    };
    writeFileSync(
      file,
      JSON.stringify({ generation: state.generation + 1, plugins: { 'word-stats': promoted } }),
    );
    rmSync(`${file}.lock`, { recursive: true });
    await judging;
    await deployer.tick();
    expect(host.list().map((p) => p.version)).toEqual(['2.0.0']);
  });

  it('persists the rollout: a restarted host resumes the stable version and the running canary', async () => {
    const first = setup();
    await first.deployer.deploy('word-stats', '^1');
    await first.deployer.deploy('word-stats', '^2', {
      canary: { ...canaryPolicy, steps: [30], stepMs: 60_000 },
    });
    await first.host.shutdown({ deadlineMs: 1000 });
    const second = setup({ stateDir: first.stateDir });
    await second.deployer.start();
    expect(second.host.list().map((p) => p.version)).toEqual(['1.0.0', '2.0.0']);
    const status = second.deployer.status().find((s) => s.name === 'word-stats')!;
    expect(status.candidate).toMatchObject({ version: '2.0.0', percent: 30 });
    const versions = new Set<string>();
    for (let i = 0; i < 100; i++) versions.add((await stats(second.host, 'a', `k${i}`)).version);
    expect([...versions].sort()).toEqual(['1.0.0', '2.0.0']);
    // An operator rollback drops the candidate.
    const rollback = await second.deployer.rollback('word-stats');
    expect(rollback).toMatchObject({ action: 'rollback', from: '2.0.0', to: '1.0.0', by: 'operator' });
    expect((await stats(second.host, 'a', 'k1')).version).toBe('1.0.0');
  });

  it('rolls back to any earlier release on request', async () => {
    const { host, deployer } = setup();
    await deployer.deploy('word-stats', '^1');
    await deployer.deploy('word-stats', '^2');
    expect(await deployer.rollback('word-stats')).toMatchObject({ from: '2.0.0', to: '1.0.0' });
    expect((await stats(host, 'a')).version).toBe('1.0.0');
    await deployer.rollback('word-stats', '2.0.0');
    expect((await stats(host, 'a')).version).toBe('2.0.0');
  });
});
