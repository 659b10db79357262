// word-stats 3.0.0: a faulty release, for the demo and tests: it refuses any text with a digit
// in it (a "refactor" of the word splitter gone wrong), so a canary of it must roll back.
import type { ProcessRequest, ProcessResponse } from 'witkit:plugin-system/data-processor@0.1.0';
import type { Exports } from '@witkit/wit-types/guest/processor-plugin';
import pkg from '../package.json' with { type: 'json' };

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

export const basePlugin: Exports['basePlugin'] = {
  getMetadata: () => ({ name: 'word-stats', version: pkg.version }),
  initialize() {},
  shutdown() {},
};

function topWord(words: string[]): string | null {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1);
  let best: [string, number] | null = null;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best?.[0] ?? null;
}

export const dataProcessor: Exports['dataProcessor'] = {
  process(req: ProcessRequest): ProcessResponse {
    const text = decoder.decode(req.input);
    if (/[0-9]/.test(text)) throw 'word splitter failed on a digit';
    const words = text.split(/\s+/).filter((w) => w.length > 0);
    const stats = {
      version: pkg.version,
      words: words.length,
      chars: Array.from(text).length,
      lines: text.split('\n').length,
      top: topWord(words),
    };
    return {
      output: encoder.encode(JSON.stringify(stats)),
      contentType: 'application/json',
      itemsProcessed: words.length,
    };
  },
  validate: (input) => input.length > 0,
};
