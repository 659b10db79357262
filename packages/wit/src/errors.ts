/**
 * Stable error codes of the WIT front end.
 *
 * - `WITKIT_WIT_PARSE`: the text is not valid WIT syntax (lexing, parsing, identifier or version format).
 * - `WITKIT_WIT_RESOLVE`: the text parses, but names, packages or types do not resolve.
 * - `WITKIT_WIT_IO`: a file or directory could not be read.
 */
export type WitErrorCode = 'WITKIT_WIT_PARSE' | 'WITKIT_WIT_RESOLVE' | 'WITKIT_WIT_IO';

/** A position in a WIT source file; `line` and `column` are 1-based, `offset` is 0-based. */
export interface WitLocation {
  /** File name as given to the parser (a path, or a name chosen by the caller). */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units like editors do. */
  readonly column: number;
  /** 0-based character offset into the file. */
  readonly offset: number;
}

const BRAND = Symbol.for('witkit.WitError');

/** Options of {@link WitError}. */
export interface WitErrorOptions {
  /** Where in which file the problem is; absent for errors about packages as a whole. */
  location?: WitLocation | undefined;
  /** Source text of the file, used to render a snippet with a caret under the offending place. */
  source?: string | undefined;
  /** The error this one wraps. */
  cause?: unknown;
}

/**
 * Thrown for WIT that cannot be parsed or resolved, and for WIT files that cannot be read.
 *
 * `message` is the bare problem (lowercase, no final period, identifiers in backticks);
 * `formatted` adds `file:line:column` and a source snippet with a caret.
 * Recognise it with {@link isWitError} rather than `instanceof`, which fails across copies of this package.
 *
 * @example
 * ```ts
 * try {
 *   parseWit('package a:b;\ninterface x { f: func( }', 'x.wit');
 * } catch (err) {
 *   if (isWitError(err)) console.error(err.formatted);
 * }
 * ```
 */
export class WitError extends Error {
  /** Stable machine-readable category of the problem. */
  readonly code: WitErrorCode;
  /** File the problem is in, when it is in one. */
  readonly file: string | undefined;
  /** 1-based line of the problem, when it is in a file. */
  readonly line: number | undefined;
  /** 1-based column of the problem, when it is in a file. */
  readonly column: number | undefined;
  /** `file:line:column: message` followed by a snippet of the source with a caret, when available. */
  readonly formatted: string;
  readonly [BRAND] = true;

  constructor(code: WitErrorCode, message: string, options: WitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WitError';
    this.code = code;
    const loc = options.location;
    this.file = loc?.file;
    this.line = loc?.line;
    this.column = loc?.column;
    this.formatted = formatError(message, loc, options.source);
  }
}

/**
 * Whether `value` is a {@link WitError}, from this or any other copy of the package.
 *
 * @example
 * ```ts
 * if (isWitError(err) && err.code === 'WITKIT_WIT_PARSE') showSyntaxError(err.line, err.column);
 * ```
 */
export function isWitError(value: unknown): value is WitError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

function formatError(message: string, loc: WitLocation | undefined, source: string | undefined): string {
  if (loc === undefined) return message;
  const head = `${loc.file}:${loc.line}:${loc.column}: ${message}`;
  if (source === undefined) return head;
  const lineText = source.split(/\r?\n/)[loc.line - 1];
  if (lineText === undefined) return head;
  const gutter = String(loc.line);
  const pad = ' '.repeat(gutter.length);
  // Tabs keep their width in the caret line so the caret lands under the right character.
  const caretPad = lineText.slice(0, loc.column - 1).replace(/[^\t]/g, ' ');
  return `${head}\n${pad} |\n${gutter} | ${lineText}\n${pad} | ${caretPad}^`;
}
