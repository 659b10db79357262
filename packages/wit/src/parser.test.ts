import { describe, expect, it } from 'vitest';
import { isWitError, WitError } from './errors.js';
import { parseWit } from './parser.js';

function parseError(text: string): WitError {
  try {
    parseWit(text, 'test.wit');
  } catch (e) {
    if (isWitError(e)) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

describe('parseWit', () => {
  it('reads the package header with a pre-release version and build metadata', () => {
    const ast = parseWit('package my-ns:my-pkg@1.2.3-rc.1+build.5;\n', 'a.wit');
    expect(ast.package).toMatchObject({ namespace: 'my-ns', name: 'my-pkg', version: '1.2.3-rc.1+build.5' });
  });

  it('splits nested package blocks from the file package', () => {
    const ast = parseWit('package a:b;\npackage c:d@1.0.0 { interface x {} }\ninterface y {}', 'a.wit');
    expect(ast.items.map((i) => i.kind)).toEqual(['interface']);
    expect(ast.nestedPackages).toHaveLength(1);
    expect(ast.nestedPackages[0]?.name).toMatchObject({ namespace: 'c', name: 'd', version: '1.0.0' });
  });

  it('attaches `///` and `/** */` doc comments to the following item and skips `////`', () => {
    const ast = parseWit(
      '/// Package docs.\npackage a:b;\n/**\n * Iface docs.\n */\ninterface x {\n  //// not docs\n  /// Line one.\n  /// Line two.\n  f: func();\n}',
      'a.wit',
    );
    expect(ast.packageDocs).toBe('Package docs.');
    const iface = ast.items[0];
    if (iface?.kind !== 'interface') throw new Error('expected an interface');
    expect(iface.docs).toBe('Iface docs.');
    expect(iface.items[0]).toMatchObject({ kind: 'func', docs: 'Line one.\nLine two.' });
  });

  it('lets `%` turn keywords into identifiers', () => {
    const ast = parseWit('package a:b;\ninterface %interface { %type: func(%use: u8); }', 'a.wit');
    const iface = ast.items[0];
    if (iface?.kind !== 'interface') throw new Error('expected an interface');
    expect(iface.name.name).toBe('interface');
    expect(iface.items[0]).toMatchObject({ kind: 'func', name: { name: 'type' } });
  });

  it('reads a version followed by `.{` in a use path', () => {
    const ast = parseWit('package a:b;\ninterface x { use c:d/e@1.0.0.{t}; }', 'a.wit');
    const iface = ast.items[0];
    if (iface?.kind !== 'interface') throw new Error('expected an interface');
    expect(iface.items[0]).toMatchObject({
      kind: 'use',
      path: {
        kind: 'package',
        package: { namespace: 'c', name: 'd', version: '1.0.0' },
        name: { name: 'e' },
      },
    });
  });

  it('parses all four forms of `result`', () => {
    const ast = parseWit(
      'package a:b;\ninterface x { type a = result; type b = result<u8>; type c = result<_, u8>; type d = result<u8, s8>; }',
      'a.wit',
    );
    const iface = ast.items[0];
    if (iface?.kind !== 'interface') throw new Error('expected an interface');
    const types = iface.items.map((i) =>
      i.kind === 'typedef' && i.def.kind === 'alias' ? i.def.type : undefined,
    );
    expect(types.map((t) => t?.kind === 'result' && [t.ok?.kind, t.err?.kind])).toEqual([
      [undefined, undefined],
      ['primitive', undefined],
      [undefined, 'primitive'],
      ['primitive', 'primitive'],
    ]);
  });

  it('reads gates on items', () => {
    const ast = parseWit(
      'package a:b@2.0.0;\n@since(version = 1.0.0)\n@deprecated(version = 2.0.0)\ninterface x {}',
      'a.wit',
    );
    expect(ast.items[0]).toMatchObject({ gate: { since: '1.0.0', deprecated: '2.0.0' } });
  });

  it('says what it expected and what it found, at the offending token', () => {
    const err = parseError('package a:b;\ninterface x {\n  record r { a: u8 func }\n}');
    expect(err.code).toBe('WITKIT_WIT_PARSE');
    expect(err.message).toBe("expected '}' but found keyword `func`");
    expect([err.file, err.line, err.column]).toEqual(['test.wit', 3, 20]);
  });

  it('renders a snippet with a caret under the problem', () => {
    const err = parseError('package a:b;\ninterface x { type t = u8 $ }');
    expect(err.formatted).toBe(
      [
        "test.wit:2:27: unexpected character '$'",
        '  |',
        '2 | interface x { type t = u8 $ }',
        '  |                           ^',
      ].join('\n'),
    );
  });

  it('rejects identifiers that are not kebab-case', () => {
    expect(parseError('package a:b;\ninterface fooBar {}').message).toMatch(
      /invalid character 'B' in identifier `fooBar`/,
    );
    expect(parseError('package a:b;\ninterface foo_bar {}').message).toMatch(/invalid character '_'/);
    expect(parseError('package a:b;\ninterface foo--bar {}').message).toMatch(/between '-'s/);
  });

  it('accepts all-uppercase words and words after the first that start with a digit', () => {
    expect(() => parseWit('package a:b;\ninterface HTTP-v2 { a-0: func(); }', 'a.wit')).not.toThrow();
  });

  it('rejects versions that are not semver', () => {
    expect(parseError('package a:b@1.0;').message).toMatch(/invalid version `1.0`/);
    expect(parseError('package a:b@1.02.0;').message).toMatch(/leading zero/);
  });

  it('reports the end of the file when a block is left open', () => {
    const err = parseError('package a:b;\ninterface x {\n');
    expect(err.message).toBe(
      'expected `type`, `resource`, `record`, `variant`, `enum`, `flags`, `use` or a function name but found end of file',
    );
    expect([err.line, err.column]).toEqual([3, 1]);
  });

  it('rejects a non-string argument before parsing', () => {
    expect(() => parseWit(undefined as unknown as string, 'x.wit')).toThrow(TypeError);
  });
});

describe('WitError', () => {
  it('is recognised by its brand even from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('witkit.WitError')]: true });
    expect(isWitError(foreign)).toBe(true);
    expect(isWitError(new Error('x'))).toBe(false);
    expect(isWitError(new WitError('WITKIT_WIT_RESOLVE', 'x'))).toBe(true);
  });

  it('keeps the cause it wraps', () => {
    const cause = new Error('disk on fire');
    expect(new WitError('WITKIT_WIT_IO', 'cannot read `x`', { cause }).cause).toBe(cause);
  });
});
