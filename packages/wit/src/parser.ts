import type {
  AstExtern,
  AstFile,
  AstFunc,
  AstGate,
  AstIdent,
  AstInterface,
  AstInterfaceItem,
  AstNamed,
  AstNestedPackage,
  AstPackageItem,
  AstPackageName,
  AstResourceFunc,
  AstType,
  AstTypeDef,
  AstUse,
  AstUsePath,
  AstWorld,
  AstWorldItem,
  PrimitiveName,
} from './ast.js';
import type { WitError } from './errors.js';
import { describeToken, Lexer, type Token } from './lexer.js';
import { checkSemver } from './semver.js';

const PRIMITIVES = new Set<string>([
  'bool',
  's8',
  's16',
  's32',
  's64',
  'u8',
  'u16',
  'u32',
  'u64',
  'f32',
  'f64',
  'char',
  'string',
]);

/**
 * Parses one WIT file into a syntax tree without resolving any names.
 *
 * @param text - WIT source text.
 * @param fileName - Name used in error locations, usually the file's path.
 * @throws {@link WitError} with code `WITKIT_WIT_PARSE` for invalid syntax, identifiers or versions.
 *
 * @example
 * ```ts
 * const ast = parseWit('package a:b;\ninterface x { f: func(); }', 'x.wit');
 * ast.items[0]?.kind; // 'interface'
 * ```
 */
export function parseWit(text: string, fileName: string): AstFile {
  if (typeof text !== 'string') {
    throw new TypeError(`expected \`text\` to be a string, got ${text === null ? 'null' : typeof text}`);
  }
  return new Parser(new Lexer(text, fileName)).file();
}

/** Joins doc-comment lines; absent when there were none. */
function docsOf(tok: Token): { docs?: string } {
  return tok.docs.length > 0 ? { docs: tok.docs.join('\n') } : {};
}

class Parser {
  constructor(private readonly lx: Lexer) {}

  private fail(tok: Token, expected: string): WitError {
    return this.lx.error(tok.start, `expected ${expected} but found ${describeToken(tok)}`);
  }

  private isPunct(text: string): boolean {
    const t = this.lx.peek();
    return t.kind === 'punct' && t.text === text;
  }

  private isKeyword(text: string): boolean {
    const t = this.lx.peek();
    return t.kind === 'keyword' && t.text === text;
  }

