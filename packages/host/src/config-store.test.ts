import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileConfigStore } from './config-store.js';

describe('FileConfigStore', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'witkit-store-'));
    dirs.push(dir);
    return join(dir, 'nested', 'config.json');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('persists every change, so a new store on the same file sees it', () => {
    const file = fresh();
    const store = new FileConfigStore(file);
    store.set('b', '2');
    store.set('a', '1');
    store.set('b', 'two');
    store.delete('missing');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: '1', b: 'two' });
    const reopened = new FileConfigStore(file);
    expect(reopened.get('b')).toBe('two');
    reopened.delete('a');
    expect(new FileConfigStore(file).listKeys('')).toEqual(['b']);
  });

  it('lists keys by prefix in sorted order', () => {
    const store = new FileConfigStore(fresh());
    for (const k of ['count/z', 'count/a', 'other', 'count/m']) store.set(k, 'x');
    expect(store.listKeys('count/')).toEqual(['count/a', 'count/m', 'count/z']);
    expect(store.get('nope')).toBeUndefined();
  });

  it('leaves no temp files beside the store after writing', () => {
    const file = fresh();
    const store = new FileConfigStore(file);
    for (let i = 0; i < 20; i++) store.set(`k${i}`, String(i));
    expect(readdirSync(join(file, '..'))).toEqual(['config.json']);
  });

  it('keeps its state and leaves no temp file when a write fails', () => {
    const file = fresh();
    const store = new FileConfigStore(file);
    store.set('before', '1');
    expect(store.get('before')).toBe('1');
    // A non-empty directory where the file was makes the final rename fail, even for root.
    rmSync(file);
    mkdirSync(join(file, 'occupied'), { recursive: true });
    expect(() => store.set('x', '1')).toThrow();
    expect(store.get('x')).toBeUndefined();
    expect(store.get('before')).toBe('1');
    expect(readdirSync(join(file, '..'))).toEqual(['config.json']);
  });

  it('refuses a file that does not hold a JSON object, naming it', () => {
    const file = fresh();
    const store = new FileConfigStore(file);
    store.set('a', '1');
    writeFileSync(file, '[1,2]');
    expect(() => new FileConfigStore(file).get('a')).toThrow(
      `config store \`${file}\` does not hold a JSON object`,
    );
  });
});
