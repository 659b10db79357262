// After `pnpm install` (bootstrap.sh runs it), the README's `witkit ...` commands work from the
// repository root as `pnpm exec witkit ...`: the root has @witkit/cli as a dev dependency.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const cliVersion = (
  JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string }
).version;

describe('witkit at the repository root', () => {
  it('`pnpm exec witkit --version` prints the CLI version', async () => {
    const { stdout } = await run('pnpm', ['exec', 'witkit', '--version'], { cwd: root });
    expect(stdout.trim()).toBe(cliVersion);
  });

  it('`pnpm exec witkit --help` lists the commands the README uses', async () => {
    const { stdout } = await run('pnpm', ['exec', 'witkit', '--help'], { cwd: root });
    for (const command of ['build', 'doctor', 'new', 'publish', 'deploy', 'status'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });
});
