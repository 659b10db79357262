// An application's own plugin system: a world of its own WIT (`acme:notes`, the notes-rs fixture)
// whose imports the host implements in JS (functions, a world function, a resource class) and
// whose exported resource the host constructs and calls, in this thread and in workers.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildRustPlugin } from '@witkit/build';
import { isPluginError, loadPlugin, PluginHost } from '@witkit/host';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = new URL('../fixtures/notes-rs/', import.meta.url).pathname;
const targetDir = new URL('../target', import.meta.url).pathname;
const work = tempDir('witkit-notes-');
let component: string;

beforeAll(async () => {
  const crate = join(work.dir, 'notes-rs');
  for (const part of ['Cargo.toml', 'src', 'wit'])
    cpSync(join(fixture, part), join(crate, part), { recursive: true });
  component = (await buildRustPlugin(crate, { targetDir })).componentPath;
});
afterAll(() => work.cleanup());

/** The host side of `acme:notes/host-store`, recording what the guest did with it. */
function notesHost({ asyncGet = false } = {}) {
  const store = new Map<string, string>();
  const journals: Journal[] = [];
  const disposed: string[] = [];
  const logged: string[] = [];
  class Journal {
    readonly lines: string[] = [];
    constructor(readonly name: string) {
      journals.push(this);
    }
    append(line: string): number {
      this.lines.push(line);
      return this.lines.length;
    }
    [Symbol.dispose](): void {
      disposed.push(this.name);
    }
  }
  const get = (key: string) => store.get(key);
  const imports = {
    'acme:notes/host-store@0.1.0': {
      get: asyncGet ? async (key: string) => new Promise((r) => setTimeout(() => r(get(key)), 5)) : get,
      set: (key: string, value: string) => void store.set(key, value),
      trySet(key: string, value: string) {
        if (value.includes('forbidden')) throw 'the store refuses forbidden words';
        store.set(key, value);
      },
      Journal,
    },
    $root: { hostLog: (msg: string) => void logged.push(msg) },
  };
  return { store, journals, disposed, logged, imports };
}

