// The deployment commands of `witkit`: keygen, publish (to a folder and to a real OCI registry
// with basic auth), deploy with a canary, promote, rollback and status, against a running host.
import { join } from 'node:path';
import { runCli } from '@witkit/cli';
import { Deployer, LocalStore, OciStore, VersionManager } from '@witkit/deploy';
import { PluginHost } from '@witkit/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { startRegistry, type TestRegistry } from '@witkit-internal/test-support/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wordStats } from './fixtures.js';

const tmp = tempDir('witkit-deploy-cli-');
const releaseDir = (v: 1 | 2) => wordStats(v).dir;
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry({ basic: { ci: 'pa55word' } });
});
afterAll(async () => {
  await registry.stop();
  tmp.cleanup();
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('witkit publish / deploy / promote / rollback / status', () => {
  it('publishes signed releases to a folder and to an OCI registry, with progress', async () => {
    const keys = join(tmp.dir, 'keys');
    expect((await cli('keygen', '--out', keys)).out).toMatch(/^key [0-9a-f]{16}: /);
    const key = join(keys, 'witkit-signing.key');
    const local = join(tmp.dir, 'releases');
    const one = await cli('publish', releaseDir(1), '--store', local, '--sign', key);
    expect(one.code).toBe(0);
    expect(one.out).toMatch(/component\s+100%/);
    expect(one.out).toMatch(
      /published word-stats@1.0.0 \(component sha256:[0-9a-f]{64}, signed by key [0-9a-f]{16}\)/,
    );
    expect((await cli('publish', releaseDir(2), '--store', local, '--sign', key)).code).toBe(0);
    expect(await new LocalStore(local).versions('word-stats')).toEqual(
      expect.arrayContaining(['1.0.0', '2.0.0']),
    );

    const oci = `oci://${registry.address}/witkit`;
    const denied = await cli('publish', releaseDir(1), '--store', oci);
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/^error\[WITKIT_REGISTRY_AUTH\]/);
    process.env.WITKIT_REGISTRY_USERNAME = 'ci';
    process.env.WITKIT_REGISTRY_PASSWORD = 'pa55word';
    try {
      const pushed = await cli('publish', releaseDir(1), '--store', oci, '--sign', key);
      expect(pushed.code).toBe(0);
      expect(pushed.out).toContain(`as oci://${registry.address}/witkit/word-stats:1.0.0@sha256:`);
      const store = new OciStore({
        registry: registry.address,
        namespace: 'witkit',
        credentials: { username: 'ci', password: 'pa55word' },
      });
      const pulled = await store.get('word-stats', '1.0.0');
      expect(pulled.signature?.keyId).toMatch(/^[0-9a-f]{16}$/);
      expect(pulled.manifest).toContain('name = "word-stats"');
    } finally {
      delete process.env.WITKIT_REGISTRY_USERNAME;
      delete process.env.WITKIT_REGISTRY_PASSWORD;
    }

    const badStore = await cli('publish', releaseDir(1), '--store', 'oci://registry:5000/Not_Lower');
    expect(badStore.code).toBe(1);
    expect(badStore.err).toMatch(/^error\[WITKIT_INVALID_REFERENCE\]: .*repository path segment `Not_Lower`/);

    const missing = await cli('publish', join(tmp.dir, 'nowhere.wasm'), '--store', local);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error\[WITKIT_INVALID_RELEASE\]: plugin `nowhere.wasm`: no component at/);
  });

  it('drives a running host through a canary, promotion and rollback, and reports status', async () => {
    const store = join(tmp.dir, 'releases');
    const state = join(tmp.dir, 'deploy');
    const trust = join(tmp.dir, 'keys', 'witkit-signing.pub');
    const { logger } = captureLogger();
    const host = new PluginHost({ dataDir: join(tmp.dir, 'data'), cacheDir: join(tmp.dir, 'cache'), logger });
    const deployer = new Deployer({
      host,
      versions: new VersionManager({ store: new LocalStore(store) }),
      stateDir: state,
      tickMs: 50,
    });
    await deployer.start();
    try {
      const places = ['--store', store, '--state', state, '--trust', trust];
      const first = await cli('deploy', 'word-stats@^1', ...places, '--wait', '20');
      expect(first.out).toMatch(/word-stats: first deploy \(release 1.0.0/);
      expect(first.out).toMatch(/serving on \d+@.*: 1.0.0/);
      const canary = await cli(
        'deploy',
        'word-stats@^2',
        '--canary',
        '20',
        '--steps',
        '60',
        '--step-seconds',
        '3600',
        ...places,
        '--wait',
        '20',
      );
      expect(canary.code).toBe(0);
      expect(canary.out).toMatch(/serving on .*: 1.0.0 \+ canary 2.0.0 at 20%/);
      expect(host.list().map((p) => p.version)).toEqual(['1.0.0', '2.0.0']);

      const status = await cli('status', 'word-stats', ...places);
      expect(status.out).toMatch(/releases\s+2.0.0, 1.0.0/);
      expect(status.out).toMatch(/candidate\s+2.0.0 at 20% \(step 1 of 2/);
      const json = JSON.parse((await cli('status', '--json', ...places)).out) as Array<{
        stable: { version: string };
      }>;
      expect(json[0]?.stable.version).toBe('1.0.0');

      expect((await cli('promote', 'word-stats', ...places)).out).toBe(
        'word-stats: 2.0.0 is stable (was 1.0.0)',
      );
      await deployer.tick();
      expect(host.get('word-stats').version).toBe('2.0.0');
      expect((await cli('rollback', 'word-stats', ...places)).out).toMatch(/rolled back from 2.0.0 to 1.0.0/);
      await deployer.tick();
      expect(host.get('word-stats').version).toBe('1.0.0');
      const nothing = await cli('promote', 'word-stats', ...places);
      expect(nothing.code).toBe(1);
      expect(nothing.err).toBe(
        'error[WITKIT_ROLLOUT_CONFLICT]: plugin `word-stats`: has no canary candidate to promote',
      );
      const typo = await cli('deploy', 'word-stats@^2', '--canary', '10', '--max-p99-ratio', 'x2', ...places);
      expect(typo.code).toBe(1);
      expect(typo.err).toBe(
        'error[WITKIT_INVALID_CANARY_POLICY]: plugin `word-stats`: canary policy: `maxP99Ratio` is NaN; it must be a ratio, 1 or more',
      );
    } finally {
      deployer.stop();
      await host.shutdown({ deadlineMs: 1000 });
    }
  });
});
