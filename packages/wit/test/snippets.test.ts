import { describe, expect, it } from 'vitest';
import { isWitError, resolveWitSource } from '../src/index.js';
import { oracleVerdictSource } from './oracle.js';

/**
 * Small syntax corners, each checked only for the verdict: we accept exactly when wasm-tools does.
 * `H` is a package header prepended to snippets that start with `|`.
 */
const H = 'package a:b@1.0.0;\n';
const SNIPPETS: Record<string, string> = {
  'nested namespace in package name': 'package a:b:c;\n',
  'package path with slash': 'package a:b/c;\n',
  'empty file': '',
  'header only': '|',
  'func returning ()': '|interface x { f: func() -> (); }',
  'func returning _': '|interface x { f: func() -> _; }',
  'list with trailing comma': '|interface x { type t = list<u8,>; }',
  'empty option': '|interface x { type t = option<>; }',
  'tuple with double comma': '|interface x { type t = tuple<u8,,>; }',
  'enum without comma': '|interface x { enum e { a b } }',
  'record with double comma': '|interface x { record r { a: u8,, } }',
  'variant case with empty parens': '|interface x { variant v { a(), } }',
  'flags with payload': '|interface x { flags f { a(u8) } }',
  'constructor without semicolon': '|interface x { resource r { constructor() } }',
  'resource body then semicolon': '|interface x { resource r {}; }',
  'static keyword first': '|interface x { resource r { static f: func(); } }',
  'static func': '|interface x { resource r { f: static func(); } }',
  'static async func': '|interface x { resource r { f: static async func(); } }',
  'async static func': '|interface x { resource r { f: async static func(); } }',
  'static func in world': '|world w { import f: static func(); }',
  'use with chained as': '|interface y { type a = u8; }\ninterface x { use y.{a as b as c}; }',
  'use with trailing comma': '|interface y { type a = u8; }\ninterface x { use y.{a,}; }',
  'use with lone comma': '|interface y { type a = u8; }\ninterface x { use y.{,}; }',
  'include with empty with': '|world a {}\nworld w { include a with {} }',
  'include with trailing comma': '|world a { import f: func(); }\nworld w { include a with { f as g, } }',
  'inline interface then semicolon': '|world w { import x: interface {}; }',
  'world then semicolon': '|world w {};',
  'since without spaces': '|interface x { @since(version=1.0.0) f: func(); }',
  'since with trailing comma': '|interface x { @since(version = 1.0.0,) f: func(); }',
  'unstable kebab feature': '|interface x { @unstable(feature = a-b) f: func(); }',
  'unstable escaped feature': '|interface x { @unstable(feature = %use) f: func(); }',
  'space after @': '|interface x { @ since(version = 1.0.0) f: func(); }',
  'deprecated before since':
    '|interface x { @deprecated(version = 1.0.0) @since(version = 1.0.0) f: func(); }',
  'since twice': '|interface x { @since(version = 1.0.0) @since(version = 1.0.0) f: func(); }',
  'gate on a record field': '|interface x { record r { @since(version = 1.0.0) a: u8 } }',
  'gate on a use': '|interface y { type a = u8; }\ninterface x { @since(version = 1.0.0) use y.{a}; }',
  'gate on a top-level use': '|package c:d { interface y {} }\n@since(version = 1.0.0) use c:d/y;',
  'gate on an include': '|world a {}\nworld w { @since(version = 1.0.0) include a; }',
  'empty future': '|interface x { type t = future<>; }',
  'stream of _': '|interface x { type t = stream<_>; }',
  'hex list length': '|interface x { type t = list<u8, 0x10>; }',
  'list length over u32': '|interface x { type t = list<u8, 4294967296>; }',
  'list length u32 max': '|interface x { type t = list<u8, 4294967295>; }',
  'alias to borrow': '|interface x { resource r; type b = borrow<r>; f: func(a: b); }',
  'param named self in method': '|interface x { resource r { m: func(self: u8); } }',
  'version with v prefix': 'package a:b@v1.0.0;\n',
  'empty pre-release': 'package a:b@1.0.0-;\n',
  'empty build': 'package a:b@1.0.0+;\n',
  'numeric pre-release with leading zero': 'package a:b@1.0.0-01;\n',
  'alphanumeric pre-release starting with zero': 'package a:b@1.0.0-0a;\n',
  'trailing dash in identifier': '|interface a- {}',
  '% then space': '|interface % x {}',
  'lone carriage return': '|interface x {\r}',
  'form feed': '|interface x {\f}',
  'no-break space': '|interface x {\u00a0}',
  'BOM in the middle': '|interface x {\ufeff}',
  'non-ASCII in a comment': '|// garçon 東京\ninterface x {}',
  'tab indentation': '|interface x {\n\tf: func();\n}',
  'keyword as function name': '|interface x { list: func(); }',
  'uppercase keyword-like name': '|interface x { LIST: func(); }',
  'identifier with digits only after dash': '|interface x-1-2 {}',
  'world imports a world': '|world a {}\nworld w { import a; }',
  'export of a use-only interface twice via include':
    '|interface i {}\nworld a { export i; }\nworld w { export i; include a; }',
  'import same interface via include and directly':
    '|interface i {}\nworld a { import i; }\nworld w { import i; include a; }',
  'func import named like an interface': '|interface i {}\nworld w { import i; import i: func(); }',
  'interface import and export of same kebab name': '|world w { import x: func(); export x: func(); }',
  'world type named like an import func': '|world w { type f = u8; import f: func(); }',
  'use of a resource then own':
    '|interface y { resource r; }\ninterface x { use y.{r}; f: func(a: own<r>); }',
  'own of a use alias of a record':
    '|interface y { record r {} }\ninterface x { use y.{r}; f: func(a: own<r>); }',
  'borrow in a constructor param': '|interface x { resource r { constructor(o: borrow<r>); } }',
  'constructor returning result with error':
    '|interface x { resource r { constructor() -> result<r, string>; } }',
  'constructor returning result without ok':
    '|interface x { resource r { constructor() -> result<_, string>; } }',
  'constructor returning option': '|interface x { resource r { constructor() -> option<r>; } }',
  'constructor returning own': '|interface x { resource r { constructor() -> own<r>; } }',
  'constructor returning another resource': '|interface x { resource q; resource r { constructor() -> q; } }',
  'async constructor': '|interface x { resource r { constructor: async func(); } }',
  'method with borrow result': '|interface x { resource r { m: func() -> borrow<r>; } }',
  'error-context in a param': '|interface x { f: func(e: error-context); }',
  'unused foreign package in top-level use': '|use q:r/s;',
  'top-level use of a local interface': '|interface y {}\nuse y as z;\nworld w { import z; }',
  'top-level use without as of a local interface': '|interface y {}\nuse y;',
  'world exports an interface whose dependency it imports by use':
    '|interface s { type t = u8; }\nworld w { export s; use s.{t}; export f: func() -> t; }',
  'constructor returning the plain resource': '|interface x { resource r { constructor() -> r; } }',
  'constructor returning result without error': '|interface x { resource r { constructor() -> result<r>; } }',
  'pre-release ending in a dot': 'package a:b@1.0.0-a.;\n',
  'pre-release with an empty part': 'package a:b@1.0.0-a..b;\n',
  'empty pre-release and build': 'package a:b@1.0.0-+;\n',
  'pre-release ending in a dash': 'package a:b@1.0.0-rc-;\n',
  'lone carriage return in a comment': '|// comment\r still comment\ninterface x {}',
  'gate on a variant case': '|interface x { variant v { @since(version = 1.0.0) a } }',
  'gate on a flag': '|interface x { flags f { @since(version = 1.0.0) a } }',
  'gate on a resource method': '|interface x { resource r { @since(version = 1.0.0) m: func(); } }',
  'doc comment on a record field': '|interface x { record r { /// docs\n a: u8 } }',
  'since on a version equal to the package': '|interface x { @since(version = 1.0.0) f: func(); }',
  'since on a pre-release of the package':
    'package a:b@1.0.0-rc.1;\ninterface x { @since(version = 1.0.0-rc.1) f: func(); }',
  'since later than a pre-release package':
    'package a:b@1.0.0-rc.1;\ninterface x { @since(version = 1.0.0) f: func(); }',
};

describe('syntax corners: same verdict as wasm-tools', () => {
  it.each(Object.entries(SNIPPETS))('%s', async (_name, snippet) => {
    const text = snippet.startsWith('|') ? H + snippet.slice(1) : snippet;
    const oracle = await oracleVerdictSource(text);
    let ours: string | undefined;
    try {
      resolveWitSource(text);
    } catch (e) {
      if (!isWitError(e)) throw e;
      ours = e.message;
    }
    expect({ accepted: ours === undefined, ours }).toEqual({
      accepted: oracle.ok,
      ours: oracle.ok ? undefined : expect.any(String),
    });
  });
});
