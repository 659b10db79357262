// `witkit doctor` as a user outside the monorepo runs it (an npm-installed witkit: no pnpm
// needed, no ./bootstrap.sh advice) and as a contributor inside it (pnpm required), with a
// PATH that has no pnpm, and under a Node older than the engines allow when one is installed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findWitkitMonorepo, minimumNodeVersion, runDoctor, versionAtLeast } from '@witkit/cli';
import { tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const cliDir = dirname(require.resolve('@witkit/cli/package.json'));
const bin = join(cliDir, 'bin', 'witkit.js');
const repoRoot = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
const outside = tempDir('witkit-doctor-');
afterAll(() => outside.cleanup());

// Node itself and the system tools (rustc), but no pnpm.
const noPnpmPath = `${dirname(process.execPath)}:/usr/bin:/bin`;

/** Runs `witkit doctor` with `node` from `cwd`; resolves with the exit code and output. */
async function doctor(cwd: string, node = process.execPath) {
  try {
    const { stdout } = await run(node, [bin, 'doctor'], { cwd, env: { ...process.env, PATH: noPnpmPath } });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

// A Node below the engines range, when the machine has one (Debian's own nodejs is 20).
const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((n) => existsSync(n) && n !== process.execPath);

describe('witkit doctor', () => {
  it('outside the monorepo: needs no pnpm and passes on a working install', async () => {
    const { code, out } = await doctor(outside.dir);
    expect(out).not.toMatch(/^\S+\s+pnpm\s/m);
    expect(out).toMatch(/^ok\s+node\s+v\d+/m);
    expect(out).not.toContain('bootstrap');
    expect(code).toBe(0);
  });

  it('inside the monorepo: requires pnpm and says how to get it', async () => {
    const sub = join(repoRoot, 'packages', 'cli');
    const { code, out } = await doctor(sub);
    expect(out).toMatch(/^missing\s+pnpm\s+not on PATH/m);
    expect(out).toContain('fix: npm install -g pnpm@10, or ./bootstrap.sh');
    expect(code).toBe(1);
  });

  it.runIf(oldNode)('under an old Node, gives a fix that fits where it runs', async () => {
    const { stdout: v } = await run(oldNode!, ['--version']);
    if (versionAtLeast(v.trim(), minimumNodeVersion)) return;
    const out1 = await doctor(outside.dir, oldNode);
    expect(out1.code).toBe(1);
    expect(out1.out).toMatch(
      new RegExp(`^missing\\s+node\\s+${v.trim()} is older than ${minimumNodeVersion}`, 'm'),
    );
    expect(out1.out).toContain('fix: install Node 22.12 or newer: `npm install -g node@24`');
    expect(out1.out).not.toContain('bootstrap');
    const in1 = await doctor(repoRoot, oldNode);
    expect(in1.out).toContain('fix: ./bootstrap.sh');
  });

  it('knows the monorepo by its root, from any folder in it', () => {
    expect(findWitkitMonorepo(join(repoRoot, 'packages', 'host', 'src'))).toBe(repoRoot);
    expect(findWitkitMonorepo(outside.dir)).toBeUndefined();
    // A pnpm workspace of someone else is not the witkit monorepo.
    const other = join(outside.dir, 'their-workspace');
    mkdirSync(join(other, 'app'), { recursive: true });
    writeFileSync(join(other, 'pnpm-workspace.yaml'), 'packages: ["app"]\n');
    writeFileSync(join(other, 'package.json'), '{"name":"their-app"}');
    expect(findWitkitMonorepo(join(other, 'app'))).toBeUndefined();
  });

  it('accepts every Node from the engines minimum on, 23 and 25+ included', async () => {
    const engines = (
      JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe(`>=${minimumNodeVersion}`);
    for (const v of ['22.12.0', '23.0.0', '24.1.0', '25.0.0', '26.3.1'])
      expect(versionAtLeast(v, minimumNodeVersion)).toBe(true);
    for (const v of ['20.20.2', '22.11.0', '21.7.3'])
      expect(versionAtLeast(v, minimumNodeVersion)).toBe(false);
    const checks = await runDoctor({ cwd: outside.dir });
    expect(checks.map((c) => c.name)).not.toContain('pnpm');
    expect(checks.find((c) => c.name === 'starlingmonkey engine')?.required).toBe(false);
  });
});
