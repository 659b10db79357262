import { fileURLToPath } from 'node:url';
import { isPluginError, type LoadedPlugin, loadPlugin } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/data-validator.wasm', import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Report {
  valid: boolean;
  errors: { path: string; rule: string; message: string }[];
}

const USER_RULES: [string, string][] = [
  ['required', 'name,email'],
  ['type:name', 'string'],
  ['max-length:name', '40'],
  ['type:age', 'integer'],
  ['min:age', '0'],
  ['max:age', '150'],
  ['one-of:role', 'admin,editor,viewer'],
  ['type:address.city', 'string'],
  ['min-length:tags', '1'],
];

describe('data-validator component', () => {
  const tmp = tempDir();
  const { logger, lines } = captureLogger();
  let plugin: LoadedPlugin<WorldExports['processor-plugin']>;

  beforeAll(async () => {
    plugin = await loadPlugin(component, {
      world: 'processor-plugin',
      logger,
      dataDir: tmp.dir,
      cacheDir: `${tmp.dir}/cache`,
      config: [],
    });
  });
  afterAll(() => tmp.cleanup());

  const check = (
    doc: unknown,
    options: [string, string][] = USER_RULES,
    contentType = 'application/json',
  ) => {
    const res = plugin.exports.dataProcessor.process({
      input: enc.encode(typeof doc === 'string' ? doc : JSON.stringify(doc)),
      contentType,
      options,
    });
    expect(res.contentType).toBe('application/json');
    expect(res.itemsProcessed).toBe(1);
    return JSON.parse(dec.decode(res.output)) as Report;
  };
  const pluginError = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(isPluginError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'WITKIT_PLUGIN_ERROR', plugin: 'data-validator' });
      return (e as { payload: string }).payload;
    }
    throw new Error('expected a plugin error');
  };

  it('reports its metadata and logs its initialization', () => {
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'data-validator', version: '0.1.0' });
    expect(lines).toContainEqual(
      expect.objectContaining({ level: levels.info, plugin: 'data-validator', msg: 'ready' }),
    );
  });

  it('passes a document that meets every rule', () => {
    const doc = {
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      age: 36,
      role: 'admin',
      address: { city: 'London', zip: 'W1' },
      tags: ['math'],
      extra: { ignored: true },
    };
    expect(check(doc)).toEqual({ valid: true, errors: [] });
    // Rules other than `required` apply only to present fields.
    expect(check({ name: 'Bob', email: 'b@example.org' })).toEqual({ valid: true, errors: [] });
  });

  it('lists every failed rule with its path, rule and message, in rule order', () => {
    const doc = {
      name: 'x'.repeat(41),
      age: -3.5,
      role: 'owner',
      address: { city: 7 },
      tags: [],
      email: null,
    };
    expect(check(doc)).toEqual({
      valid: false,
      errors: [
        { path: 'email', rule: 'required', message: '`email` is required' },
        { path: 'name', rule: 'max-length', message: '`name` must have at most 40 characters, has 41' },
        { path: 'age', rule: 'type', message: '`age` must be of type integer, got number' },
        { path: 'age', rule: 'min', message: '`age` must be at least 0, is -3.5' },
        { path: 'role', rule: 'one-of', message: '`role` must be one of admin, editor, viewer, got "owner"' },
        { path: 'address.city', rule: 'type', message: '`address.city` must be of type string, got number' },
        { path: 'tags', rule: 'min-length', message: '`tags` must have at least 1 item, has 0' },
      ],
    });
  });

  it('checks types, numbers, lengths in characters, and paths into arrays', () => {
    const rules: [string, string][] = [
      ['type:a', 'array'],
      ['type:a.1.id', 'number'],
      ['max-length:s', '3'],
      ['max:n', '10'],
      ['type:o', 'object'],
      ['type:z', 'null'],
      ['type:b', 'boolean'],
      ['required', 'a.0.id, a.2.id'],
    ];
    const report = check(
      { a: [{ id: 1 }, { id: 'two' }], s: 'äöü', n: 10.5, o: [], z: null, b: true },
      rules,
    );
    expect(report.errors).toEqual([
      { path: 'a.1.id', rule: 'type', message: '`a.1.id` must be of type number, got string' },
      { path: 'n', rule: 'max', message: '`n` must be at most 10, is 10.5' },
      { path: 'o', rule: 'type', message: '`o` must be of type object, got array' },
      { path: 'a.2.id', rule: 'required', message: '`a.2.id` is required' },
    ]);
    expect(check('[1,2,3]', [['max-length:s', '3']])).toEqual({ valid: true, errors: [] });
    expect(check({ s: 12 }, [['max-length:s', '3']]).errors).toEqual([
      { path: 's', rule: 'max-length', message: '`s` must be a string or an array, got number' },
    ]);
  });

  it('accepts +json media types and parameters', () => {
    expect(check({ name: 'a', email: 'b' }, USER_RULES, 'application/ld+json; charset=utf-8').valid).toBe(
      true,
    );
  });

  it('answers bad rules, bad JSON and other content types with its own error, not a trap', () => {
    expect(pluginError(() => check({}, [['max-length:name', 'forty']]))).toBe(
      'option `max-length:name` must be a non-negative integer, got `forty`',
    );
    expect(pluginError(() => check({}, [['type:age', 'float']]))).toBe(
      'option `type:age` must be one of string, number, integer, boolean, object, array, null, got `float`',
    );
    expect(pluginError(() => check({}, [['min:age', 'NaN']]))).toMatch(/^option `min:age` must be a/);
    expect(pluginError(() => check({}, [['pattern:name', '^a']]))).toMatch(
      /^unknown rule `pattern` in option `pattern:name`/,
    );
    expect(pluginError(() => check({}, [['strict', 'yes']]))).toMatch(/^unknown option `strict`/);
    expect(pluginError(() => check('{"name": ', []))).toMatch(/^input is not valid JSON: EOF while parsing/);
    expect(pluginError(() => check({}, [], 'text/csv'))).toBe(
      'unsupported content type `text/csv`; expected application/json',
    );
    expect(plugin.status).toBe('ready');
    expect(check({ name: 'ok', email: 'ok' }).valid).toBe(true);
  });

  it('validates that the input parses as JSON', () => {
    const validate = (s: string) => plugin.exports.dataProcessor.validate(enc.encode(s));
    expect(validate('{"a": [1, 2, {"b": null}]}')).toBe(true);
    expect(validate('"just a string"')).toBe(true);
    expect(validate('{"a": 1,}')).toBe(false);
    expect(validate('')).toBe(false);
    expect(plugin.exports.dataProcessor.validate(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe(false);
  });

  it('refuses config at initialize', async () => {
    await expect(
      loadPlugin(component, {
        logger,
        dataDir: tmp.dir,
        cacheDir: `${tmp.dir}/cache`,
        config: [['strict', 'yes']],
      }),
    ).rejects.toMatchObject({ code: 'WITKIT_INIT_FAILED', plugin: 'data-validator' });
  });
});
