import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/**
 * A plugin's persistent key-value store: one JSON file, rewritten atomically (temp file,
 * fsync, rename) on every change, so a crash leaves the old or the new content, never half.
 *
 * Synchronous on purpose: the guest's `config-store` calls are synchronous imports.
 */
export class FileConfigStore {
  readonly #file: string;
  #entries: Map<string, string> | undefined;

  /** @param file - the JSON file; created with its folder on the first write */
  constructor(file: string) {
    this.#file = file;
  }

  /** Path of the backing file. */
  get file(): string {
    return this.#file;
  }

  #load(): Map<string, string> {
    if (this.#entries) return this.#entries;
    let text: string | undefined;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parsed: unknown = text === undefined ? {} : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`config store \`${this.#file}\` does not hold a JSON object`);
    }
    this.#entries = new Map(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    return this.#entries;
  }

  #save(entries: Map<string, string>): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    const sorted = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileAtomic.sync(this.#file, `${JSON.stringify(sorted, null, 2)}\n`);
  }

  /** The value under `key`, if any. */
  get(key: string): string | undefined {
    return this.#load().get(key);
  }

  /** Stores `value` under `key` and persists before returning. */
  set(key: string, value: string): void {
    const entries = new Map(this.#load());
    entries.set(key, value);
    this.#save(entries);
    this.#entries = entries;
  }

  /** Removes `key`; absent keys are not an error. */
  delete(key: string): void {
    const current = this.#load();
    if (!current.has(key)) return;
    const entries = new Map(current);
    entries.delete(key);
    this.#save(entries);
    this.#entries = entries;
  }

  /** Keys starting with `prefix`, sorted. */
  listKeys(prefix: string): string[] {
    return [...this.#load().keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
