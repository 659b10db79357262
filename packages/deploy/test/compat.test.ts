// Structural WIT compatibility on real components, built by our own pipelines in `beforeAll`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentWit } from '@bytecodealliance/jco-transpile/wasm-tools';
import { PluginHost } from '@witkit/host';
import { selectWorld } from '@witkit/wit';
import { findWorld } from '@witkit/wit-types';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { readContracts } from '../src/compat/host-contract.js';
import {
  assertCompatible,
  type Change,
  type CompatibilityError,
  checkCompatibility,
  compatibleWorlds,
  createRelease,
  Deployer,
  describeComponentWorld,
  describeWitWorld,
  formatCompatibilityReport,
  type HostContract,
  isCompatibilityError,
  LocalStore,
  loadHostContract,
  type ReleaseBundle,
  releaseCompatibilityCheck,
  VersionManager,
  wasiProvisions,
} from '../src/index.js';
import {
  type BuiltFixture,
  buildFixtures,
  type Fixture,
  jsFixtures,
  rustFixtures,
} from './fixtures/compat/build.js';

let fixtures: Record<Fixture, BuiltFixture>;
const bytes = (name: Fixture) => fixtures[name].component;

const processorWorld = findWorld('processor-plugin')!.id;
const minimalWorld = findWorld('minimal-plugin')!.id;
const base = 'witkit:plugin-system/base-plugin@0.1.0';
const processor = 'witkit:plugin-system/data-processor@0.1.0';
const hostServices = 'witkit:host-api/host-services@0.1.0';

let asProcessor: HostContract;

beforeAll(async () => {
  fixtures = await buildFixtures();
  asProcessor = await loadHostContract('processor-plugin');
}, 600_000);

/** The fields a test asserts on, without the message (checked separately where it matters). */
const brief = (c: Change) => ({
  kind: c.kind,
  against: c.against,
  interface: c.interface,
  ...(c.function ? { function: c.function } : {}),
  ...(c.path ? { path: c.path } : {}),
  ...(c.before ? { before: c.before } : {}),
  ...(c.after ? { after: c.after } : {}),
  breaking: c.breaking,
});

describe('describeComponentWorld', () => {
  it('finds the interfaces and world functions that wasm-tools names, for every fixture', async () => {
    for (const name of [...jsFixtures, ...rustFixtures]) {
      const text = await componentWit(bytes(name));
      const named = (kind: string) =>
        [...text.matchAll(new RegExp(`^\\s*${kind}\\s+([^\\s:;]+:[^\\s;]+)\\s*;`, 'gm'))]
          .map((m) => m[1])
          .sort();
      const funcs = [...text.matchAll(/^\s*export\s+([a-z][a-z0-9-]*)\s*:\s*func/gm)].map((m) => m[1]).sort();
      const world = describeComponentWorld(bytes(name));
      expect(Object.keys(world.imports).sort(), name).toEqual(named('import'));
      expect(Object.keys(world.exports).sort(), name).toEqual(named('export'));
      expect(Object.keys(world.exportFunctions).sort(), name).toEqual(funcs);
    }
  });

  it('reads exports with exactly the shapes the contracts define, from Rust and from QuickJS', async () => {
    const contracts = describeWitWorld(selectWorld(await readContracts(), 'processor-plugin'));
    for (const name of ['processor-rs', 'processor-js'] as const) {
      const world = describeComponentWorld(bytes(name));
      for (const id of [base, processor])
        expect(world.exports[id]!.functions, `${name} ${id}`).toEqual(contracts.exports[id]!.functions);
    }
  });

  it('reads resources with their owning interface, also when another interface uses them', () => {
    const world = describeComponentWorld(bytes('host-importer'));
    expect(world.imports[hostServices]!.functions['[method]logger.log']!.params[0]).toEqual({
      name: 'self',
      type: { kind: 'borrow', resource: { interface: hostServices, name: 'logger' } },
    });
    const stdin = describeComponentWorld(bytes('processor-js')).imports['wasi:cli/stdin@0.2.12']!;
    expect(stdin.functions['get-stdin']!.result).toEqual({
      kind: 'own',
      resource: { interface: 'wasi:io/streams@0.2.12', name: 'input-stream' },
    });
  });

  it('refuses a core module with WITKIT_UNREADABLE_COMPONENT', () => {
    let error: unknown;
    try {
      describeComponentWorld(fixtures['processor-rs'].coreModule!);
    } catch (e) {
      error = e;
    }
    expect(isCompatibilityError(error)).toBe(true);
    expect((error as CompatibilityError).code).toBe('WITKIT_UNREADABLE_COMPONENT');
    expect((error as Error).message).toMatch(/core WebAssembly module/);
  });
});

