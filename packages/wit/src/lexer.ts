import { WitError, type WitLocation } from './errors.js';

/** Words that cannot be used as identifiers unless escaped with `%`. */
const KEYWORDS = new Set([
  'use',
  'type',
  'resource',
  'func',
  'u8',
  'u16',
  'u32',
  'u64',
  's8',
  's16',
  's32',
  's64',
  'f32',
  'f64',
  'char',
  'record',
  'flags',
  'variant',
  'enum',
  'bool',
  'string',
  'option',
  'result',
  'future',
  'stream',
  'error-context',
  'list',
  '_',
  'as',
  'from',
  'static',
  'interface',
  'tuple',
  'import',
  'export',
  'world',
  'package',
  'constructor',
  'include',
  'with',
  'own',
  'borrow',
  'async',
]);

/** Kinds of token the lexer produces. */
export type TokenKind = 'id' | 'keyword' | 'integer' | 'punct' | 'eof';

/** One token with its position; `docs` are the doc comments right before it. */
export interface Token {
  readonly kind: TokenKind;
  /** Identifier name (without `%`), keyword, digits, or punctuation. */
  readonly text: string;
  /** Whether an identifier was written with a leading `%`. */
  readonly explicit: boolean;
  readonly start: number;
  readonly end: number;
  readonly docs: readonly string[];
}

const PUNCT2 = ['->'];
const PUNCT1 = new Set(['{', '}', '(', ')', '<', '>', ',', ';', ':', '=', '.', '/', '@', '*']);

/** Describes a token the way error messages quote it. */
export function describeToken(tok: Token): string {
  switch (tok.kind) {
    case 'eof':
      return 'end of file';
    case 'id':
      return `identifier \`${tok.explicit ? '%' : ''}${tok.text}\``;
    case 'keyword':
      return `keyword \`${tok.text}\``;
    case 'integer':
      return `integer \`${tok.text}\``;
    default:
      return `'${tok.text}'`;
  }
}

/**
 * An on-demand tokenizer over one file. The parser pulls tokens with `peek`/`next`; versions are
 * read from raw characters (`readVersion`) because semver pre-release and build parts do not fit
 * WIT's token rules (`1.0.0-rc.1+0a`).
 */
export class Lexer {
  readonly file: string;
  readonly source: string;
  private pos = 0;
  private peeked: Token | undefined;
  private lineStarts: number[] | undefined;

