// Issue 12, item 5: the lean call path must never change behaviour. Components it used to get
// wrong (hand-written WAT in fixtures/wat/) answer as jco does, and every component in the repo
// that loads with witkit's own imports answers the same with and without it, errors included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPluginError, type LoadedPlugin, loadPlugin, PluginHost } from '@witkit/host';
import { describeComponentWorld, type FunctionShape, type ValueShape } from '@witkit/wit';
import { tempDir } from '@witkit-internal/test-support';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import {
  benchKernels,
  eventLogger,
  fixtureComponent,
  textTransformer,
  textTransformerRs,
  watComponent,
} from './fixtures.js';

const tmp = tempDir('witkit-fast12-');
afterAll(() => tmp.cleanup());
const logger = pino({ level: 'silent' });
const cacheDir = join(tmp.dir, 'cache');
const dataDir = join(tmp.dir, 'data');

type Exports = Record<string, unknown>;
const load = async (path: string, fastPath: boolean) =>
  (await loadPlugin(path, { logger, cacheDir, dataDir, fastPath })) as unknown as LoadedPlugin<Exports>;

const fnOf = (plugin: LoadedPlugin<Exports>, key: string, fn: string) =>
  (key === '' ? plugin.exports[fn] : (plugin.exports[key] as Exports)[fn]) as (...a: unknown[]) => unknown;

describe('components the lean path used to get wrong answer as jco does (issue 12)', () => {
  it('keeps task state for `context.get`/`context.set`: each call starts with a zero slot', async () => {
    const plugin = await load(watComponent('context-sync'), true);
    // Before: `missing/incomplete global current task meta … during context get`.
    expect(fnOf(plugin, '', 'bump')(5)).toBe(6);
    expect(fnOf(plugin, '', 'bump')(7)).toBe(8);
  });

  it('calls a composed component through its cross-component adapter', async () => {
    const plugin = await load(watComponent('composed'), true);
    // Before: 3, the inner component's `add`, which also exports the core name `add`.
    expect(fnOf(plugin, '', 'add')(1, 2)).toBe(1003);
    expect(fnOf(plugin, '', 'innerAdd')(1, 2)).toBe(3);
  });

  it('passes strings in UTF-16 code units to a utf16 lift', async () => {
    const plugin = await load(watComponent('utf16-strings'), true);
    // Before: 5, the UTF-8 length.
    expect(fnOf(plugin, '', 'units')('a😀')).toBe(3);
    expect(fnOf(plugin, '', 'echo')('héllo😀')).toBe('héllo😀');
  });

  it('binds the memory, realloc and post-return the lift aliases, not the conventional names', async () => {
    const plugin = await load(watComponent('renamed-abi'), true);
    // Before: the decoy `cabi_post_concat` trapped (and the decoy `cabi_realloc` overlapped both strings).
    expect(fnOf(plugin, '', 'concat')('ab', 'cd')).toBe('abcd');
    expect(fnOf(plugin, '', 'concat')('é', '😀')).toBe('é😀');
  });

  it('serves lean only the functions it proved equivalent', async () => {
    const host = new PluginHost({ dataDir, cacheDir, logger });
    try {
      const lean = async (path: string, name: string) =>
        (await host.load({ path, name, version: '1.0.0', isolation: 'in-thread' })).leanExports;
      expect(await lean(benchKernels, 'bench-kernels')).toEqual(['add', 'reverse']);
      expect(await lean(watComponent('renamed-abi'), 'renamed-abi')).toEqual(['concat']);
      expect(await lean(watComponent('scalars'), 'scalars')).toHaveLength(12);
      // Task-dependent built-ins, nested components, a utf16 lift: jco's glue for all.
      expect(await lean(watComponent('context-sync'), 'context-sync')).toEqual([]);
      expect(await lean(watComponent('composed'), 'composed')).toEqual([]);
      expect(await lean(watComponent('utf16-strings'), 'utf16-strings')).toEqual([]);
      // Interfaces of the component's own world are planned from its binary too.
      expect(await lean(textTransformerRs, 'text-transformer-rs')).toEqual(['dataProcessor.validate']);
      // QuickJS components are composed of several components: jco's glue.
      expect(await lean(textTransformer, 'text-transformer')).toEqual([]);
    } finally {
      await host.shutdown();
    }
  });
});

