// Kills a process that publishes and deploys (SIGKILL, at random points) and checks that the
// release store and the rollout state stay consistent each time: every release record has its
// whole component, nothing partial is served, and the state names only stored releases.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStore, RolloutStateFile } from '@witkit/deploy';
import { tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { wordStats } from './fixtures.js';

const tmp = tempDir('witkit-deploy-crash-');
afterAll(() => tmp.cleanup());
const child = fileURLToPath(new URL('./deploy-crash-child.ts', import.meta.url));

/** Runs the child until it has printed `lines` progress lines plus a random delay, then SIGKILLs it. */
function runAndKill(root: string, lines: number, extraMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, root, wordStats(1).component, wordStats(1).manifest], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen: string[] = [];
    let stderr = '';
    let armed = false;
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      seen.push(...chunk.split('\n').filter(Boolean));
      if (!armed && seen.length >= lines) {
        armed = true;
        setTimeout(() => proc.kill('SIGKILL'), extraMs);
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    proc.on('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? resolve(seen)
        : reject(new Error(`child exited (${code}) before the kill: ${stderr}`)),
    );
  });
}

describe('a process killed while it publishes and deploys', () => {
  it('leaves the store and the rollout state consistent, at every kill point', {
    timeout: 180_000,
  }, async () => {
    const root = tmp.dir;
    const store = new LocalStore(join(root, 'store'));
    const state = new RolloutStateFile(join(root, 'deploy', 'rollouts.json'));
    let published = 0;
    for (let round = 0; round < 8; round++) {
      // Kill points spread over publishing (blob and record writes) and deploying (state
      // writes, staging, loading), by waiting for a random number of progress lines.
      const seen = await runAndKill(root, 1 + (round % 4), Math.floor(Math.random() * 120));
      expect(seen.length).toBeGreaterThan(0);
      const versions = await store.versions('word-stats');
      expect(versions.length).toBeGreaterThanOrEqual(published);
      published = versions.length;
      // Every release the store lists comes back whole, its bytes matching its checksum.
      for (const v of versions) {
        const bundle = await store.get('word-stats', v);
        expect(bundle.component.byteLength).toBe(bundle.release.size);
      }
      // The state parses and names only releases that exist with the same checksum.
      const rollout = state.read().plugins['word-stats'];
      for (const placed of [rollout?.stable, rollout?.candidate]) {
        if (!placed) continue;
        expect(versions).toContain(placed.version);
        expect((await store.release('word-stats', placed.version)).sha256).toBe(placed.sha256);
      }
      // Staged components are whole: a torn file never keeps the name a load uses.
      const staged = join(root, 'deploy', 'components');
      if (existsSync(staged)) {
        for (const f of readdirSync(staged).filter((f) => f.endsWith('.wasm'))) {
          const sha = f.replace('.wasm', '');
          expect(
            createHash('sha256')
              .update(readFileSync(join(staged, f)))
              .digest('hex'),
          ).toBe(sha);
        }
      }
    }
    expect(published).toBeGreaterThan(3);
  });
});
