import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPluginError, type LoadedPlugin, loadPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/text-transformer-rs.wasm', import.meta.url));
// The TypeScript plugin this one re-implements (a devDependency, so turbo builds it first).
const require = createRequire(import.meta.url);
const tsComponent = join(
  dirname(require.resolve('@witkit-plugins/text-transformer/package.json')),
  'dist/text-transformer.wasm',
);
const enc = new TextEncoder();
const dec = new TextDecoder();

type Processor = LoadedPlugin<WorldExports['processor-plugin']>;
const MODES = ['upper', 'lower', 'reverse', 'title', 'snake', 'kebab'];

/** Inputs where case mapping, `\s`, `\p{L}`/`\p{N}` and code points are easy to get wrong. */
const CORPUS = [
  'hello world',
  'the QUICK brown fox',
  'HelloWorld parseJSON',
  'abc123Def xmlHTTPRequest v2Beta',
  'Grüße aus Köln',
  'straße STRASSE',
  'ΣΑΣ ΟΔΟΣ σοφός',
  'İstanbul ıi',
  'ǆemal ǅ ǈ',
  'ﬁle ﬂow',
  'ÉCOLE été Ça',
  'ab😀c 😀x',
  '𐐨𐐩 Deseret',
  '  leading and trailing  ',
  'tab\tseparated\u000bvertical\u000cfeed',
  'nbsp\u00a0here and\u2003em\u3000ideographic',
  'nel\u0085next\ufeffbom',
  'snake_case-and-kebab.case/path',
  'हिन्दी भाषा',
  'Ⓐⓑ circled ① ½ Ⅻ',
  '日本語のテキスト',
  'mixed\r\ncrlf',
  '',
  'line one\nLine Two\n\nlast',
  'বাংলা ভাষা தமிழ் ไทย ภาษา',
  'مَرْحَبًا بِالعالم שָׁלוֹם',
  'cafe\u0301 nai\u0308ve',
  'Ω ohm K kelvin Å',
  'ŉ ǰ ΐ',
  '1st_Place2nd-PLACE 3RDplace',
  'ʼn ǅungla',
  'ⅰⅱⅲ Ⅳ',
  '\u2028ls\u2029ps\u180emvs',
  'a\u200bzero\u200cwidth\u200djoiner',
  'ꙮ ᏣᎳᎩ ᏌᏊ',
  '𝐀𝐁𝐂 𝟏𝟐',
  'Ｆｕｌｌｗｉｄｔｈ ＡＢＣ',
  'สวัสดี ครับ',
  'မြန်မာ ខ្មែរ',
  'ქართული አማርኛ 한국어 가',
  'か\u3099 ｶﾞ',
  'ꦗꦮ ᬩᬮᬶ',
];