  constructor(source: string, file: string) {
    this.source = source;
    this.file = file;
    checkInput(this);
    if (source.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** Turns an offset into a 1-based line/column location. */
  locate(offset: number): WitLocation {
    if (this.lineStarts === undefined) {
      const starts = [0];
      for (let i = 0; i < this.source.length; i++) if (this.source[i] === '\n') starts.push(i + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: offset - starts[lo]! + 1, offset };
  }

  /** Builds a `WITKIT_WIT_PARSE` error at `offset`. */
  error(offset: number, message: string): WitError {
    return new WitError('WITKIT_WIT_PARSE', message, { location: this.locate(offset), source: this.source });
  }

  peek(): Token {
    if (this.peeked === undefined) this.peeked = this.lex();
    return this.peeked;
  }

  next(): Token {
    const tok = this.peek();
    this.peeked = undefined;
    return tok;
  }

  /**
   * Reads a semver version at the current position, e.g. right after `@` or `=`. Returns the
   * text and its start offset. A trailing `.` is left alone because `use a:b/c@1.0.0.{x}` follows
   * a version with `.{`.
   */
  readVersion(): { text: string; start: number } {
    if (this.peeked !== undefined) {
      this.pos = this.peeked.start;
      this.peeked = undefined;
    }
    this.skipTrivia([]);
    const start = this.pos;
    let end = start;
    while (end < this.source.length && /[0-9A-Za-z.+-]/.test(this.source[end]!)) end++;
    while (end > start && this.source[end - 1] === '.') end--;
    this.pos = end;
    let text = this.source.slice(start, end);
    // wasm-tools eats a `-` or `+` that no identifier follows and leaves it out of the version
    // (`1.0.0-` is `1.0.0`); do the same so both accept the same files.
    if (text.endsWith('+')) text = text.slice(0, -1);
    if (/^[0-9]+\.[0-9]+\.[0-9]+-$/.test(text)) text = text.slice(0, -1);
    return { text, start };
  }

  private skipTrivia(docs: string[]): void {
    const src = this.source;
    for (;;) {
      const ch = src[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n') {
        this.pos++;
      } else if (ch === '\r' && src[this.pos + 1] === '\n') {
        // Only CRLF line ends are whitespace; a lone CR is rejected like any stray character.
        this.pos += 2;
      } else if (ch === '/' && src[this.pos + 1] === '/') {
        let end = src.indexOf('\n', this.pos);
        if (end === -1) end = src.length;
        const text = src.slice(this.pos, end).replace(/\r$/, '');
        if (text.startsWith('///') && !text.startsWith('////')) docs.push(text.slice(3).replace(/^ /, ''));
        this.pos = end;
      } else if (ch === '/' && src[this.pos + 1] === '*') {
        const start = this.pos;
        let depth = 1;
        let i = this.pos + 2;
        // Block comments nest, as in Rust.
        while (depth > 0) {
          if (i >= src.length) throw this.error(start, 'unterminated block comment');
          if (src[i] === '/' && src[i + 1] === '*') {
            depth++;
            i += 2;
          } else if (src[i] === '*' && src[i + 1] === '/') {
            depth--;
            i += 2;
          } else i++;
        }
        const text = src.slice(start, i);
        if (text.startsWith('/**') && !text.startsWith('/***') && text !== '/**/') {
          const lines = text
            .slice(3, -2)
            .split(/\r?\n/)
            .map((line) => line.replace(/^\s*\*? ?/, '').trimEnd());
          // The `/**` and ` */` lines of a multi-line block carry no text.
          while (lines[0] === '') lines.shift();
          while (lines.at(-1) === '') lines.pop();
          docs.push(...lines);
        }
        this.pos = i;
      } else {
        return;
      }
    }
  }

  private lex(): Token {
    const docs: string[] = [];
    this.skipTrivia(docs);
    const src = this.source;
    const start = this.pos;
    if (start >= src.length) return { kind: 'eof', text: '', explicit: false, start, end: start, docs };
    const ch = src[start]!;
    for (const p of PUNCT2) {
      if (src.startsWith(p, start)) {
        this.pos += p.length;
        return { kind: 'punct', text: p, explicit: false, start, end: this.pos, docs };
      }
    }
    if (PUNCT1.has(ch)) {
      this.pos++;
      return { kind: 'punct', text: ch, explicit: false, start, end: this.pos, docs };
    }
    if (/[0-9]/.test(ch)) {
      let end = start;
      while (end < src.length && /[0-9]/.test(src[end]!)) end++;
      this.pos = end;
      return { kind: 'integer', text: src.slice(start, end), explicit: false, start, end, docs };
    }
    const explicit = ch === '%';
    const idStart = explicit ? start + 1 : start;
    let end = idStart;
    while (end < src.length && isIdChar(src.codePointAt(end)!)) end += src.codePointAt(end)! > 0xffff ? 2 : 1;
    if (end === idStart) {
      if (explicit) throw this.error(start, 'expected an identifier after `%`');
      throw this.error(start, `unexpected character '${String.fromCodePoint(src.codePointAt(start)!)}'`);
    }
    this.pos = end;
    const text = src.slice(idStart, end);
    if (!explicit && KEYWORDS.has(text)) return { kind: 'keyword', text, explicit, start, end, docs };
    validateId(this, text, idStart);
    return { kind: 'id', text, explicit, start, end, docs };
  }
}

function isIdChar(cp: number): boolean {
  // Lex every letter and digit, then reject what is not kebab-case with a precise message.
  return (
    (cp >= 0x30 && cp <= 0x39) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    (cp >= 0x61 && cp <= 0x7a) ||
    cp === 0x2d ||
    cp === 0x5f ||
    (cp > 0x7f && /[\p{L}\p{N}\p{M}]/u.test(String.fromCodePoint(cp)))
  );
}

/**
 * Enforces WIT's kebab-case: words joined by single `-`, each all lowercase or all uppercase
 * ASCII letters and digits; the first word starts with a letter, later words may start with a digit.
 */
function validateId(lexer: Lexer, id: string, start: number): void {
  const parts = id.split('-');
  let offset = start;
  for (const [i, part] of parts.entries()) {
    if (part === '') throw lexer.error(start, `identifier \`${id}\` must have characters between '-'s`);
    for (let j = 0; j < part.length; j++) {
      const c = part[j]!;
      if (!/[A-Za-z0-9]/.test(c)) {
        throw lexer.error(offset + j, `invalid character '${c}' in identifier \`${id}\``);
      }
    }
    if (i === 0 && /[0-9]/.test(part[0]!)) {
      throw lexer.error(offset, `identifier \`${id}\` must start with a letter`);
    }
    if (/[a-z]/.test(part) && /[A-Z]/.test(part)) {
      const bad = Math.max(0, part.search(/[a-z]/.test(part[0]!) ? /[A-Z]/ : /[a-z]/));
      throw lexer.error(
        offset + bad,
        `invalid character '${part[bad]}' in identifier \`${id}\`: each word must be all lowercase or all uppercase`,
      );
    }
    offset += part.length + 1;
  }
}

function checkInput(lexer: Lexer): void {
  const src = lexer.source;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    // Bidirectional overrides can make code read differently than it parses (CVE-2021-42574).
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      throw lexer.error(
        i,
        `input contains bidirectional override codepoint U+${c.toString(16).padStart(4, '0')}`,
      );
    }
    const isControl = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
    if (isControl) throw lexer.error(i, `control code U+${c.toString(16).padStart(4, '0')} is not allowed`);
  }
}

/** Computes the 1-based line/column of `offset` in `source`, for errors found after parsing. */
export function locateIn(source: string, file: string, offset: number): WitLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { file, line, column: offset - lineStart + 1, offset };
}
