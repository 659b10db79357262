// Compile-time checks of the example's generated bindings (`tsc --noEmit` runs over this file):
// an `@ts-expect-error` that stops being an error fails the typecheck.
import { loadPlugin, PluginHost } from '@witkit/host';
import { notesPlugin as world } from '../src/generated/notes-plugin.js';
import { NotesStore } from '../src/store.ts';

const store = new NotesStore().forPlugin('p');
const id = 'acme:notes/host-store@0.1.0';
export const ok = loadPlugin('x.wasm', { world, imports: { [id]: store } });

const noPut = { get: store.get, Journal: store.Journal };
// @ts-expect-error the store's `put` is missing
loadPlugin('x.wasm', { world, imports: { [id]: noPut } });
const badGet = { ...store, get: () => 42 };
// @ts-expect-error `get` must answer a string or nothing
loadPlugin('x.wasm', { world, imports: { [id]: badGet } });

export async function calls(): Promise<string> {
  const plugin = await ok;
  // @ts-expect-error a note is a record, not a string
  plugin.exports.notes.file('title');
  const host = new PluginHost();
  const p = host.get('notes-rust', { world });
  const book = await new p.exports.notes.Notebook('ada');
  // @ts-expect-error `add` takes a note
  await book.add(1);
  return book.summary();
}
