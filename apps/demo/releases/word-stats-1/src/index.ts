// word-stats 1.0.0: counts the words and characters of UTF-8 text; answers JSON.
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

export const dataProcessor: Exports['dataProcessor'] = {
  process(req: ProcessRequest): ProcessResponse {
    const text = decoder.decode(req.input);
    const words = text.split(/\s+/).filter((w) => w.length > 0);
    const stats = { version: pkg.version, words: words.length, chars: Array.from(text).length };
    return {
      output: encoder.encode(JSON.stringify(stats)),
      contentType: 'application/json',
      itemsProcessed: words.length,
    };
  },
  validate: (input) => input.length > 0,
};
