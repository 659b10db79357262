import { Logger } from 'witkit:host-api/host-services@0.1.0';
import type { ProcessRequest, ProcessResponse } from 'witkit:plugin-system/data-processor@0.1.0';
import type { Exports } from '@witkit/wit-types/guest/processor-plugin';
import pkg from '../package.json' with { type: 'json' };

const transforms: Record<string, (text: string) => string> = {
  upper: (t) => t.toUpperCase(),
  lower: (t) => t.toLowerCase(),
  // By code point, so characters outside the BMP stay whole.
  reverse: (t) => Array.from(t).reverse().join(''),
  title: (t) =>
    t.toLowerCase().replace(/(^|\s)(\S)/g, (_, space: string, c: string) => space + c.toUpperCase()),
  snake: (t) => words(t).join('_'),
  kebab: (t) => words(t).join('-'),
};

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();
let defaultMode = 'upper';
let logger: Logger | undefined;

export const basePlugin: Exports['basePlugin'] = {
  getMetadata: () => ({ name: 'text-transformer', version: pkg.version }),
  initialize(config) {
    logger = new Logger();
    for (const [key, value] of config) {
      if (key !== 'default-mode') throw `unknown config key \`${key}\`; expected \`default-mode\``;
      if (!(value in transforms))
        throw `unknown mode \`${value}\`; expected one of ${Object.keys(transforms).join(', ')}`;
      defaultMode = value;
    }
    logger.log('info', `ready, default mode ${defaultMode}`);
  },
  shutdown() {
    logger?.log('info', 'shutting down');
  },
};

export const dataProcessor: Exports['dataProcessor'] = {
  process(req: ProcessRequest): ProcessResponse {
    const mediaType = req.contentType.split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'text/plain')
      throw `unsupported content type \`${req.contentType}\`; expected text/plain`;
    const mode = req.options.find(([key]) => key === 'mode')?.[1] ?? defaultMode;
    const transform = transforms[mode];
    if (!transform) throw `unknown mode \`${mode}\`; expected one of ${Object.keys(transforms).join(', ')}`;
    let text: string;
    try {
      text = decoder.decode(req.input);
    } catch {
      throw 'input is not valid UTF-8';
    }
    const lines = text.split('\n');
    logger?.log('debug', `${mode} on ${req.input.length} bytes`);
    return {
      output: encoder.encode(lines.map(transform).join('\n')),
      contentType: 'text/plain; charset=utf-8',
      itemsProcessed: lines.length,
    };
  },
  validate(input) {
    try {
      decoder.decode(input);
      return true;
    } catch {
      return false;
    }
  },
};
