// The comparison rules, one WIT change at a time. Worlds come from WIT text through our resolver
// (the same model the host's contract is read with); compat.test.ts covers real components.
import { resolveWitSource, selectWorld } from '@witkit/wit';
import { describe, expect, it } from 'vitest';
import {
  type Change,
  checkCompatibility,
  describeWitWorld,
  hostContract,
  type WorldShape,
} from '../src/index.js';

function resolveApi(body: string) {
  return resolveWitSource({
    'p.wit': `package test:p@1.0.0;\ninterface api {\n${body}\n}\nworld plugin { export api; }\n`,
  });
}

const worldOf = (body: string): WorldShape => describeWitWorld(selectWorld(resolveApi(body), 'plugin'));

/** The changes of release `after` against release `before`, both served as their own world. */
function evolve(before: string, after: string): Change[] {
  const host = hostContract(resolveApi(after), 'plugin', {});
  return checkCompatibility({ component: worldOf(after), host, previous: worldOf(before) }).changes.filter(
    (c) => c.against === 'previous',
  );
}

/** The changes of a component built from `actual` served as the world written in `contract`. */
function against(contract: string, actual: string): readonly Change[] {
  return checkCompatibility({
    component: worldOf(actual),
    host: hostContract(resolveApi(contract), 'plugin', {}),
  }).changes;
}

const summary = (c: Change) => ({ path: c.path, breaking: c.breaking, message: c.message });

describe('variants, enums and flags: who reads the new cases', () => {
  const v2 = 'variant outcome { ok(string), failed(u32) }';
  const v3 = 'variant outcome { ok(string), failed(u32), retry(u64) }';

  it('a case appended in a parameter is fine: the host never sends it', () => {
    expect(evolve(`${v2}\nrun: func(o: outcome);`, `${v3}\nrun: func(o: outcome);`).map(summary)).toEqual([
      {
        path: 'o',
        breaking: false,
        message: '`test:p/api@1.0.0` function `run`: parameter `o` gained case `retry`',
      },
    ]);
  });

  it('a case appended in a result breaks: the host cannot read it', () => {
    const changes = evolve(`${v2}\nrun: func() -> outcome;`, `${v3}\nrun: func() -> outcome;`);
    expect(changes.map(summary)).toEqual([
      {
        path: 'result',
        breaking: true,
        message: '`test:p/api@1.0.0` function `run`: the result gained case `retry`',
      },
    ]);
    expect(changes[0]!.type).toBe('outcome');
    expect(changes[0]!.before).toBe('variant { ok(string), failed(u32) }');
  });

  it('nested in a list of a result, an appended case still breaks', () => {
    const changes = evolve(`${v2}\nrun: func() -> list<outcome>;`, `${v3}\nrun: func() -> list<outcome>;`);
    expect(changes.map((c) => [c.path, c.breaking])).toEqual([['result[]', true]]);
  });

  it('against the contract the world is served with, any added case breaks', () => {
    const changes = against(`${v2}\nrun: func(o: outcome);`, `${v3}\nrun: func(o: outcome);`);
    expect(changes.map((c) => [c.kind, c.path, c.breaking])).toEqual([['changed', 'o', true]]);
  });

  it('enum cases dropped at the end are fine in a result and break in a parameter', () => {
    const before = 'enum level { low, high, max }';
    const after = 'enum level { low, high }';
    expect(
      evolve(`${before}\nget: func() -> level;`, `${after}\nget: func() -> level;`).map((c) => c.breaking),
    ).toEqual([false]);
    expect(evolve(`${before}\nset: func(l: level);`, `${after}\nset: func(l: level);`).map(summary)).toEqual([
      {
        path: 'l',
        breaking: true,
        message: '`test:p/api@1.0.0` function `set`: parameter `l` lost case `max`',
      },
    ]);
  });

  it('a case inserted before others breaks everywhere: the discriminants move', () => {
    const changes = evolve('enum e { a, b }\nset: func(x: e);', 'enum e { a, c, b }\nset: func(x: e);');
    expect(changes.map(summary)).toEqual([
      {
        path: 'x',
        breaking: true,
        message:
          '`test:p/api@1.0.0` function `set`: parameter `x` changed its cases from `a`, `b` to `a`, `c`, `b`',
      },
    ]);
  });

  it('flags appended in a parameter are fine until the flags need a wider integer', () => {
    const eight = 'a, b, c, d, e, f, g';
    expect(
      evolve(`flags f { ${eight} }\nset: func(x: f);`, `flags f { ${eight}, h }\nset: func(x: f);`).map(
        (c) => c.breaking,
      ),
    ).toEqual([false]);
    expect(
      evolve(`flags f { ${eight}, h }\nset: func(x: f);`, `flags f { ${eight}, h, i }\nset: func(x: f);`).map(
        (c) => c.breaking,
      ),
    ).toEqual([true]);
  });

  it('a case that gains a payload breaks', () => {
    const changes = evolve(
      'variant v { a, b }\nset: func(x: v);',
      'variant v { a, b(string) }\nset: func(x: v);',
    );
    expect(changes.map((c) => [c.path, c.breaking, c.message])).toEqual([
      ['x.b', true, '`test:p/api@1.0.0` function `set`: parameter `x` (case `b` of `v`) gained a payload'],
    ]);
  });
});