  private eatPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.lx.next();
    return true;
  }

  private eatKeyword(text: string): boolean {
    if (!this.isKeyword(text)) return false;
    this.lx.next();
    return true;
  }

  private expectPunct(text: string): Token {
    const t = this.lx.next();
    if (t.kind !== 'punct' || t.text !== text) throw this.fail(t, `'${text}'`);
    return t;
  }

  private expectKeyword(text: string): Token {
    const t = this.lx.next();
    if (t.kind !== 'keyword' || t.text !== text) throw this.fail(t, `\`${text}\``);
    return t;
  }

  private ident(what = 'an identifier'): AstIdent {
    const t = this.lx.next();
    if (t.kind !== 'id') throw this.fail(t, what);
    return { name: t.text, start: t.start };
  }

  file(): AstFile {
    const lx = this.lx;
    let pkg: AstPackageName | undefined;
    let packageDocs: string | undefined;
    const items: AstPackageItem[] = [];
    const nested: AstNestedPackage[] = [];
    const first = lx.peek();
    if (first.kind === 'keyword' && first.text === 'package') {
      lx.next();
      const name = this.packageName();
      if (this.eatPunct(';')) {
        pkg = name;
        packageDocs = first.docs.length > 0 ? first.docs.join('\n') : undefined;
      } else {
        nested.push(this.nestedPackageBody(first, name));
      }
    }
    for (;;) {
      const t = lx.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'keyword' && t.text === 'package') {
        lx.next();
        nested.push(this.nestedPackageBody(t, this.packageName()));
        continue;
      }
      items.push(this.packageItem());
    }
    return {
      file: lx.file,
      source: lx.source,
      ...(pkg === undefined ? {} : { package: pkg }),
      ...(packageDocs === undefined ? {} : { packageDocs }),
      items,
      nestedPackages: nested,
    };
  }

  private nestedPackageBody(first: Token, name: AstPackageName): AstNestedPackage {
    this.expectPunct('{');
    const items: AstPackageItem[] = [];
    while (!this.eatPunct('}')) items.push(this.packageItem());
    return { ...docsOf(first), name, items };
  }

  private packageName(): AstPackageName {
    const ns = this.ident('a package namespace');
    this.expectPunct(':');
    const name = this.ident('a package name');
    const version = this.optVersion();
    return {
      namespace: ns.name,
      name: name.name,
      start: ns.start,
      ...(version === undefined ? {} : { version }),
    };
  }

  private optVersion(): string | undefined {
    if (!this.eatPunct('@')) return undefined;
    return this.version();
  }

  private version(): string {
    const { text, start } = this.lx.readVersion();
    const problem = checkSemver(text);
    if (problem !== undefined) {
      throw this.lx.error(
        start,
        text === '' ? 'expected a semver version' : `invalid version \`${text}\`: ${problem}`,
      );
    }
    return text;
  }

  private gate(): AstGate | undefined {
    let since: string | undefined;
    let unstable: string | undefined;
    let deprecated: string | undefined;
    let start: number | undefined;
    while (this.isPunct('@')) {
      const at = this.lx.next();
      start ??= at.start;
      const kind = this.ident('`since`, `unstable` or `deprecated`');
      this.expectPunct('(');
      if (kind.name === 'since' || kind.name === 'deprecated') {
        const key = this.ident('`version`');
        if (key.name !== 'version')
          throw this.lx.error(key.start, `expected \`version\` but found \`${key.name}\``);
        this.expectPunct('=');
        const v = this.version();
        if (kind.name === 'since') {
          if (since !== undefined) throw this.lx.error(at.start, 'duplicate `@since` attribute');
          since = v;
        } else {
          if (deprecated !== undefined) throw this.lx.error(at.start, 'duplicate `@deprecated` attribute');
          deprecated = v;
        }
      } else if (kind.name === 'unstable') {
        const key = this.ident('`feature`');
        if (key.name !== 'feature')
          throw this.lx.error(key.start, `expected \`feature\` but found \`${key.name}\``);
        this.expectPunct('=');
        if (unstable !== undefined) throw this.lx.error(at.start, 'duplicate `@unstable` attribute');
        unstable = this.ident('a feature name').name;
      } else {
        throw this.lx.error(
          kind.start,
          `unknown attribute \`@${kind.name}\`, expected \`since\`, \`unstable\` or \`deprecated\``,
        );
      }
      this.expectPunct(')');
    }
    if (start === undefined) return undefined;
    if (deprecated !== undefined && since === undefined && unstable === undefined) {
      throw this.lx.error(start, '`@deprecated` needs `@since` or `@unstable` on the same item');
    }
    if (since !== undefined && unstable !== undefined) {
      throw this.lx.error(start, 'an item cannot be both `@since` and `@unstable`');
    }
    return {
      start,
      ...(since === undefined ? {} : { since }),
      ...(unstable === undefined ? {} : { unstable }),
      ...(deprecated === undefined ? {} : { deprecated }),
    };
  }

  private gateField(gate: AstGate | undefined): { gate?: AstGate } {
    return gate === undefined ? {} : { gate };
  }

  private packageItem(): AstPackageItem {
    const first = this.lx.peek();
    const docs = docsOf(first);
    const gate = this.gate();
    const t = this.lx.next();
    if (t.kind === 'keyword' && t.text === 'interface') {
      const name = this.ident();
      const items = this.interfaceBody();
      return { kind: 'interface', name, items, ...docs, ...this.gateField(gate) } satisfies AstInterface;
    }
    if (t.kind === 'keyword' && t.text === 'world') {
      const name = this.ident();
      this.expectPunct('{');
      const items: AstWorldItem[] = [];
      while (!this.eatPunct('}')) items.push(this.worldItem());
      return { kind: 'world', name, items, ...docs, ...this.gateField(gate) } satisfies AstWorld;
    }
    if (t.kind === 'keyword' && t.text === 'use') {
      if (gate !== undefined)
        throw this.lx.error(gate.start, 'attributes are not allowed on a top-level `use`');
      const path = this.usePath();
      const as = this.eatKeyword('as') ? this.ident() : undefined;
      this.expectPunct(';');
      return {
        kind: 'top-use',
        path,
        start: t.start,
        ...(as === undefined ? {} : { as }),
        ...docs,
        ...this.gateField(gate),
      };
    }
    throw this.fail(t, '`world`, `interface` or `use`');
  }

  private interfaceBody(): AstInterfaceItem[] {
    this.expectPunct('{');
    const items: AstInterfaceItem[] = [];
    while (!this.eatPunct('}')) items.push(this.interfaceItem());
    return items;
  }

  private interfaceItem(): AstInterfaceItem {
    const first = this.lx.peek();
    const docs = docsOf(first);
    const gate = this.gate();
    const t = this.lx.peek();
    if (t.kind === 'keyword' && t.text === 'use') return this.useItem(docs, gate);
    const def = this.typedef(docs, gate);
    if (def !== undefined) return { kind: 'typedef', def };
    if (t.kind === 'id') {
      const name = this.ident();
      this.expectPunct(':');
      const func = this.funcType();
      this.expectPunct(';');
      return { kind: 'func', name, func, ...docs, ...this.gateField(gate) };
    }
    throw this.fail(t, '`type`, `resource`, `record`, `variant`, `enum`, `flags`, `use` or a function name');
  }

  private useItem(docs: { docs?: string }, gate: AstGate | undefined): AstUse {
    const kw = this.expectKeyword('use');
    const path = this.usePath();
    this.expectPunct('.');
    this.expectPunct('{');
    const names: { name: AstIdent; as?: AstIdent }[] = [];
    while (!this.isPunct('}')) {
      const name = this.ident();
      names.push(this.eatKeyword('as') ? { name, as: this.ident() } : { name });
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct('}');
    this.expectPunct(';');
    return { kind: 'use', path, names, start: kw.start, ...docs, ...this.gateField(gate) };
  }

  private usePath(): AstUsePath {
    const first = this.ident('an interface name or `namespace:package/interface`');
    if (!this.eatPunct(':')) return { kind: 'local', name: first };
    const pkg = this.ident('a package name');
    this.expectPunct('/');
    const name = this.ident('an interface or world name');
    const version = this.optVersion();
    return {
      kind: 'package',
      package: {
        namespace: first.name,
        name: pkg.name,
        start: first.start,
        ...(version === undefined ? {} : { version }),
      },
      name,
    };
  }

  /** Parses a type definition if the next token starts one; returns undefined otherwise. */
  private typedef(docs: { docs?: string }, gate: AstGate | undefined): AstTypeDef | undefined {
    const t = this.lx.peek();
    if (t.kind !== 'keyword') return undefined;
    const base = { ...docs, ...this.gateField(gate) };
    switch (t.text) {
      case 'type': {
        this.lx.next();
        const name = this.ident();
        this.expectPunct('=');
        const type = this.type();
        this.expectPunct(';');
        return { kind: 'alias', name, type, ...base };
      }
      case 'record': {
        this.lx.next();
        const name = this.ident();
        const fields = this.commaList(() => {
          const named = this.named();
          this.expectPunct(':');
          return { ...named, type: this.type() };
        });
        return { kind: 'record', name, fields, ...base };
      }
      case 'variant': {
        this.lx.next();
        const name = this.ident();
        const cases = this.commaList(() => {
          const named = this.named();
          if (!this.eatPunct('(')) return named;
          const type = this.type();
          this.expectPunct(')');
          return { ...named, type };
        });
        if (cases.length === 0)
          throw this.lx.error(name.start, `variant \`${name.name}\` must have at least one case`);
        return { kind: 'variant', name, cases, ...base };
      }
      case 'enum': {
        this.lx.next();
        const name = this.ident();
        const cases = this.commaList(() => this.named());
        if (cases.length === 0)
          throw this.lx.error(name.start, `enum \`${name.name}\` must have at least one case`);
        return { kind: 'enum', name, cases, ...base };
      }
      case 'flags': {
        this.lx.next();
        const name = this.ident();
        const flags = this.commaList(() => this.named());
        return { kind: 'flags', name, flags, ...base };
      }
      case 'resource': {
        this.lx.next();
        const name = this.ident();
        const funcs: AstResourceFunc[] = [];
        if (this.eatPunct('{')) {
          while (!this.eatPunct('}')) funcs.push(this.resourceFunc());
        } else {
          this.expectPunct(';');
        }
        return { kind: 'resource', name, funcs, ...base };
      }
      default:
        return undefined;
    }
  }

  private resourceFunc(): AstResourceFunc {
    const first = this.lx.peek();
    const docs = docsOf(first);
    const gate = this.gateField(this.gate());
    const t = this.lx.next();
    if (t.kind === 'keyword' && t.text === 'constructor') {
      const params = this.params();
      const result = this.eatPunct('->') ? this.type() : undefined;
      this.expectPunct(';');
      const func: AstFunc = {
        async: false,
        params,
        start: t.start,
        ...(result === undefined ? {} : { result }),
      };
      return { kind: 'constructor', name: { name: 'constructor', start: t.start }, func, ...docs, ...gate };
    }
    if (t.kind !== 'id') throw this.fail(t, '`constructor` or a method name');
    const name = { name: t.text, start: t.start };
    this.expectPunct(':');
    const isStatic = this.eatKeyword('static');
    const func = this.funcType();
    this.expectPunct(';');
    return { kind: isStatic ? 'static' : 'method', name, func, ...docs, ...gate };
  }

  /** A field, case or flag name with its docs; these take no gates. */
  private named(): AstNamed {
    const first = this.lx.peek();
    return { name: this.ident(), ...docsOf(first) };
  }

  /** `{ item, item, }` with an optional trailing comma. */
  private commaList<T>(item: () => T): T[] {
    this.expectPunct('{');
    const out: T[] = [];
    while (!this.isPunct('}')) {
      out.push(item());
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct('}');
    return out;
  }

  private funcType(): AstFunc {
    const start = this.lx.peek().start;
    const isAsync = this.eatKeyword('async');
    this.expectKeyword('func');
    const params = this.params();
    const result = this.eatPunct('->') ? this.type() : undefined;
    return { async: isAsync, params, start, ...(result === undefined ? {} : { result }) };
  }

  private params(): (AstNamed & { type: AstType })[] {
    this.expectPunct('(');
    const params: (AstNamed & { type: AstType })[] = [];
    while (!this.isPunct(')')) {
      const name = this.ident('a parameter name');
      this.expectPunct(':');
      params.push({ name, type: this.type() });
      if (!this.eatPunct(',')) break;
    }
    this.expectPunct(')');
    return params;
  }

  private type(): AstType {
    const t = this.lx.next();
    const start = t.start;
    if (t.kind === 'id') return { kind: 'named', name: { name: t.text, start } };
    if (t.kind !== 'keyword') throw this.fail(t, 'a type');
    if (PRIMITIVES.has(t.text)) return { kind: 'primitive', name: t.text as PrimitiveName, start };
    switch (t.text) {
      case 'list': {
        this.expectPunct('<');
        const element = this.type();
        let length: number | undefined;
        if (this.eatPunct(',')) {
          const n = this.lx.next();
          if (n.kind !== 'integer') throw this.fail(n, 'a list length');
          length = Number(n.text);
          if (!Number.isSafeInteger(length) || length > 0xffffffff) {
            throw this.lx.error(n.start, `list length \`${n.text}\` is too large`);
          }
        }
        this.expectPunct('>');
        return { kind: 'list', element, start, ...(length === undefined ? {} : { length }) };
      }
      case 'option': {
        this.expectPunct('<');
        const type = this.type();
        this.expectPunct('>');
        return { kind: 'option', type, start };
      }
      case 'result': {
        if (!this.eatPunct('<')) return { kind: 'result', start };
        if (this.eatKeyword('_')) {
          this.expectPunct(',');
          const err = this.type();
          this.expectPunct('>');
          return { kind: 'result', err, start };
        }
        const ok = this.type();
        const err = this.eatPunct(',') ? this.type() : undefined;
        this.expectPunct('>');
        return { kind: 'result', ok, start, ...(err === undefined ? {} : { err }) };
      }
      case 'tuple': {
        this.expectPunct('<');
        const types: AstType[] = [];
        while (!this.isPunct('>')) {
          types.push(this.type());
          if (!this.eatPunct(',')) break;
        }
        this.expectPunct('>');
        return { kind: 'tuple', types, start };
      }
      case 'own':
      case 'borrow': {
        this.expectPunct('<');
        const resource = this.ident('a resource name');
        this.expectPunct('>');
        return { kind: 'handle', handle: t.text, resource, start };
      }
      case 'future':
      case 'stream': {
        if (!this.eatPunct('<')) return { kind: t.text, start };
        const type = this.type();
        this.expectPunct('>');
        return { kind: t.text, type, start };
      }
      case 'error-context':
        return { kind: 'error-context', start };
      default:
        throw this.fail(t, 'a type');
    }
  }

  private worldItem(): AstWorldItem {
    const first = this.lx.peek();
    const docs = docsOf(first);
    const gate = this.gate();
    const t = this.lx.peek();
    if (t.kind === 'keyword' && (t.text === 'import' || t.text === 'export')) {
      this.lx.next();
      return { kind: t.text, extern: this.extern(), start: t.start, ...docs, ...this.gateField(gate) };
    }
    if (t.kind === 'keyword' && t.text === 'use') return this.useItem(docs, gate);
    if (t.kind === 'keyword' && t.text === 'include') {
      this.lx.next();
      const path = this.usePath();
      const renames: { from: AstIdent; to: AstIdent }[] = [];
      if (this.eatKeyword('with')) {
        renames.push(
          ...this.commaList(() => {
            const from = this.ident();
            this.expectKeyword('as');
            return { from, to: this.ident() };
          }),
        );
      } else {
        this.expectPunct(';');
      }
      return { kind: 'include', path, with: renames, start: t.start, ...docs, ...this.gateField(gate) };
    }
    const def = this.typedef(docs, gate);
    if (def !== undefined) return { kind: 'typedef', def };
    throw this.fail(t, '`import`, `export`, `include`, `use` or a type definition');
  }

  private extern(): AstExtern {
    const first = this.ident('an interface name or a kebab-case name');
    if (this.eatPunct(':')) {
      const next = this.lx.peek();
      if (next.kind === 'keyword' && (next.text === 'func' || next.text === 'async')) {
        const func = this.funcType();
        this.expectPunct(';');
        return { kind: 'func', name: first, func };
      }
      if (next.kind === 'keyword' && next.text === 'interface') {
        this.lx.next();
        return { kind: 'interface', name: first, items: this.interfaceBody() };
      }
      // `ns:pkg/iface`: the identifier before ':' was a namespace.
      const pkg = this.ident('`func`, `interface` or a package name');
      this.expectPunct('/');
      const name = this.ident('an interface name');
      const version = this.optVersion();
      this.expectPunct(';');
      return {
        kind: 'path',
        path: {
          kind: 'package',
          package: {
            namespace: first.name,
            name: pkg.name,
            start: first.start,
            ...(version === undefined ? {} : { version }),
          },
          name,
        },
      };
    }
    this.expectPunct(';');
    return { kind: 'path', path: { kind: 'local', name: first } };
  }
}