describe('loadPlugin with imports from the application', () => {
  it('calls the host functions, the world function and the resource class the host passes', async () => {
    const h = notesHost();
    const logs = captureLogger();
    const plugin = await loadPlugin(component, {
      imports: h.imports,
      logger: logs.logger,
      cacheDir: join(work.dir, 'cache'),
    });
    const notes = plugin.exports.notes as Record<string, (...a: unknown[]) => unknown>;
    expect((plugin.exports as { version: () => string }).version()).toBe('1.0.0');
    expect(h.logged).toEqual(['version asked']);
    expect(logs.lines.some((l) => l.msg === 'notes-rs 1.0.0' && l.stream === 'stdout')).toBe(true);
    expect(notes.save!({ title: 'todo', body: 'milk' })).toBe(4);
    expect(h.store.get('todo')).toBe('milk');
    expect(notes.load!('todo')).toEqual({ title: 'todo', body: 'milk' });
    expect(notes.load!('nothing')).toBeUndefined();
  });

  it('turns an err the host throws, and one the plugin returns, into WITKIT_PLUGIN_ERROR with the payload', async () => {
    const h = notesHost();
    const plugin = await loadPlugin(component, { imports: h.imports, cacheDir: join(work.dir, 'cache') });
    const notes = plugin.exports.notes as Record<string, (...a: unknown[]) => unknown>;
    expect(() => notes.save!({ title: 't', body: 'forbidden text' })).toThrow(
      expect.objectContaining({ code: 'WITKIT_PLUGIN_ERROR', payload: 'the store refuses forbidden words' }),
    );
    expect(() => notes.save!({ title: '', body: 'x' })).toThrow(
      expect.objectContaining({ code: 'WITKIT_PLUGIN_ERROR', payload: 'a note needs a title' }),
    );
    expect(h.store.size).toBe(0);
  });

  it('constructs exported resources, calls their methods and statics, and drops them', async () => {
    const h = notesHost();
    const plugin = await loadPlugin(component, { imports: h.imports, cacheDir: join(work.dir, 'cache') });
    type Book = { add(n: unknown): number; count(): number; drop(): void; [Symbol.dispose](): void };
    const { Notebook, total, starter } = plugin.exports.notes as unknown as {
      Notebook: (new (owner: string) => Book) & { find(title: string): unknown };
      total(a: Book, b: Book): number;
      starter(owner: string): Book;
    };
    const ann = new Notebook('ann');
    expect(ann.add({ title: 'a', body: '1' })).toBe(1);
    expect(ann.add({ title: 'b', body: '2' })).toBe(2);
    expect(h.journals.map((j) => [j.name, j.lines])).toEqual([['ann', ['ann added a', 'ann added b']]]);
    h.store.set('kept', 'body');
    expect(Notebook.find('kept')).toEqual({ title: 'kept', body: 'body' });
    const bob = starter('bob');
    expect(bob.count()).toBe(1);
    expect(total(ann, bob)).toBe(3);
    ann[Symbol.dispose]();
    // The guest dropped its journal with the notebook: the host's object heard of it.
    expect(h.disposed).toEqual(['ann']);
    expect(() => ann.count()).toThrow(expect.objectContaining({ code: 'WITKIT_RESOURCE_GONE' }));
    bob.drop();
    expect(h.disposed).toEqual(['ann', 'bob']);
  });

  it('refuses a component whose imports the host did not implement, saying what to pass', async () => {
    const error = await loadPlugin(component, { cacheDir: join(work.dir, 'cache') }).catch((e: unknown) => e);
    expect(isPluginError(error) && error.code).toBe('WITKIT_MISSING_IMPORT');
    expect((error as Error).message).toContain(
      "pass `imports: { 'acme:notes/host-store@0.1.0': { get(key), trySet(key, value), Journal: class { constructor(name); append(line) } } }`",
    );
    const h = notesHost();
    const { trySet: _, ...partial } = h.imports['acme:notes/host-store@0.1.0'];
    const missing = await loadPlugin(component, {
      cacheDir: join(work.dir, 'cache'),
      imports: { ...h.imports, 'acme:notes/host-store@0.1.0': partial },
    }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/imports `trySet` of `acme:notes\/host-store@0\.1\.0`/);
    const noRoot = await loadPlugin(component, {
      cacheDir: join(work.dir, 'cache'),
      imports: { 'acme:notes/host-store@0.1.0': h.imports['acme:notes/host-store@0.1.0'] },
    }).catch((e: unknown) => e);
    expect((noRoot as Error).message).toContain("pass `imports: { '$root': { hostLog(msg) } }`");
  });

  it('refuses imports of the wrong kind and attempts to replace WASI', async () => {
    const h = notesHost();
    const wrongKind = await loadPlugin(component, {
      cacheDir: join(work.dir, 'cache'),
      imports: {
        ...h.imports,
        'acme:notes/host-store@0.1.0': { ...h.imports['acme:notes/host-store@0.1.0'], get: 42 },
      },
    }).catch((e: unknown) => e);
    expect(wrongKind).toMatchObject({ code: 'WITKIT_INVALID_IMPORT' });
    expect((wrongKind as Error).message).toContain('`get` must be a function, not number');
    const wasi = await loadPlugin(component, {
      cacheDir: join(work.dir, 'cache'),
      imports: { ...h.imports, 'wasi:cli/environment@0.2.6': { getEnvironment: () => [] } },
    }).catch((e: unknown) => e);
    expect(wasi).toMatchObject({ code: 'WITKIT_INVALID_IMPORT' });
  });

  it('accepts the unversioned interface id too', async () => {
    const h = notesHost();
    const plugin = await loadPlugin(component, {
      cacheDir: join(work.dir, 'cache'),
      imports: { 'acme:notes/host-store': h.imports['acme:notes/host-store@0.1.0'], $root: h.imports.$root },
    });
    expect((plugin.exports as { version: () => string }).version()).toBe('1.0.0');
  });
});

