// Compile-time checks of the generated host bindings (the committed snapshots of
// fixtures/snapshots): `pnpm test` runs `tsc -p test/typecheck` over this file, so an
// `@ts-expect-error` that stops being an error fails the suite.
import { loadPlugin, type PluginHost } from '@witkit/host';
import { everyType } from '../../fixtures/snapshots/every-type/every-type.js';
import type { EveryType } from '../../fixtures/snapshots/every-type/index.js';
import { notesPlugin } from '../../fixtures/snapshots/notes/notes-plugin.js';

type Store = EveryType.TestEveryTypeHostStore.Imports;

class HostFile {
  constructor(readonly path: string) {}
  read(len: number): Uint8Array {
    return new Uint8Array(len);
  }
  async same(other: HostFile): Promise<boolean> {
    return other.path === this.path;
  }
  static open(path: string, _mode: 'read' | 'write' | 'read-write'): HostFile {
    return new HostFile(path);
  }
  [Symbol.dispose](): void {}
}
class HostToken {
  value(): bigint {
    return 1n;
  }
}

const store: Store = {
  get: (key) => key,
  set: async () => {},
  now: () => 0n,
  log: () => {},
  close: () => {},
  mint: () => new HostToken(),
  check: (_t, m) => m !== 'write',
  File: HostFile,
  Token: HostToken,
};

// Correct code compiles, and the exports are typed by the world.
export async function correct(): Promise<void> {
  const plugin = await loadPlugin('every.wasm', {
    world: everyType,
    imports: { 'test:every-type/host-store@0.2.0': store, $root: { greet: async (name) => `hi ${name}` } },
  });
  const api = plugin.exports.api;
  const c = new api.Counter(1);
  const total: number = c.add(2);
  const merged = api.Counter.merge(c, c);
  merged[Symbol.dispose]();
  const bytes: Uint8Array = api.arrays(
    new Uint8Array(),
    new Int8Array(),
    new Uint16Array(),
    new Int16Array(),
    new Uint32Array(),
    new Int32Array(),
    new BigUint64Array(),
    new BigInt64Array(),
    new Float32Array(),
    new Float64Array(),
    [true],
    ['x'],
  );
  const shape = api.fallible({ deep: { tag: 'none' }, type: 't', tags: [] });
  if (shape.tag === 'circle') shape.val.toFixed();
  const same: number = plugin.exports['test:every-type/api@0.2.0'].finish(c) + total + bytes.length;
  plugin.exports.run(['a']);
  void same;
}

// The managed host: `get` with the binding gives the asynchronous exports.
export async function managed(host: PluginHost): Promise<void> {
  const plugin = host.get('every', { world: everyType });
  const api = plugin.exports.api;
  const counter = await new api.Counter(1);
  const total: Promise<number> = counter.add(1);
  const merged = await api.Counter.merge(counter, counter);
  await merged.drop();
  await counter[Symbol.asyncDispose]();
  const peeked: number = await api.peek(counter);
  // @ts-expect-error calls through the host are asynchronous
  const notSync: number = api.peek(counter);
  // @ts-expect-error an async handle is not the synchronous class instance
  const sync: EveryType.TestEveryTypeApi.Counter = counter;
  const v: number = await plugin.exports.version();
  void total;
  void peeked;
  void notSync;
  void sync;
  void v;
}

export async function wrongImports(): Promise<void> {
  const root = { greet: (name: string) => name };
  await loadPlugin('x.wasm', {
    world: everyType,
    // @ts-expect-error a function of the imported interface is missing
    imports: { 'test:every-type/host-store@0.2.0': { ...store, get: undefined }, $root: root },
  });
  const { mint: _mint, ...noMint } = store;
  await loadPlugin('x.wasm', {
    world: everyType,
    // @ts-expect-error `mint` is missing
    imports: { 'test:every-type/host-store@0.2.0': noMint, $root: root },
  });
  await loadPlugin('x.wasm', {
    world: everyType,
    imports: {
      // @ts-expect-error wrong parameter type: `get` takes a string key
      'test:every-type/host-store@0.2.0': { ...store, get: (key: number) => String(key) },
      $root: root,
    },
  });
  await loadPlugin('x.wasm', {
    world: everyType,
    // @ts-expect-error wrong return type: `now` returns a bigint (u64)
    imports: { 'test:every-type/host-store@0.2.0': { ...store, now: () => 0 }, $root: root },
  });
  const { File: _file, ...noFile } = store;
  await loadPlugin('x.wasm', {
    world: everyType,
    // @ts-expect-error the class for resource `file` is missing
    imports: { 'test:every-type/host-store@0.2.0': noFile, $root: root },
  });
  await loadPlugin('x.wasm', {
    world: everyType,
    imports: {
      'test:every-type/host-store@0.2.0': {
        ...store,
        // @ts-expect-error a resource class whose method has the wrong result
        Token: class {
          value() {
            return 'x';
          }
        },
      },
      $root: root,
    },
  });
  // @ts-expect-error the world-level import `greet` is missing
  await loadPlugin('x.wasm', { world: everyType, imports: { 'test:every-type/host-store@0.2.0': store } });
  // @ts-expect-error the imported interface is missing altogether
  await loadPlugin('x.wasm', { world: everyType, imports: { $root: root } });
  await loadPlugin('x.wasm', {
    world: notesPlugin,
    // @ts-expect-error notes plugins need the host store's `set`
    imports: { 'acme:notes/host-store@0.1.0': { get: () => undefined } },
  });
  // WASI is witkit's to provide: not part of the imports type.
  await loadPlugin('x.wasm', {
    world: notesPlugin,
    imports: { 'acme:notes/host-store@0.1.0': { get: () => undefined, set: () => {} } },
  });
}

export async function wrongArguments(): Promise<void> {
  const plugin = await loadPlugin('every.wasm', {
    world: everyType,
    imports: { 'test:every-type/host-store@0.2.0': store, $root: { greet: (n) => n } },
  });
  const api = plugin.exports.api;
  // @ts-expect-error `scalars` takes a bigint for its u64
  api.scalars(true, 1, 1, 1, 1, 1, 1, 1n, 1, 1, 1, 'c', 's');
  // @ts-expect-error the counter's constructor takes a number
  new api.Counter('one');
  // @ts-expect-error an enum is one of its case names
  api.misc({ tag: 'empty' }, 'append', {}, 0n);
  // @ts-expect-error a variant case carries its payload type
  api.misc({ tag: 'circle', val: 'round' }, 'read', {}, 0n);
  // @ts-expect-error flags are named booleans
  api.misc({ tag: 'empty' }, 'read', { canExecute: true }, 0n);
  api.arrays(
    // @ts-expect-error `list<u8>` is a Uint8Array
    [1],
    new Int8Array(),
    new Uint16Array(),
    new Int16Array(),
    new Uint32Array(),
    new Int32Array(),
    new BigUint64Array(),
    new BigInt64Array(),
    new Float32Array(),
    new Float64Array(),
    [],
    [],
  );
  // @ts-expect-error `version` takes no arguments
  plugin.exports.version(1);
  const notes = await loadPlugin('n.wasm', {
    world: notesPlugin,
    imports: { 'acme:notes/host-store@0.1.0': { get: () => undefined, set: () => {} } },
  });
  // @ts-expect-error the notes world has no `api`
  notes.exports.api;
  const saved: string = notes.exports.notes.save({ title: 't', body: 'b' });
  void saved;
}