describe('records and names', () => {
  it('a record field added or reordered breaks in either position', () => {
    const before = 'record r { a: u32, b: string }';
    for (const fn of ['set: func(x: r);', 'get: func() -> r;']) {
      expect(
        evolve(`${before}\n${fn}`, `record r { a: u32, b: string, c: bool }\n${fn}`).map((c) => [
          c.breaking,
          c.message.split(': ').pop(),
        ]),
      ).toEqual([[true, `${fn.startsWith('set') ? 'parameter `x`' : 'the result'} gained field \`c\``]]);
      expect(
        evolve(`${before}\n${fn}`, `record r { b: string, a: u32 }\n${fn}`).map((c) => c.breaking),
      ).toEqual([true]);
    }
  });

  it('a field whose type changed is named with its record and both types', () => {
    const changes = evolve(
      'record r { a: u32 }\nset: func(x: r);',
      'record r { a: string }\nset: func(x: r);',
    );
    expect(
      changes.map((c) => ({
        path: c.path,
        type: c.type,
        before: c.before,
        after: c.after,
        message: c.message,
      })),
    ).toEqual([
      {
        path: 'x.a',
        type: 'r',
        before: 'u32',
        after: 'string',
        message:
          '`test:p/api@1.0.0` function `set`: parameter `x` (field `a` of `r`) changed from `u32` to `string`',
      },
    ]);
  });

  it('renaming a type alias or a record with the same shape changes nothing', () => {
    expect(
      evolve('type ts = u64;\nset: func(t: ts);', 'type timestamp = u64;\nset: func(t: timestamp);'),
    ).toEqual([]);
    expect(
      evolve(
        'record meta { n: string }\nget: func() -> meta;',
        'record metadata { n: string }\nget: func() -> metadata;',
      ),
    ).toEqual([]);
  });

  it('an alias that keeps its name but not its shape is a change, shown by structure', () => {
    const changes = evolve('type ts = u64;\nset: func(t: ts);', 'type ts = string;\nset: func(t: ts);');
    expect(changes.map((c) => [c.breaking, c.message])).toEqual([
      [true, '`test:p/api@1.0.0` function `set`: parameter `t` changed from `u64` to `string`'],
    ]);
  });

  it('a renamed parameter is reported but does not break: arguments go by position', () => {
    expect(evolve('set: func(a: u32);', 'set: func(b: u32);').map(summary)).toEqual([
      {
        path: 'a',
        breaking: false,
        message: '`test:p/api@1.0.0` function `set`: parameter `a` was renamed to `b`',
      },
    ]);
  });

  it('a parameter added or a result removed breaks', () => {
    expect(evolve('set: func(a: u32);', 'set: func(a: u32, b: u32);').map(summary)).toEqual([
      {
        path: undefined,
        breaking: true,
        message:
          '`test:p/api@1.0.0` function `set`: the signature changed from `func(a: u32)` to `func(a: u32, b: u32)`',
      },
    ]);
    expect(evolve('get: func() -> u32;', 'get: func();').map((c) => [c.path, c.breaking])).toEqual([
      ['result', true],
    ]);
  });

  it('resources are told apart by interface and name', () => {
    const changes = evolve(
      'resource a;\nresource b;\nuse-it: func(x: borrow<a>);',
      'resource a;\nresource b;\nuse-it: func(x: borrow<b>);',
    );
    expect(changes.map((c) => [c.path, c.before, c.after, c.breaking])).toEqual([
      ['x', 'borrow<a>', 'borrow<b>', true],
    ]);
  });
});