describe('checkCompatibility against the host and the previous release', () => {
  it('an identical component is compatible with no changes', () => {
    const report = checkCompatibility({
      component: bytes('processor-rs'),
      host: asProcessor,
      previous: bytes('processor-rs'),
    });
    expect(report).toEqual({ compatible: true, world: processorWorld, changes: [] });
    // QuickJS components also export the engine's own `init`: an addition the host ignores.
    const js = checkCompatibility({
      component: bytes('processor-js'),
      host: asProcessor,
      previous: bytes('processor-js'),
    });
    expect(js.compatible).toBe(true);
    expect(js.changes.map(brief)).toEqual([
      { kind: 'added', against: 'host', interface: '', function: 'init', breaking: false },
    ]);
  });

  it('a release that adds a function and an interface is compatible, with `added` changes', () => {
    const report = checkCompatibility({
      component: bytes('processor-extended'),
      host: asProcessor,
      previous: bytes('processor-rs'),
    });
    expect(report.compatible).toBe(true);
    expect(report.changes.map(brief)).toEqual([
      { kind: 'added', against: 'host', interface: processor, function: 'describe', breaking: false },
      { kind: 'added', against: 'host', interface: 'witkit:plugin-system/health@0.1.0', breaking: false },
      { kind: 'added', against: 'previous', interface: processor, function: 'describe', breaking: false },
      { kind: 'added', against: 'previous', interface: 'witkit:plugin-system/health@0.1.0', breaking: false },
    ]);
    expect(report.changes[2]!.message).toBe(
      '`witkit:plugin-system/data-processor@0.1.0` function `describe` is new in this release',
    );
  });

  it('a plugin that grows from minimal to processor adds an exported interface', async () => {
    const report = checkCompatibility({
      component: bytes('processor-js'),
      host: asProcessor,
      previous: bytes('minimal-js'),
    });
    expect(report.compatible).toBe(true);
    expect(report.changes.filter((c) => c.against === 'previous').map(brief)).toEqual([
      { kind: 'added', against: 'previous', interface: processor, breaking: false },
    ]);
    // The other way round, the processor interface is gone: refused against the previous release.
    const back = checkCompatibility({
      component: bytes('minimal-js'),
      host: await loadHostContract('minimal-plugin'),
      previous: bytes('processor-js'),
    });
    expect(back.compatible).toBe(false);
    expect(back.changes.filter((c) => c.breaking).map(brief)).toEqual([
      { kind: 'removed', against: 'previous', interface: processor, breaking: true },
    ]);
    expect(back.changes[0]!.message).toBe(
      '`witkit:plugin-system/data-processor@0.1.0` was exported by the previous release and is gone (functions `process`, `validate`)',
    );
  });

  it('refuses a drifted component, naming each interface, function, parameter and type', () => {
    const report = checkCompatibility({
      component: bytes('processor-drifted'),
      host: asProcessor,
      previous: bytes('processor-rs'),
    });
    expect(report.compatible).toBe(false);
    expect(report.changes.map(brief)).toEqual([
      { kind: 'removed', against: 'host', interface: base, function: 'shutdown', breaking: true },
      {
        kind: 'changed',
        against: 'host',
        interface: processor,
        function: 'process',
        path: 'result.err',
        before: 'string',
        after: 'u32',
        breaking: true,
      },
      {
        kind: 'changed',
        against: 'host',
        interface: processor,
        function: 'validate',
        path: 'input',
        before: 'list<u8>',
        after: 'string',
        breaking: true,
      },
      { kind: 'removed', against: 'previous', interface: base, function: 'shutdown', breaking: true },
      {
        kind: 'changed',
        against: 'previous',
        interface: processor,
        function: 'process',
        path: 'result.err',
        before: 'string',
        after: 'u32',
        breaking: true,
      },
      {
        kind: 'changed',
        against: 'previous',
        interface: processor,
        function: 'validate',
        path: 'input',
        before: 'list<u8>',
        after: 'string',
        breaking: true,
      },
    ]);
    const messages = report.changes.map((c) => c.message);
    expect(messages).toContain(
      '`witkit:plugin-system/data-processor@0.1.0` function `validate`: parameter `input` changed from `list<u8>` to `string`',
    );
    expect(messages).toContain(
      '`witkit:plugin-system/data-processor@0.1.0` function `process`: the result (`err` value) changed from `string` to `u32`',
    );
    expect(messages).toContain(
      `\`witkit:plugin-system/base-plugin@0.1.0\` function \`shutdown\` is required by world \`${processorWorld}\` but not exported`,
    );
  });

  it('names every host import the host does not provide, and nothing else', async () => {
    const report = checkCompatibility({
      component: bytes('host-importer'),
      host: await loadHostContract('minimal-plugin'),
    });
    expect(report.compatible).toBe(false);
    expect(report.changes.map(brief)).toEqual([
      {
        kind: 'missing-import',
        against: 'host',
        interface: hostServices,
        function: 'get-secret',
        breaking: true,
      },
      {
        kind: 'missing-import',
        against: 'host',
        interface: hostServices,
        function: 'emit-event',
        path: 'payload',
        before: 'string',
        after: 'list<u8>',
        breaking: true,
      },
      {
        kind: 'missing-import',
        against: 'host',
        interface: 'witkit:host-api/telemetry@0.1.0',
        breaking: true,
      },
    ]);
    expect(report.changes.map((c) => c.message)).toEqual([
      "`witkit:host-api/host-services@0.1.0` function `get-secret` is imported, but the host's `witkit:host-api/host-services@0.1.0` has no such function",
      '`witkit:host-api/host-services@0.1.0` function `emit-event` is imported with another signature than the host provides: parameter `payload` changed from `string` to `list<u8>`',
      '`witkit:host-api/telemetry@0.1.0` is imported, but the host does not provide it',
    ]);
    expect(report.world).toBe(minimalWorld);
  });

  it('accepts every WASI import of our plugins, from what preview2-shim really implements', () => {
    for (const name of ['processor-js', 'processor-rs'] as const) {
      const world = describeComponentWorld(bytes(name));
      expect(Object.keys(world.imports).some((id) => id.startsWith('wasi:'))).toBe(true);
      const report = checkCompatibility({ component: world, host: asProcessor });
      expect(report.changes.filter((c) => c.kind === 'missing-import')).toEqual([]);
    }
    const wasi = wasiProvisions();
    expect(wasi['wasi:io/streams']!.functions).toContain('[method]output-stream.blocking-write-and-flush');
    expect(Object.keys(wasi).filter((id) => /^wasi:(sockets|http)\//.test(id))).toEqual([]);
  });
});

describe('plugin API v1 and v2 side by side', () => {
  it('serves each plugin on the world it was built for, and refuses v1 as v2 with a diff', async () => {
    const v1 = await loadHostContract('plugin-v1');
    const v2 = await loadHostContract('plugin-v2');
    expect(checkCompatibility({ component: bytes('text-v1'), host: v1 }).compatible).toBe(true);
    expect(checkCompatibility({ component: bytes('text-v2'), host: v2 }).compatible).toBe(true);
    const wrong = checkCompatibility({ component: bytes('text-v1'), host: v2 });
    expect(wrong.compatible).toBe(false);
    expect(wrong.changes.map(brief)).toEqual([
      { kind: 'removed', against: 'host', interface: 'witkit:plugin-api/plugin@2.0.0', breaking: true },
      { kind: 'added', against: 'host', interface: 'witkit:plugin-api/plugin@1.0.0', breaking: false },
      { kind: 'added', against: 'host', interface: '', function: 'init', breaking: false },
    ]);
    expect(wrong.changes[0]!.message).toBe(
      `\`witkit:plugin-api/plugin@2.0.0\` is required by world \`${v2.world}\` but not exported (functions \`get-metadata\`, \`process\`)`,
    );
  });

  it('deploys a v1 and a v2 plugin into one host, each called on its own interface version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'witkit-v1v2-'));
    const host = new PluginHost({
      dataDir: join(dir, 'data'),
      cacheDir: join(dir, 'cache'),
      logger: pino({ level: 'silent' }),
    });
    try {
      const versions = new VersionManager({ store: new LocalStore(join(dir, 'store')) });
      for (const [name, fixture] of [
        ['legacy', 'text-v1'],
        ['modern', 'text-v2'],
      ] as const) {
        await versions.publish(await createRelease({ component: bytes(fixture), name, version: '1.0.0' }));
      }
      const deployer = new Deployer({ host, versions, stateDir: join(dir, 'deploy') });
      await deployer.deploy('legacy', '^1');
      await deployer.deploy('modern', '^1');
      expect(host.get('legacy').world).toBe(findWorld('plugin-v1')!.id);
      expect(host.get('modern').world).toBe(findWorld('plugin-v2')!.id);
      expect(await host.get('legacy').call('witkit:plugin-api/plugin@1.0.0', 'process', ['abc'])).toBe('ABC');
      expect(
        await host
          .get('modern')
          .call('witkit:plugin-api/plugin@2.0.0', 'process', ['abc', [['suffix', '!']]]),
      ).toBe('ABC!');
    } finally {
      await host.shutdown({ deadlineMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the worlds a component can be served as', async () => {
    expect(await compatibleWorlds(bytes('text-v1'))).toEqual([findWorld('plugin-v1')!.id]);
    expect(await compatibleWorlds(bytes('text-v2'))).toEqual([findWorld('plugin-v2')!.id]);
    expect(await compatibleWorlds(bytes('processor-rs'))).toEqual([processorWorld, minimalWorld]);
  });
});

describe('refusing a release', () => {
  const bundle = (name: Fixture, version: string, world: string): ReleaseBundle => ({
    release: {
      name,
      version,
      sha256: '',
      size: bytes(name).byteLength,
      minHostVersion: '0.1.0',
      world,
      packages: {},
      publishedAt: '2026-01-01T00:00:00.000Z',
    },
    component: bytes(name),
  });

  it('throws WITKIT_INCOMPATIBLE_WIT with the report and the breaking changes in the message', async () => {
    const gate = releaseCompatibilityCheck();
    await gate({
      bundle: bundle('processor-extended', '0.3.0', processorWorld),
      previous: bundle('processor-rs', '0.1.0', processorWorld),
    });
    const error = await gate({
      bundle: bundle('processor-drifted', '0.2.0', processorWorld),
      previous: bundle('processor-rs', '0.1.0', processorWorld),
    }).catch((e: unknown) => e);
    expect(isCompatibilityError(error)).toBe(true);
    const e = error as CompatibilityError;
    expect(e.code).toBe('WITKIT_INCOMPATIBLE_WIT');
    expect(e.plugin).toBe('processor-drifted@0.2.0');
    expect(e.report?.changes.filter((c) => c.breaking)).toHaveLength(6);
    expect(e.message).toMatch(
      /^plugin `processor-drifted@0.2.0`: the component cannot be served as `witkit:plugin-system\/processor-plugin@0.1.0`: 6 breaking changes\n/,
    );
    expect(e.message).toContain('parameter `input` changed from `list<u8>` to `string`');
    expect(() =>
      assertCompatible(checkCompatibility({ component: bytes('processor-rs'), host: asProcessor })),
    ).not.toThrow();
  });

  it('renders the report for a terminal', () => {
    const text = formatCompatibilityReport(
      checkCompatibility({ component: bytes('processor-drifted'), host: asProcessor }),
      { plugin: 'processor-drifted' },
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      `processor-drifted is NOT compatible with \`${processorWorld}\`: 3 breaking changes`,
    );
    expect(lines.slice(1).every((l) => l.startsWith('  breaking  '))).toBe(true);
    expect(text).toContain('function `validate`: parameter `input` changed from `list<u8>` to `string`');
  });
});
