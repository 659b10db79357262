// What the application's own imports and resources cost per call, through PluginHost, with the
// example's Rust notes plugin (examples/own-plugin-system): a call that calls no import
// (`describe`), one that calls one host function (`notes.file` -> `put`), and a method of an
// exported resource that calls a method of an imported one (`notebook.add` -> `journal.append`),
// in the host's thread and in a worker (where the import crosses back to the host thread;
// also with an async host function).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PluginHost } from '@witkit/host';
import { pino } from 'pino';
import { type BenchResult, measureAsync } from '../lib/measure.ts';

const component = join(
  dirname(createRequire(import.meta.url).resolve('@witkit-examples/notes-rust/package.json')),
  'dist',
  'notes-rust.wasm',
);

type Notes = {
  describe(): Promise<string>;
  notes: {
    file(n: { title: string; body: string }): Promise<string>;
    Notebook: new (owner: string) => Promise<{ add(n: { title: string; body: string }): Promise<number> }>;
  };
};

/** The host side of `acme:notes/host-store`: a map, and journals that keep only a count. */
function hostStore(asyncPut: boolean) {
  const store = new Map<string, string>();
  return {
    get: (key: string) => store.get(key),
    put: asyncPut
      ? async (key: string, value: string) => void store.set(key, value)
      : (key: string, value: string) => void store.set(key, value),
    Journal: class {
      lines = 0;
      append(_line: string): number {
        return ++this.lines;
      }
    },
  };
}

export async function hostImportsSuite(): Promise<BenchResult[]> {
  const results: Array<Omit<BenchResult, 'ratio' | 'baseline'>> = [];
  const note = { title: 'Weekly plan', body: 'ship it' };
  const cases = [
    { way: 'in-thread', isolation: 'in-thread', asyncPut: false },
    { way: 'worker', isolation: 'worker', asyncPut: false },
    { way: 'worker, async host function', isolation: 'worker', asyncPut: true },
  ] as const;
  for (const c of cases) {
    const host = new PluginHost({
      cacheDir: join(import.meta.dirname, '..', '.cache', 'transpiled'),
      dataDir: join(import.meta.dirname, '..', '.cache', 'data'),
      logger: pino({ level: 'silent' }),
      imports: { 'acme:notes/host-store@0.1.0': hostStore(c.asyncPut) },
    });
    const plugin = await host.load({ path: component, isolation: c.isolation });
    const exports = plugin.exports as unknown as Notes;
    if ((await exports.notes.file(note)) !== 'notes/weekly-plan') throw new Error('`file` gave a wrong key');
    const book = await new exports.notes.Notebook('bench');
    const before = await book.add(note);
    if ((await book.add(note)) !== before + 1) throw new Error('`add` did not count');
    const timed = async (name: string, fn: () => Promise<unknown>) =>
      results.push({ name: `${name}, ${c.way}`, ...(await measureAsync(fn)) });
    if (!c.asyncPut) await timed('describe (no import)', () => exports.describe());
    await timed('file (one host function)', () => exports.notes.file(note));
    if (!c.asyncPut)
      await timed('notebook.add (resource method -> imported resource method)', () => book.add(note));
    await host.shutdown();
  }
  const base = (name: string) =>
    results.find(
      (r) => r.name === `describe (no import), ${name.endsWith('in-thread') ? 'in-thread' : 'worker'}`,
    )!;
  return results.map((r) => {
    const b = base(r.name);
    return {
      ...r,
      medianNs: Math.round(r.medianNs),
      p99Ns: Math.round(r.p99Ns),
      ratio: r.medianNs / b.medianNs,
      baseline: b.name,
    };
  });
}
