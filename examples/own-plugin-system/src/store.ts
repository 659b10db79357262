// The application's side of `acme:notes/host-store`: a store with the application's own rules,
// and the journals plugins write to. Typed by the bindings `witkit wit types` generated, so an
// implementation that does not match the WIT does not compile.
import type { Imports } from './generated/notes-plugin.js';

/** What the application implements for plugins, per plugin. */
export type HostStore = Imports['acme:notes/host-store@0.1.0'];

/** The application's notes store, shared by every plugin; each plugin gets its own journals. */
export class NotesStore {
  readonly #entries = new Map<string, string>();
  /** Journal lines by `<plugin>: <journal name>`. */
  readonly journals = new Map<string, string[]>();
  /** Journals whose plugin resource was dropped. */
  readonly closed: string[] = [];
  readonly #maxBytes: number;

  constructor({ maxBytes = 1024 }: { maxBytes?: number } = {}) {
    this.#maxBytes = maxBytes;
  }

  /** Everything stored, by key. */
  entries(): ReadonlyMap<string, string> {
    return this.#entries;
  }

  /** The `host-store` interface as plugin `plugin` sees it. */
  forPlugin(plugin: string): HostStore {
    const store = this;
    return {
      get: (key) => this.#entries.get(key),
      put: (key, value) => {
        // Thrown strings are the `err` of `result<_, string>`: the plugin gets the reason.
        if (new TextEncoder().encode(value).length > this.#maxBytes)
          throw `notes are at most ${this.#maxBytes} bytes`;
        this.#entries.set(key, value);
      },
      Journal: class Journal {
        readonly #name: string;
        constructor(name: string) {
          this.#name = `${plugin}: ${name}`;
          store.journals.set(this.#name, []);
        }
        append(line: string): number {
          const lines = store.journals.get(this.#name)!;
          lines.push(line);
          return lines.length;
        }
        /** Called when the plugin drops its last handle to the journal. */
        [Symbol.dispose](): void {
          store.closed.push(this.#name);
        }
      },
    };
  }
}
