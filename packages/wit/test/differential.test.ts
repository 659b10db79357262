import { describe, expect, it } from 'vitest';
import { isWitError, resolveWitSource, selectWorld } from '../src/index.js';
import {
  COMPONENT_LIMITS,
  componentLimits,
  expectedCore,
  isAbiHelper,
  paramNameSets,
  renderCore,
} from './core-abi.js';
import { generate } from './generate.js';
import { oracleCoreFuncsSource, oracleParamNames, oracleVerdictSource, oracleWorldSource } from './oracle.js';

/** Seeds of generated packages; every fifth one is broken on purpose. */
const SEEDS = Array.from({ length: 400 }, (_, i) => i + 1);

function interfaceKeys(items: ReadonlyMap<string, { kind: string; interface?: { id?: string } }>): string[] {
  return [...items]
    .filter(([key, item]) => item.kind === 'interface' && item.interface?.id === key)
    .map(([key]) => key)
    .sort();
}

describe('generated packages: same verdict, worlds and core functions as wasm-tools', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    const { text, worlds, mutation } = generate(seed, seed % 5 === 0);
    const verdict = await oracleVerdictSource(text);
    let ours: ReturnType<typeof resolveWitSource> | undefined;
    let ourError: unknown;
    try {
      ours = resolveWitSource(text);
    } catch (e) {
      ourError = e;
      if (!isWitError(e)) throw e;
    }
    const why = `mutation: ${mutation ?? 'none'}; oracle: ${verdict.ok ? 'ok' : verdict.message}; ours: ${
      ourError instanceof Error ? ourError.message : 'ok'
    }\n${text}`;
    expect(ours !== undefined, why).toBe(verdict.ok);
    if (ours === undefined) return;
    for (const name of worlds) {
      const world = selectWorld(ours, name);
      // The oracle's metadata call cannot describe worlds with inline interfaces.
      const hasInline = [...world.imports.values(), ...world.exports.values()].some(
        (i) => i.kind === 'interface' && i.interface.id === undefined,
      );
      if (!hasInline) {
        const oracle = await oracleWorldSource(text, name);
        expect({ imports: interfaceKeys(world.imports), exports: interfaceKeys(world.exports) }, why).toEqual(
          {
            imports: [...oracle.imports].sort(),
            exports: [...oracle.exports].sort(),
          },
        );
      }
      const core = (await oracleCoreFuncsSource(text, name)).filter((f) => !isAbiHelper(f));
      expect(renderCore(expectedCore(world)), why).toEqual(renderCore(core));
      const params = await oracleParamNames({ source: text }, name);
      if (params instanceof Set) {
        expect([...paramNameSets(world)].sort(), why).toEqual([...params].sort());
      } else {
        const limits = [...componentLimits(world)];
        expect(
          limits.some((l) => COMPONENT_LIMITS[l].test(params.error)),
          `${params.error}\n${why}`,
        ).toBe(true);
      }
    }
  });
});
