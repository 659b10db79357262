/**
 * Finds the line where a key is set in TOML text, so errors found after parsing (which loses
 * positions) can still point at the file's line. Tracks `[table]` headers and dotted keys;
 * for a path into an array or a value, answers with the line of the nearest key above it.
 *
 * @returns a 1-based line number, or `undefined` when no line sets any prefix of the path
 */
export function locateKey(source: string, path: readonly (string | number)[]): number | undefined {
  const keys = path.filter((p): p is string => typeof p === 'string');
  let table: string[] = [];
  let best: { line: number; depth: number } | undefined;
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.replace(/#.*$/, '').trim();
    const header = /^\[{1,2}\s*([^\]]+?)\s*\]{1,2}$/.exec(text);
    let full: string[] | undefined;
    if (header) {
      table = splitKey(header[1]!);
      full = table;
    } else {
      const assign =
        /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(text);
      if (assign) full = [...table, ...splitKey(assign[1]!)];
    }
    if (!full) continue;
    let depth = 0;
    while (depth < full.length && depth < keys.length && full[depth] === keys[depth]) depth++;
    if (depth === full.length && depth > 0 && (!best || depth > best.depth)) best = { line: i + 1, depth };
  }
  if (!best) return undefined;
  // A path into an array of strings (`fs[2]`): find the line holding that element.
  const index = path[path.indexOf(keys[best.depth - 1]!) + 1];
  return typeof index === 'number' && best.depth === keys.length
    ? elementLine(lines, best.line, index)
    : best.line;
}

function elementLine(lines: readonly string[], keyLine: number, index: number): number {
  let seen = 0;
  for (let i = keyLine - 1; i < lines.length; i++) {
    const text = i === keyLine - 1 ? lines[i]!.slice(lines[i]!.indexOf('=') + 1) : lines[i]!;
    for (const m of text.replace(/#.*$/, '').matchAll(/"(?:[^"\\]|\\.)*"|'[^']*'|\]/g)) {
      if (m[0] === ']') return keyLine;
      if (seen++ === index) return i + 1;
    }
  }
  return keyLine;
}

function splitKey(key: string): string[] {
  return [...key.matchAll(/"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}
