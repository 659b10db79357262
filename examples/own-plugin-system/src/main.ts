// A host of the application's own plugin system: it loads every notes plugin (one written in
// Rust, one in TypeScript) with the application's store as their `host-store` import, and
// drives the same work through each. Run it with `pnpm start` after `pnpm build`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isPluginError, PluginHost } from '@witkit/host';
import { pino } from 'pino';
import { notesPlugin } from './generated/notes-plugin.js';
import { NotesStore } from './store.ts';

const require = createRequire(import.meta.url);
const componentOf = (pkg: string, file: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);

/** The example's plugins, as their builds write them. */
export const plugins = [
  { name: 'notes-rust', path: componentOf('@witkit-examples/notes-rust', 'notes-rust.wasm') },
  { name: 'notes-ts', path: componentOf('@witkit-examples/notes-ts', 'notes-ts.wasm') },
];

/** Runs the example: what each plugin answered goes to `print`; resolves to the store. */
export async function runNotesApp(
  print: (line: string) => void,
  dataDir = '.witkit/example',
): Promise<NotesStore> {
  const store = new NotesStore({ maxBytes: 64 });
  const host = new PluginHost({
    dataDir,
    logger: pino({ level: 'warn' }),
    // Every plugin gets the store, with journals of its own.
    imports: (plugin) => ({ 'acme:notes/host-store@0.1.0': store.forPlugin(plugin.name) }),
  });
  try {
    for (const plugin of plugins) await host.load({ ...plugin, world: notesPlugin });
    for (const { name } of plugins) {
      const plugin = host.get(name, { world: notesPlugin });
      print(`${name}: ${await plugin.exports.describe()}`);
      // A resource the plugin exports: constructed through the host, used, dropped.
      const book = await new plugin.exports.notes.Notebook('ada');
      await book.add({ title: 'Groceries', body: 'milk, eggs and bread' });
      const count = await book.add({ title: 'Ideas', body: 'a plugin system of our own' });
      print(`${name}: ${count} notes; ${await book.summary()}`);
      await book.drop();
      print(
        `${name}: filed as ${await plugin.exports.notes.file({ title: 'Weekly plan', body: 'ship it' })}`,
      );
      for (const note of [
        { title: ' ', body: 'untitled' },
        { title: 'Essay', body: 'x'.repeat(100) },
      ]) {
        try {
          await plugin.exports.notes.file(note);
        } catch (error) {
          // The plugin's `err` (its own, or the store's reason passed on) arrives typed.
          if (!isPluginError(error) || error.code !== 'WITKIT_PLUGIN_ERROR') throw error;
          print(`${name}: refused: ${String(error.payload)}`);
        }
      }
    }
  } finally {
    await host.shutdown();
  }
  for (const [journal, lines] of store.journals) print(`journal ${journal}: ${lines.join('; ')}`);
  print(`store: ${[...store.entries().keys()].join(', ')}`);
  return store;
}

if (import.meta.main) await runNotesApp((line) => console.log(line));
