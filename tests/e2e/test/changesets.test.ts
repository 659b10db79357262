// The pending changesets become each package's CHANGELOG at `changeset version`, all in one
// release: they name real packages, and what they say the defaults are agrees with each other.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const dir = join(root, '.changeset');
const changesets = readdirSync(dir)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const [, front = '', body = ''] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text) ?? [];
    const packages = [...front.matchAll(/^["']([^"']+)["']:\s*(major|minor|patch)$/gm)].map((m) => m[1]!);
    return { file, packages, body: body.replace(/\s+/g, ' ') };
  });

describe('changesets', () => {
  it('each names publishable packages and says something', () => {
    const publishable = new Set(
      readdirSync(join(root, 'packages')).map(
        (d) =>
          (JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) as { name: string })
            .name,
      ),
    );
    for (const c of changesets) {
      expect(c.packages.length, c.file).toBeGreaterThan(0);
      for (const p of c.packages) expect(publishable.has(p), `${c.file}: ${p}`).toBe(true);
      expect(c.body.trim().length, c.file).toBeGreaterThan(20);
    }
  });

  it('agree on where plugins run by default: in a worker', () => {
    const claims = changesets.flatMap((c) =>
      [
        ...c.body.matchAll(/default(?:s to| is still| is)\s+`(worker|in-thread)`/g),
        ...c.body.matchAll(/`(worker|in-thread)`[^.]{0,40}\bthe default\b/g),
      ].map((m) => `${c.file}: ${m[1]}`),
    );
    expect(claims.length).toBeGreaterThan(0);
    expect(claims.filter((c) => !c.endsWith(': worker'))).toEqual([]);
  });

  it('describe OCI releases in their one layout: the component as the only layer', () => {
    const layered = changesets.filter((c) =>
      /signature as layers|as extra layers|plus the release record/.test(c.body),
    );
    expect(layered.map((c) => c.file)).toEqual([]);
  });

  it('pass `changeset status`', async () => {
    const { stdout } = await run('pnpm', ['changeset', 'status'], { cwd: root });
    expect(stdout).toContain('Packages to be bumped');
  });
});
