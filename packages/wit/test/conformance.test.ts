import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isWitError, resolveWitPath, type WitResolve, type WitWorld } from '../src/index.js';
import {
  COMPONENT_LIMITS,
  componentLimits,
  expectedCore,
  isAbiHelper,
  paramNameSets,
  renderCore,
} from './core-abi.js';
import { oracleCoreFuncs, oracleParamNames, oracleVerdict, oracleWorld, preopen } from './oracle.js';

const corpus = resolve(fileURLToPath(new URL('.', import.meta.url)), 'corpus');
/** The repository's own contracts, checked in place rather than copied into the corpus. */
const repoWit = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../wit');

interface Case {
  name: string;
  path: string;
}

function cases(kind: 'valid' | 'invalid'): Case[] {
  const dir = join(corpus, kind);
  const found = readdirSync(dir)
    .filter((n) => n.endsWith('.wit') || statSync(join(dir, n)).isDirectory())
    .sort()
    .map((n) => ({ name: n, path: join(dir, n) }));
  return kind === 'valid' ? [{ name: 'witkit contracts (repository wit/)', path: repoWit }, ...found] : found;
}

/** Expected error of an invalid case: `// expect: CODE line:col` on the first line, or `expect.txt` in a directory case. */
function expectation(c: Case): { code: string; file?: string; line?: number; column?: number } {
  const isDir = statSync(c.path).isDirectory();
  const text = isDir
    ? readFileSync(join(c.path, 'expect.txt'), 'utf8')
    : readFileSync(c.path, 'utf8').split('\n')[0]!;
  const m = /(WITKIT_WIT_\w+)(?: (?:(\S+\.wit):)?(\d+):(\d+))?/.exec(text);
  if (!m) throw new Error(`case \`${c.name}\` has no \`expect: CODE [[file:]line:col]\` annotation`);
  if (m[3] === undefined) return { code: m[1]! };
  const file = isDir ? join(c.path, m[2]!) : c.path;
  return { code: m[1]!, file: relative(corpus, file), line: Number(m[3]), column: Number(m[4]) };
}

function interfaceKeys(items: WitWorld['imports']): string[] {
  return [...items]
    .filter(([key, item]) => item.kind === 'interface' && item.interface.id === key)
    .map(([key]) => key)
    .sort();
}

beforeAll(() => {
  // Git keeps no empty folders, so the case whose point is an empty dep folder makes it here.
  mkdirSync(join(corpus, 'invalid', 'empty-dep-dir', 'deps', 'empty'), { recursive: true });
  preopen(corpus, repoWit);
});

describe('valid corpus: accepted by us and by wasm-tools, with the same worlds', () => {
  it.each(cases('valid'))('$name', async (c) => {
    const verdict = await oracleVerdict(c.path);
    expect(verdict, 'the oracle rejects this case; it does not belong in valid/').toEqual({ ok: true });
    const ours: WitResolve = await resolveWitPath(c.path);
    const worlds = [...ours.root.worlds.values()];
    expect(worlds.length, 'a valid case needs a world to compare').toBeGreaterThan(0);
    for (const world of worlds) {
      const oracle = await oracleWorld(c.path, world.name);
      if (oracle !== undefined) {
        expect({
          world: world.name,
          imports: interfaceKeys(world.imports),
          exports: interfaceKeys(world.exports),
        }).toEqual({
          world: world.name,
          imports: [...oracle.imports].sort(),
          exports: [...oracle.exports].sort(),
        });
      } else {
        // Only worlds with inline interfaces lack metadata; the core comparison below still covers them.
        expect(
          [...world.imports.values(), ...world.exports.values()].some(
            (i) => i.kind === 'interface' && i.interface.id === undefined,
          ),
        ).toBe(true);
      }
      const core = (await oracleCoreFuncs(c.path, world.name)).filter((f) => !isAbiHelper(f));
      expect({ world: world.name, core: renderCore(expectedCore(world)) }).toEqual({
        world: world.name,
        core: renderCore(core),
      });
      const params = await oracleParamNames({ path: c.path }, world.name);
      if (params instanceof Set) {
        expect({ world: world.name, params: [...paramNameSets(world)].sort() }).toEqual({
          world: world.name,
          params: [...params].sort(),
        });
      } else {
        // Component creation rejects some valid WIT (wide flags, empty records, ...); it must be
        // one of those, and one our model shows.
        const limits = [...componentLimits(world)];
        expect(limits.length, `component creation failed: ${params.error}`).toBeGreaterThan(0);
        expect(
          limits.some((l) => COMPONENT_LIMITS[l].test(params.error)),
          params.error,
        ).toBe(true);
      }
    }
  });
});

describe('valid corpus with unstable features enabled: the same core functions as wasm-tools', () => {
  /** Every feature named in a case's `@unstable` gates, including those of its deps. */
  const featuresOf = (path: string): string[] => {
    const texts: string[] = [];
    const walk = (p: string) => {
      if (statSync(p).isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      else if (p.endsWith('.wit')) texts.push(readFileSync(p, 'utf8'));
    };
    walk(path);
    const names = texts.flatMap((t) =>
      [...t.matchAll(/@unstable\(\s*feature\s*=\s*%?([A-Za-z0-9-]+)\s*\)/g)].map((m) => m[1]!),
    );
    return [...new Set(names)].sort();
  };
  const gated = cases('valid')
    .map((c) => ({ ...c, features: featuresOf(c.path) }))
    .filter((c) => c.features.length > 0);

  it('has gated cases to check', () => {
    expect(gated.length).toBeGreaterThan(1);
  });

  // All features at once, then each one alone.
  it.each(
    gated.flatMap((c) => [
      { ...c, enabled: 'all' as const },
      ...c.features.map((f) => ({ ...c, enabled: [f] })),
    ]),
  )('$name with $enabled', async (c) => {
    const ours = await resolveWitPath(c.path, { features: c.enabled });
    for (const world of ours.root.worlds.values()) {
      const core = (await oracleCoreFuncs(c.path, world.name, c.enabled)).filter((f) => !isAbiHelper(f));
      expect({ world: world.name, core: renderCore(expectedCore(world)) }).toEqual({
        world: world.name,
        core: renderCore(core),
      });
    }
  });
});

describe('invalid corpus: rejected by us and by wasm-tools, at the annotated place', () => {
  it.each(cases('invalid'))('$name', async (c) => {
    const verdict = await oracleVerdict(c.path);
    expect(verdict.ok, 'the oracle accepts this case; it does not belong in invalid/').toBe(false);
    const want = expectation(c);
    const err = await resolveWitPath(c.path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(
      isWitError(err),
      `we accepted \`${c.name}\`; the oracle said: ${verdict.ok ? '' : verdict.message}`,
    ).toBe(true);
    if (!isWitError(err)) return;
    expect({
      code: err.code,
      file: err.file && relative(corpus, err.file),
      line: err.line,
      column: err.column,
    }).toEqual({ file: undefined, line: undefined, column: undefined, ...want });
  });
});
