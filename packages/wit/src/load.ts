import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AstFile } from './ast.js';
import { WitError } from './errors.js';
import type { WitResolve, WitWorld } from './model.js';
import { parseWit } from './parser.js';
import { type ResolveOptions, resolvePackages } from './resolver.js';

/**
 * Resolves WIT given as text. Either one file's text, or a map from relative path to text laid out
 * like a directory: top-level `*.wit` files form the root package, and `deps/<name>.wit` or
 * `deps/<name>/*.wit` each form a dependency package.
 *
 * @param files - WIT text, or `{ 'main.wit': '...', 'deps/http/types.wit': '...' }`.
 * @throws {@link WitError} (`WITKIT_WIT_PARSE`, `WITKIT_WIT_RESOLVE`) for invalid WIT.
 *
 * @example
 * ```ts
 * const resolve = resolveWitSource({
 *   'world.wit': 'package my:app;\nworld app { import my:log/logger; }',
 *   'deps/log.wit': 'package my:log;\ninterface logger { log: func(msg: string); }',
 * });
 * selectWorld(resolve, 'app').imports.has('my:log/logger'); // true
 * ```
 */
export function resolveWitSource(
  files: string | Readonly<Record<string, string>>,
  options: ResolveOptions = {},
): WitResolve {
  if (typeof files === 'string')
    return resolvePackages({ root: [parseWit(files, 'input.wit')], deps: [] }, options);
  if (typeof files !== 'object' || files === null) {
    throw new TypeError(
      `expected \`files\` to be a string or an object of file texts, got ${files === null ? 'null' : typeof files}`,
    );
  }
  const root: AstFile[] = [];
  const deps = new Map<string, AstFile[]>();
  for (const path of Object.keys(files).sort()) {
    const text = files[path]!;
    if (path.startsWith('deps/') && path.endsWith('.wasm')) throw binaryPackage(path);
    if (!path.endsWith('.wit')) continue;
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 1) root.push(parseWit(text, path));
    else if (parts[0] === 'deps' && parts.length === 2) deps.set(path, [parseWit(text, path)]);
    else if (parts[0] === 'deps' && parts.length === 3) {
      const key = `deps/${parts[1]}/`;
      const list = deps.get(key) ?? [];
      list.push(parseWit(text, path));
      deps.set(key, list);
    }
    // Deeper files are ignored, as the reference implementation reads only `deps/` of the root.
  }
  return resolvePackages({ root, deps: [...deps.values()] }, options);
}

/**
 * Reads and resolves WIT from disk, like `wasm-tools component wit <path>`.
 *
 * A file is one package on its own. A directory's `*.wit` files form the root package, and each
 * entry of its `deps/` folder is a dependency package: a folder of `*.wit` files or a single `.wit`
 * file. Only the root's `deps/` is read; `deps/` folders inside dependencies are ignored.
 *
 * @param path - A `.wit` file or a directory.
 * @throws {@link WitError} with code `WITKIT_WIT_IO` when files cannot be read, `WITKIT_WIT_PARSE`/`WITKIT_WIT_RESOLVE` for invalid WIT.
 *
 * @example
 * ```ts
 * const resolve = await resolveWitPath('wit');
 * for (const [key] of selectWorld(resolve, 'plugin').exports) console.log(key);
 * ```
 */
export async function resolveWitPath(path: string, options: ResolveOptions = {}): Promise<WitResolve> {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`expected \`path\` to be a non-empty string, got ${JSON.stringify(path)}`);
  }
  const info = await io(path, () => stat(path));
  if (info.isFile()) return resolvePackages({ root: [await readWit(path)], deps: [] }, options);
  const root = await readDirWit(path);
  if (root.length === 0) {
    throw new WitError('WITKIT_WIT_IO', `no \`.wit\` files found in directory \`${path}\``);
  }
  const deps: AstFile[][] = [];
  const depsDir = join(path, 'deps');
  const depsInfo = await stat(depsDir).catch(() => undefined);
  if (depsInfo?.isDirectory()) {
    const entries = await io(depsDir, () => readdir(depsDir, { withFileTypes: true }));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(depsDir, entry.name);
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full)).isDirectory());
      if (isDir) {
        const files = await readDirWit(full);
        if (files.length === 0) {
          throw new WitError('WITKIT_WIT_IO', `dependency directory \`${full}\` contains no \`.wit\` files`);
        }
        deps.push(files);
      } else if (entry.name.endsWith('.wit')) {
        deps.push([await readWit(full)]);
      } else if (entry.name.endsWith('.wasm')) {
        throw binaryPackage(full);
      }
    }
  }
  return resolvePackages({ root, deps }, options);
}

/**
 * Picks a world of the root package by name, or any world by id (`ns:pkg/world@version`).
 * Without a name, the root package must have exactly one world.
 *
 * @throws {@link WitError} with code `WITKIT_WIT_RESOLVE` when the world does not exist or the choice is ambiguous.
 *
 * @example
 * ```ts
 * const world = selectWorld(await resolveWitPath('wit'), 'full-plugin');
 * ```
 */
export function selectWorld(resolve: WitResolve, name?: string): WitWorld {
  const root = resolve.root;
  if (name === undefined) {
    const worlds = [...root.worlds.values()];
    if (worlds.length === 1) return worlds[0]!;
    const names = worlds.map((w) => `\`${w.name}\``).join(', ');
    throw new WitError(
      'WITKIT_WIT_RESOLVE',
      worlds.length === 0
        ? `package \`${root.id}\` has no worlds`
        : `package \`${root.id}\` has several worlds (${names}); pass the name of one`,
    );
  }
  const local = root.worlds.get(name);
  if (local !== undefined) return local;
  for (const pkg of resolve.packages) for (const w of pkg.worlds.values()) if (w.id === name) return w;
  throw new WitError('WITKIT_WIT_RESOLVE', `world \`${name}\` not found in package \`${root.id}\``);
}

/** wasm-tools also reads WIT packages encoded as wasm from `deps/`; say so instead of ignoring them. */
function binaryPackage(path: string): WitError {
  return new WitError(
    'WITKIT_WIT_IO',
    `\`${path}\` is a WIT package encoded as wasm, which cannot be read yet; put its text form in \`deps/\` instead (\`wasm-tools component wit ${path}\`)`,
  );
}

async function readDirWit(dir: string): Promise<AstFile[]> {
  const entries = await io(dir, () => readdir(dir, { withFileTypes: true }));
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.wit'))
    .map((e) => e.name)
    .sort();
  const out: AstFile[] = [];
  for (const name of names) out.push(await readWit(join(dir, name)));
  return out;
}

async function readWit(path: string): Promise<AstFile> {
  const text = await io(path, () => readFile(path, 'utf8'));
  return parseWit(text, path);
}

async function io<T>(path: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new WitError(
      'WITKIT_WIT_IO',
      `cannot read \`${path}\`${typeof code === 'string' ? ` (${code})` : ''}`,
      {
        cause,
      },
    );
  }
}