describe('imports against what the host provides', () => {
  const contracts = resolveWitSource({
    'c.wit': 'package test:c@1.0.0;\nworld plugin { import test:svc/log@0.1.0; }\n',
    'deps/svc.wit':
      'package test:svc@0.1.0;\ninterface log { resource sink { put: func(msg: string); }\nwrite: func(msg: string); }\n',
  });
  const host = hostContract(contracts, 'plugin', {
    'wasi:cli/stdout': { versionLine: '0.2', functions: ['get-stdout'] },
  });
  const importing = (deps: Record<string, string>, imports: string) =>
    describeWitWorld(
      selectWorld(
        resolveWitSource({ 'w.wit': `package test:w@1.0.0;\nworld w {\n${imports}\n}\n`, ...deps }),
        'w',
      ),
    );

  it('binds an import to the provided interface of the same version line, resources included', () => {
    const component = importing(
      {
        'deps/svc.wit':
          'package test:svc@0.1.1;\ninterface log { resource sink { put: func(msg: string); }\nwrite: func(msg: string); flush: func(); }\n',
      },
      'import test:svc/log@0.1.1;',
    );
    expect(
      checkCompatibility({ component, host }).changes.map((c) => [c.kind, c.interface, c.function]),
    ).toEqual([['missing-import', 'test:svc/log@0.1.1', 'flush']]);
  });

  it('refuses another version line, saying which one the host has', () => {
    const component = importing(
      {
        'deps/svc.wit': 'package test:svc@0.2.0;\ninterface log { write: func(msg: string); }\n',
        'deps/cli.wit': 'package wasi:cli@0.3.0;\ninterface stdout { get-stdout: func() -> u32; }\n',
      },
      'import test:svc/log@0.2.0;\nimport wasi:cli/stdout@0.3.0;',
    );
    expect(checkCompatibility({ component, host }).changes.map((c) => c.message)).toEqual([
      '`test:svc/log@0.2.0` is imported, but the host does not provide it (it provides `test:svc/log@0.1.0`)',
      '`wasi:cli/stdout@0.3.0` is imported, but the host does not provide it (it provides `wasi:cli/stdout@0.2.x`)',
    ]);
  });

  it('checks WASI by function name and refuses world-level function imports', () => {
    const component = importing(
      {
        'deps/cli.wit':
          'package wasi:cli@0.2.9;\ninterface stdout { get-stdout: func() -> u32; get-stdout-sync: func(); }\n',
      },
      'import wasi:cli/stdout@0.2.9;\nimport now: func() -> u64;',
    );
    expect(
      checkCompatibility({ component, host }).changes.map((c) => [c.interface, c.function, c.message]),
    ).toEqual([
      [
        'wasi:cli/stdout@0.2.9',
        'get-stdout-sync',
        "`wasi:cli/stdout@0.2.9` function `get-stdout-sync` is imported, but the host's `wasi:cli/stdout` (0.2.x) has no such function",
      ],
      ['', 'now', 'world function `now` is imported, but the host provides no world-level functions'],
    ]);
  });
});