describe.each(['in-thread', 'worker'] as const)('PluginHost with application imports (%s)', (isolation) => {
  it('serves imports (async ones in workers), host-wide and per plugin, and exported resources as handles', async () => {
    const h = notesHost({ asyncGet: isolation === 'worker' });
    const logs = captureLogger();
    const seen: string[] = [];
    const host = new PluginHost({
      cacheDir: join(work.dir, 'cache'),
      dataDir: join(work.dir, `data-${isolation}`),
      logger: logs.logger,
      // Host-wide, made per plugin version: the store of this application.
      imports: (p) => {
        seen.push(`${p.name}@${p.version}`);
        return { 'acme:notes/host-store@0.1.0': h.imports['acme:notes/host-store@0.1.0'] };
      },
    });
    try {
      const plugin = await host.load({
        path: component,
        isolation,
        version: '1.0.0',
        imports: { $root: h.imports.$root },
      });
      expect(seen).toEqual(['notes-rs@1.0.0']);
      const exports = plugin.exports as {
        version(): Promise<string>;
        notes: {
          save(n: unknown): Promise<number>;
          load(t: string): Promise<unknown>;
          total(a: unknown, b: unknown): Promise<number>;
          starter(owner: string): Promise<{ count(): Promise<number>; drop(): Promise<void> }>;
          Notebook: (new (
            owner: string,
          ) => Promise<{
            add(n: unknown): Promise<number>;
            count(): Promise<number>;
            drop(): Promise<void>;
            [Symbol.asyncDispose](): Promise<void>;
          }>) & { find(t: string): Promise<unknown> };
        };
      };
      expect(await exports.version()).toBe('1.0.0');
      expect(h.logged).toEqual(['version asked']);
      expect(await exports.notes.save({ title: 'x', body: 'yz' })).toBe(2);
      expect(await exports.notes.load('x')).toEqual({ title: 'x', body: 'yz' });
      await expect(exports.notes.save({ title: 'x', body: 'forbidden' })).rejects.toMatchObject({
        code: 'WITKIT_PLUGIN_ERROR',
        payload: 'the store refuses forbidden words',
      });
      const ann = await new exports.notes.Notebook('ann');
      expect(await ann.add({ title: 'a', body: '1' })).toBe(1);
      expect(await ann.count()).toBe(1);
      expect(await exports.notes.Notebook.find('x')).toEqual({ title: 'x', body: 'yz' });
      const bob = await exports.notes.starter('bob');
      expect(await bob.count()).toBe(1);
      expect(await exports.notes.total(ann, bob)).toBe(2);
      await ann[Symbol.asyncDispose]();
      expect(h.disposed).toEqual(['ann']);
      await expect(ann.count()).rejects.toMatchObject({ code: 'WITKIT_RESOURCE_GONE' });
      await bob.drop();
      expect(h.disposed).toEqual(['ann', 'bob']);
    } finally {
      await host.shutdown();
    }
  });

  it('refuses a missing import at load, naming the interface', async () => {
    const host = new PluginHost({
      cacheDir: join(work.dir, 'cache'),
      dataDir: join(work.dir, `data-${isolation}`),
      logger: captureLogger().logger,
    });
    try {
      await expect(host.load({ path: component, isolation })).rejects.toMatchObject({
        code: 'WITKIT_MISSING_IMPORT',
        message: expect.stringContaining('`acme:notes/host-store@0.1.0`'),
      });
    } finally {
      await host.shutdown();
    }
  });
});

describe('resources of a plugin with several workers', () => {
  it('refuses a call that combines resources of two instances with WITKIT_RESOURCE_MISMATCH', async () => {
    const h = notesHost();
    const host = new PluginHost({
      cacheDir: join(work.dir, 'cache'),
      dataDir: join(work.dir, 'data-mismatch'),
      logger: captureLogger().logger,
    });
    try {
      const plugin = await host.load({
        path: component,
        isolation: 'worker',
        maxInstances: 2,
        imports: h.imports,
      });
      type Handle = { count(): Promise<number> };
      const notes = plugin.exports.notes as {
        Notebook: new (owner: string) => Promise<Handle>;
        total(a: Handle, b: Handle): Promise<number>;
      };
      // Made at the same time, they are made by the two workers.
      const [a, b] = await Promise.all([new notes.Notebook('a'), new notes.Notebook('b')]);
      await expect(notes.total(a, b)).rejects.toMatchObject({ code: 'WITKIT_RESOURCE_MISMATCH' });
      expect(await notes.total(a, a)).toBe(0);
    } finally {
      await host.shutdown();
    }
  });
});

describe('a handle the application forgets', () => {
  it('drops the resource in its worker once the handle is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const h = notesHost();
    const host = new PluginHost({
      cacheDir: join(work.dir, 'cache'),
      dataDir: join(work.dir, 'data-gc'),
      logger: captureLogger().logger,
    });
    try {
      const plugin = await host.load({ path: component, isolation: 'worker', imports: h.imports });
      const notes = plugin.exports.notes as {
        Notebook: new (owner: string) => Promise<{ count(): Promise<number> }>;
      };
      await (async () => {
        const forgotten = await new notes.Notebook('forgotten');
        expect(await forgotten.count()).toBe(0);
      })();
      for (let i = 0; i < 50 && !h.disposed.includes('forgotten'); i++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(h.disposed).toEqual(['forgotten']);
    } finally {
      await host.shutdown();
    }
  });
});

describe('an async host import in the host thread', () => {
  it('fails the call with WITKIT_INVALID_IMPORT and discards the instance', async () => {
    const h = notesHost({ asyncGet: true });
    const host = new PluginHost({
      cacheDir: join(work.dir, 'cache'),
      dataDir: join(work.dir, 'data-async'),
      logger: captureLogger().logger,
    });
    try {
      const plugin = await host.load({ path: component, isolation: 'in-thread', imports: h.imports });
      const notes = plugin.exports as { notes: { load(t: string): Promise<unknown> } };
      await expect(notes.notes.load('x')).rejects.toMatchObject({
        code: 'WITKIT_INVALID_IMPORT',
        message: expect.stringContaining('run the plugin in worker isolation'),
      });
      expect(plugin.metrics.snapshot().instances.discarded).toBe(1);
    } finally {
      await host.shutdown();
    }
  });
});
