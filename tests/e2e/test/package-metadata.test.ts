// What npm shows and ships for each publishable package: a license file in the tarball,
// repository/homepage/bugs links, an engines range open to newer Node releases, and READMEs
// whose links work on the registry's page (where a relative link points nowhere).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const REPO = 'https://github.com/witkit/witkit';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  engines?: { node?: string };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;
const publishable = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: `packages/${dir}`, pkg: readJson(join(root, 'packages', dir, 'package.json')) }))
  .filter(({ pkg }) => !pkg.private);

/** Links of a markdown text: inline `[x](target)`, reference definitions and HTML href/src. */
function links(markdown: string): string[] {
  const found: string[] = [];
  for (const m of markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(m[1]!);
  for (const m of markdown.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) found.push(m[1]!);
  for (const m of markdown.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)) found.push(m[1]!);
  return found;
}

describe('package metadata', () => {
  it('finds the nine publishable packages', () => {
    expect(publishable.map((p) => p.pkg.name).sort()).toEqual([
      '@witkit/bindgen-rust',
      '@witkit/bindgen-ts',
      '@witkit/build',
      '@witkit/cli',
      '@witkit/deploy',
      '@witkit/host',
      '@witkit/security',
      '@witkit/wit',
      '@witkit/wit-types',
    ]);
  });

  it.each(publishable)('$pkg.name has license, repository, homepage, bugs and engines', ({ dir, pkg }) => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository).toEqual({ type: 'git', url: `git+${REPO}.git`, directory: dir });
    expect(pkg.homepage).toBe(`${REPO}/tree/main/${dir}#readme`);
    expect(pkg.bugs).toEqual({ url: `${REPO}/issues` });
    // Open-ended: Node 23 and 25+ install without engine warnings.
    expect(pkg.engines?.node).toBe('>=22.12.0');
  });

  it('the root asks for the same Node', () => {
    expect(readJson(join(root, 'package.json')).engines?.node).toBe('>=22.12.0');
  });

  it.each(publishable)('$pkg.name packs the Apache-2.0 LICENSE and README', async ({ dir }) => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: join(root, dir),
    });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const files = packed.files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    const license = readFileSync(join(root, dir, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  });

  it.each(publishable)('$pkg.name README has only absolute links', ({ dir }) => {
    const readme = readFileSync(join(root, dir, 'README.md'), 'utf8');
    const relative = links(readme).filter((l) => !/^(https?:|mailto:|#)/.test(l));
    expect(relative).toEqual([]);
  });

  it('finds the links a README can have', () => {
    expect(
      links(
        '[a](../x.md) [b](<y.md>) [c](https://e.org "t")\n[d]: ./d.md\n<img src="i.png"> <a href=\'#h\'>',
      ),
    ).toEqual(['../x.md', 'y.md', 'https://e.org', './d.md', 'i.png', '#h']);
  });
});