/** Values of a WIT type as jco takes them, or `undefined` when this test does not generate it. */
function arbitraryOf(shape: ValueShape): fc.Arbitrary<unknown> | undefined {
  const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const int = (bits: number, signed: boolean) =>
    signed
      ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 })
      : fc.integer({ min: 0, max: 2 ** bits - 1 });
  switch (shape.kind) {
    case 'bool':
      return fc.boolean();
    case 's8':
    case 's16':
    case 's32':
    case 'u8':
    case 'u16':
    case 'u32':
      return int(Number(shape.kind.slice(1)), shape.kind.startsWith('s'));
    case 's64':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'u64':
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case 'f32':
    case 'f64':
      return fc.double();
    case 'char':
      return fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 64 });
    case 'list': {
      if (shape.element.kind === 'u8' && shape.length === undefined) return fc.uint8Array({ maxLength: 64 });
      const element = arbitraryOf(shape.element);
      return element && shape.length === undefined ? fc.array(element, { maxLength: 6 }) : undefined;
    }
    case 'record': {
      const fields = shape.fields.map((f) => [camel(f.name), arbitraryOf(f.type)] as const);
      if (fields.some(([, a]) => a === undefined)) return undefined;
      return fc.record(Object.fromEntries(fields) as Record<string, fc.Arbitrary<unknown>>);
    }
    case 'tuple': {
      const items = shape.types.map(arbitraryOf);
      return items.every((a) => a !== undefined) ? fc.tuple(...items) : undefined;
    }
    case 'option': {
      // jco maps a nested option differently (`{ tag }`): not generated here.
      const inner = shape.type.kind === 'option' ? undefined : arbitraryOf(shape.type);
      return inner && fc.option(inner, { nil: undefined });
    }
    case 'enum':
      return fc.constantFrom(...shape.cases);
    case 'variant': {
      const cases = shape.cases.map((c) => {
        if (!c.type) return fc.constant({ tag: c.name });
        return arbitraryOf(c.type)?.map((val) => ({ tag: c.name, val }));
      });
      return cases.every((a) => a !== undefined) ? fc.oneof(...cases) : undefined;
    }
    case 'result': {
      const side = (tag: 'ok' | 'err', type: ValueShape | undefined) =>
        type === undefined
          ? fc.constant({ tag, val: undefined })
          : arbitraryOf(type)?.map((val) => ({ tag, val }));
      const ok = side('ok', shape.ok);
      const err = side('err', shape.err);
      return ok && err ? fc.oneof(ok, err) : undefined;
    }
    case 'flags':
      return fc.record(Object.fromEntries(shape.flags.map((f) => [camel(f), fc.boolean()])));
    default:
      return undefined;
  }
}

/** Arguments of `fn`: mostly well-typed, sometimes a value of the wrong type (errors must agree too). */
function argumentsOf(fn: FunctionShape): fc.Arbitrary<unknown[]> | undefined {
  const wrong = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined), fc.constant(null));
  const params = fn.params.map((p) => arbitraryOf(p.type));
  if (params.some((a) => a === undefined)) return undefined;
  return fc.tuple(
    ...params.map((a) => fc.oneof({ weight: 6, arbitrary: a! }, { weight: 1, arbitrary: wrong })),
  );
}

type Outcome = { value: unknown } | { code: string; payload?: unknown };

function settle(call: () => unknown): Outcome {
  try {
    return { value: call() };
  } catch (error) {
    if (!isPluginError(error)) return { code: `not a PluginError: ${String(error)}` };
    return error.code === 'WITKIT_PLUGIN_ERROR'
      ? { code: error.code, payload: error.payload }
      : { code: error.code };
  }
}

/** Every component in the repo that loads with the imports witkit provides (the hostile fixtures excepted). */
const components: Record<string, string> = {
  'bench-kernels': benchKernels,
  'text-transformer-rs': textTransformerRs,
  ...Object.fromEntries(
    ['data-validator', 'image-processor', 'log-enricher'].map((n) => [
      n,
      join(import.meta.dirname, `../../../plugins-rust/${n}/dist/${n}.wasm`),
    ]),
  ),
  'text-transformer': textTransformer,
  'event-logger': eventLogger,
  'host-probe': fixtureComponent('host-probe'),
  'echo-service': fixtureComponent('echo-service'),
  'context-sync': watComponent('context-sync'),
  composed: watComponent('composed'),
  'utf16-strings': watComponent('utf16-strings'),
  'renamed-abi': watComponent('renamed-abi'),
  scalars: watComponent('scalars'),
};

describe('the lean path and jco glue agree on every component, value by value', () => {
  for (const [name, path] of Object.entries(components)) {
    it(`${name}: every export with generated arguments`, async () => {
      const world = describeComponentWorld(readFileSync(path));
      const camel = (kebab: string) => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      const targets: Array<{ key: string; fn: string; args: fc.Arbitrary<unknown[]> }> = [];
      for (const fn of Object.values(world.exportFunctions)) {
        const args = argumentsOf(fn);
        if (args) targets.push({ key: '', fn: camel(fn.name), args });
      }
      for (const [id, iface] of Object.entries(world.exports)) {
        for (const fn of Object.values(iface.functions)) {
          const args = fn.name.startsWith('[') ? undefined : argumentsOf(fn);
          if (args) targets.push({ key: id, fn: camel(fn.name), args });
        }
      }
      expect(targets.length).toBeGreaterThan(0);
      let pair = [await load(path, true), await load(path, false)] as const;
      for (const target of targets) {
        await fc.assert(
          fc.asyncProperty(target.args, async (args) => {
            const [fast, glue] = pair.map((p) => settle(() => fnOf(p, target.key, target.fn)(...args)));
            expect(fast, `${target.key}.${target.fn}(${fc.stringify(args)})`).toEqual(glue);
            // A trap ends an instance's life: the next call gets a fresh pair.
            if ('code' in fast! && fast.code !== 'WITKIT_PLUGIN_ERROR')
              pair = [await load(path, true), await load(path, false)] as const;
          }),
          { numRuns: 60 },
        );
      }
    });
  }
});
