// The example end to end: both plugins, built by the workspace's pipeline from the example's own
// WIT, loaded by the example's host with its store as their import.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotesApp } from '../src/main.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'witkit-example-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the own-plugin-system example', () => {
  it('drives the Rust and the TypeScript plugin through the application store and their notebooks', async () => {
    const lines: string[] = [];
    const store = await runNotesApp((line) => lines.push(line), dataDir);
    expect(lines).toEqual([
      'notes-rust: notes-rust 1.0.0: counts words, files notes under notes/<slug>',
      'notes-rust: 2 notes; ada has 2 notes, 10 words',
      'notes-rust: filed as notes/weekly-plan',
      'notes-rust: refused: a note needs a title with a letter or digit in it',
      'notes-rust: refused: notes are at most 64 bytes',
      'notes-ts: notes-ts 1.0.0: lists titles, files notes under ts/<title>',
      'notes-ts: 2 notes; ada: Groceries, Ideas',
      'notes-ts: filed as ts/Weekly plan',
      'notes-ts: refused: a note needs a title',
      'notes-ts: refused: notes are at most 64 bytes',
      'journal notes-rust: notes-rust/ada: added `Groceries`; added `Ideas`',
      'journal notes-ts: notes-ts/ada: added `Groceries`; added `Ideas`',
      'store: notes/weekly-plan, ts/Weekly plan',
    ]);
    expect(Object.fromEntries(store.entries())).toEqual({
      'notes/weekly-plan': 'ship it',
      'ts/Weekly plan': 'ship it',
    });
    // The Rust notebook dropped its journal when the host dropped the notebook.
    expect(store.closed).toContain('notes-rust: notes-rust/ada');
  });
});