describe('text-transformer-rs component', () => {
  const tmp = tempDir();
  const { logger, lines } = captureLogger();
  let plugin: Processor;
  let reference: Processor;

  beforeAll(async () => {
    const options = {
      world: 'processor-plugin' as const,
      logger,
      dataDir: tmp.dir,
      cacheDir: `${tmp.dir}/cache`,
      config: [['default-mode', 'title']] as [string, string][],
    };
    plugin = await loadPlugin(component, options);
    reference = await loadPlugin(tsComponent, options);
  });
  afterAll(() => tmp.cleanup());

  const run = (p: Processor, text: string, options: [string, string][] = []) =>
    p.exports.dataProcessor.process({ input: enc.encode(text), contentType: 'text/plain', options });

  const outcome = (f: () => unknown) => {
    try {
      const res = f() as { output: Uint8Array; contentType: string; itemsProcessed: number };
      return { ok: dec.decode(res.output), contentType: res.contentType, items: res.itemsProcessed };
    } catch (e) {
      return {
        err: isPluginError(e) ? { code: e.code, payload: (e as { payload?: unknown }).payload } : String(e),
      };
    }
  };

  it('reports its metadata and logs its initialization', () => {
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({
      name: 'text-transformer-rs',
      version: '0.1.0',
    });
    expect(plugin.status).toBe('ready');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.info,
        plugin: 'text-transformer-rs',
        msg: 'ready, default mode title',
      }),
    );
  });

  it('gives the documented outputs', () => {
    const res = run(plugin, 'hello world\nsecond line', [['mode', 'upper']]);
    expect(dec.decode(res.output)).toBe('HELLO WORLD\nSECOND LINE');
    expect(res.itemsProcessed).toBe(2);
    expect(res.contentType).toBe('text/plain; charset=utf-8');
    expect(dec.decode(run(plugin, 'HelloWorld parseJSON', [['mode', 'snake']]).output)).toBe(
      'hello_world_parse_json',
    );
    expect(dec.decode(run(plugin, 'Grüße aus Köln', [['mode', 'kebab']]).output)).toBe('grüße-aus-köln');
    expect(dec.decode(run(plugin, 'the QUICK brown fox').output)).toBe('The Quick Brown Fox');
    expect(dec.decode(run(plugin, 'ab😀c', [['mode', 'reverse']]).output)).toBe('c😀ba');
  });

  for (const mode of MODES) {
    it(`matches the TypeScript plugin in mode ${mode} on every corpus input`, () => {
      for (const text of CORPUS) {
        const ours = outcome(() => run(plugin, text, [['mode', mode]]));
        const theirs = outcome(() => run(reference, text, [['mode', mode]]));
        expect({ text, ...ours }).toEqual({ text, ...theirs });
      }
    });
  }

  it('matches the TypeScript plugin on the default mode from config', () => {
    for (const text of CORPUS) {
      expect(outcome(() => run(plugin, text))).toEqual(outcome(() => run(reference, text)));
    }
  });

  it('answers bad requests with the same errors as the TypeScript plugin, not a trap', () => {
    const bad: [Uint8Array, string, [string, string][]][] = [
      [enc.encode('x'), 'text/plain', [['mode', 'shout']]],
      [enc.encode('x'), 'image/png', []],
      [enc.encode('x'), 'TEXT/PLAIN; charset=utf-8', [['mode', 'upper']]],
      [new Uint8Array([0x68, 0xc3, 0x28]), 'text/plain', []],
      [new Uint8Array([0xed, 0xa0, 0x80]), 'text/plain', []],
    ];
    for (const [input, contentType, options] of bad) {
      const req = { input, contentType, options };
      const ours = outcome(() => plugin.exports.dataProcessor.process(req));
      const theirs = outcome(() => reference.exports.dataProcessor.process(req));
      expect({ contentType, ...ours }).toEqual({ contentType, ...theirs });
    }
    let error: unknown;
    try {
      run(plugin, 'x', [['mode', 'shout']]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'WITKIT_PLUGIN_ERROR',
      plugin: 'text-transformer-rs',
      payload: 'unknown mode `shout`; expected one of upper, lower, reverse, title, snake, kebab',
    });
    expect(plugin.status).toBe('ready');
    expect(dec.decode(run(plugin, 'still works', [['mode', 'upper']]).output)).toBe('STILL WORKS');
  });

  it('validates UTF-8 like the TypeScript plugin', () => {
    for (const input of [
      new Uint8Array([0x68, 0xc3, 0x28]),
      new Uint8Array([0xed, 0xa0, 0x80]),
      new Uint8Array([0xf4, 0x90, 0x80, 0x80]),
      enc.encode('ok ✓'),
      new Uint8Array([]),
    ]) {
      expect(plugin.exports.dataProcessor.validate(input)).toBe(
        reference.exports.dataProcessor.validate(input),
      );
    }
  });

  it('refuses a config key or default mode it does not know at initialize', async () => {
    for (const config of [[['colour', 'red']], [['default-mode', 'shout']]] as [string, string][][]) {
      await expect(
        loadPlugin(component, { logger, dataDir: tmp.dir, cacheDir: `${tmp.dir}/cache`, config }),
      ).rejects.toMatchObject({ code: 'WITKIT_INIT_FAILED', plugin: 'text-transformer-rs' });
    }
  });
});
