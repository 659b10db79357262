// A notes plugin in TypeScript: notebooks list their titles, and files go to the application's
// store under `ts/<title>`. Types come from `witkit wit types ../../wit --guest`.
import { get, Journal, put } from 'acme:notes/host-store@0.1.0';
import type { Exports } from './generated/guest/notes-plugin/index.js';

type Note = { title: string; body: string };

class Notebook {
  readonly #owner: string;
  readonly #titles: string[] = [];
  readonly #journal: Journal;

  constructor(owner: string) {
    this.#owner = owner;
    this.#journal = new Journal(`notes-ts/${owner}`);
  }

  add(n: Note): number {
    this.#journal.append(`added \`${n.title}\``);
    this.#titles.push(n.title);
    return this.#titles.length;
  }

  summary(): string {
    return `${this.#owner}: ${this.#titles.join(', ')}`;
  }
}

export const notes: Exports['notes'] = {
  Notebook,
  file(n: Note): string {
    const title = n.title.trim();
    if (title === '') throw 'a note needs a title';
    const key = `ts/${title}`;
    // Keep what is there: a second note of the same title is appended to the first.
    // QuickJS hands a `none` over as `null` (jco's types say `undefined`): take both.
    const earlier = get(key) ?? undefined;
    put(key, earlier === undefined ? n.body : `${earlier}\n${n.body}`);
    return key;
  },
};

export const describe: Exports['describe'] = () =>
  'notes-ts 1.0.0: lists titles, files notes under ts/<title>';
