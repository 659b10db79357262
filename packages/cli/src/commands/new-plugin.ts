/**
 * `witkit new plugin <name> --lang ts|rust --world <w> [--dir <dir>]`: scaffolds a plugin that
 * builds, loads and passes its generated test right away. The stubs are typed and derived from
 * the world's WIT: every exported function returns a zero value of its result type.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
// The generator's own naming, so the stubs name exactly what the bindings define.
import {
  rustCamelName as camel,
  RustBindingsLayout,
  rustTypeName,
  rustSnakeName as snake,
} from '@witkit/bindgen-rust';
import { jsExportName } from '@witkit/build';
import {
  resolveWitPath,
  selectWorld,
  unaliasTypeDef,
  type WitFunction,
  type WitInterface,
  type WitResolve,
  type WitType,
  type WitTypeDef,
  type WitWorld,
} from '@witkit/wit';
import { witDir as contractsWitDir } from '@witkit/wit-types';
import type { CommandIo } from './wit-resolve.js';

/** This package's version: from `src/commands/` in tests, from a `dist/` chunk when bundled. */
const cliVersion = ((): string => {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === '@witkit/cli' && pkg.version !== undefined) return pkg.version;
    } catch {
      // Not this layout.
    }
  }
  return '0.1.0';
})();

/** The languages {@link runNewPlugin} scaffolds. */
export type ScaffoldLang = 'ts' | 'rust';

/** The codes of {@link ScaffoldError}. */
export type ScaffoldErrorCode =
  | 'WITKIT_SCAFFOLD_EXISTS'
  | 'WITKIT_SCAFFOLD_UNKNOWN_WORLD'
  | 'WITKIT_SCAFFOLD_BAD_NAME'
  | 'WITKIT_SCAFFOLD_BAD_LANG'
  | 'WITKIT_SCAFFOLD_UNSUPPORTED';

const BRAND = Symbol.for('witkit.ScaffoldError');

/** A scaffolding failure the user can fix; `code` is stable, the message says what to do. */
export class ScaffoldError extends Error {
  readonly code: ScaffoldErrorCode;
  readonly [BRAND] = true;
  constructor(code: ScaffoldErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScaffoldError';
    this.code = code;
  }
}

/** Whether `e` is a {@link ScaffoldError}, from any copy of this package. */
export function isScaffoldError(e: unknown): e is ScaffoldError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Options of {@link runNewPlugin}. */
export interface NewPluginOptions {
  readonly lang: ScaffoldLang;
  /** A world of the witkit contracts, e.g. `processor-plugin`. */
  readonly world: string;
  /**
   * The folder to create (must not exist, or be empty).
   * @default `plugins-js/<name>` or `plugins-rust/<name>` under the monorepo root (or the current folder)
   */
  readonly dir?: string | undefined;
  /** Where relative paths start. @default process.cwd() */
  readonly cwd?: string | undefined;
  /** The WIT folder the world comes from. @default the contracts of `@witkit/wit-types` */
  readonly witDir?: string | undefined;
}

/** What {@link runNewPlugin} created. */
export interface NewPluginResult {
  readonly dir: string;
  /** Paths relative to `dir`, sorted. */
  readonly files: readonly string[];
  /** Lines printed after the file list: next steps, workspace notes. */
  readonly notes: readonly string[];
}

const NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

// ---- names ---------------------------------------------------------------------------------

/** `plugin-metadata` → `pluginMetadata`: JS functions and fields, as jco names them. */
function jsName(name: string): string {
  return name.replace(/^%/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// ---- the world -----------------------------------------------------------------------------

/** One exported function, with where it lives. */
interface ExportedFunction {
  /** The world's export key, or undefined for a function the world exports itself. */
  readonly iface?: WitInterface;
  readonly key: string;
  readonly fn: WitFunction;
}

function unsupported(what: string, world: WitWorld): ScaffoldError {
  return new ScaffoldError(
    'WITKIT_SCAFFOLD_UNSUPPORTED',
    `world \`${world.name}\` exports ${what}, which the scaffolder cannot stub yet; scaffold a world without it, or write that export by hand`,
  );
}

function exportedFunctions(world: WitWorld): ExportedFunction[] {
  const out: ExportedFunction[] = [];
  for (const [key, item] of world.exports) {
    if (item.kind === 'function') out.push({ key, fn: item.function });
    else if (item.kind === 'interface') {
      for (const fn of item.interface.functions.values()) {
        if (fn.kind !== 'freestanding')
          throw unsupported(`resource functions (\`${fn.qualifiedName}\`)`, world);
        out.push({ iface: item.interface, key, fn });
      }
    }
  }
  return out;
}

/** Loads the world, or throws `WITKIT_SCAFFOLD_UNKNOWN_WORLD` listing the worlds there are. */
export async function loadScaffoldWorld(world: string, witDir = contractsWitDir): Promise<WitWorld> {
  const resolved: WitResolve = await resolveWitPath(witDir);
  const names = [...resolved.root.worlds.keys()];
  if (!resolved.root.worlds.has(world) && !names.some((n) => resolved.root.worlds.get(n)!.id === world)) {
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_UNKNOWN_WORLD',
      `unknown world \`${world}\`; expected one of ${names.map((n) => `\`${n}\``).join(', ')}`,
    );
  }
  return selectWorld(resolved, world);
}

// ---- TypeScript values ---------------------------------------------------------------------

const TYPED_ARRAYS: Partial<Record<WitType['kind'], string>> = {
  u8: 'Uint8Array',
  s8: 'Int8Array',
  u16: 'Uint16Array',
  s16: 'Int16Array',
  u32: 'Uint32Array',
  s32: 'Int32Array',
  u64: 'BigUint64Array',
  s64: 'BigInt64Array',
  f32: 'Float32Array',
  f64: 'Float64Array',
};

function unaliasType(t: WitType): WitType {
  let cur = t;
  while (cur.kind === 'ref' && cur.def.body.kind === 'alias') cur = cur.def.body.type;
  return cur;
}

/** A TS value as a tree, so long ones can be printed the way the repo's formatter (biome) lays them out. */
type TsNode =
  | string
  | { readonly obj: readonly (readonly [string, TsNode])[] }
  | { readonly arr: readonly TsNode[] };

/** The formatter's line width (biome.json). */
const LINE_WIDTH = 110;

function flat(n: TsNode): string {
  if (typeof n === 'string') return n;
  if ('arr' in n) return `[${n.arr.map(flat).join(', ')}]`;
  return n.obj.length === 0 ? '{}' : `{ ${n.obj.map(([k, v]) => `${k}: ${flat(v)}`).join(', ')} }`;
}

/**
 * `n` printed at `indent`, `before` columns into its line with `after` more characters after it:
 * on one line when it fits, else objects and arrays one entry per line, with trailing commas.
 */
function printTs(n: TsNode, indent: string, before: number, after: number): string {
  const f = flat(n);
  if (typeof n === 'string' || before + f.length + after <= LINE_WIDTH) return f;
  const inner = `${indent}  `;
  if ('arr' in n)
    return `[\n${n.arr.map((v) => `${inner}${printTs(v, inner, inner.length, 1)},`).join('\n')}\n${indent}]`;
  return `{\n${n.obj
    .map(([k, v]) => `${inner}${k}: ${printTs(v, inner, inner.length + k.length + 2, 1)},`)
    .join('\n')}\n${indent}}`;
}

/** `prefix(args)suffix` at `indent`: arguments on one line, a lone object hugged, or one per line. */
function printCall(indent: string, prefix: string, args: readonly TsNode[], suffix: string): string[] {
  const one = `${indent}${prefix}(${args.map(flat).join(', ')})${suffix}`;
  if (one.length <= LINE_WIDTH) return [one];
  if (args.length === 1 && typeof args[0] !== 'string')
    return [`${indent}${prefix}(${printTs(args[0]!, indent, LINE_WIDTH, 0)})${suffix}`];
  const inner = `${indent}  `;
  return [
    `${indent}${prefix}(`,
    ...args.map((a) => `${inner}${printTs(a, inner, inner.length, 1)},`),
    `${indent})${suffix}`,
  ];
}

/**
 * The zero value of `t` as jco represents it. `side: 'guest'` is what a stub returns; `'host'`
 * what the host sees when it comes back (flags spelled out as `false`).
 */
function tsValue(t: WitType, side: 'guest' | 'host', world: WitWorld): TsNode {
  const u = unaliasType(t);
  switch (u.kind) {
    case 'bool':
      return 'false';
    case 'u64':
    case 's64':
      return '0n';
    case 'u8':
    case 's8':
    case 'u16':
    case 's16':
    case 'u32':
    case 's32':
    case 'f32':
    case 'f64':
      return '0';
    case 'char':
      return "'\\0'";
    case 'string':
      return "''";
    case 'list': {
      if (u.length !== undefined) throw unsupported('a fixed-length list', world);
      const typed = TYPED_ARRAYS[unaliasType(u.element).kind];
      return typed === undefined ? '[]' : `new ${typed}()`;
    }
    case 'option':
      return 'undefined';
    case 'result':
      return {
        obj: [
          ['tag', "'ok'"],
          ['val', u.ok === undefined ? 'undefined' : tsValue(u.ok, side, world)],
        ],
      };
    case 'tuple':
      return { arr: u.types.map((x) => tsValue(x, side, world)) };
    case 'ref': {
      const b = u.def.body;
      switch (b.kind) {
        case 'record':
          // Optional fields stay out: with exactOptionalPropertyTypes, `x: undefined` does not type.
          return {
            obj: b.fields
              .filter((f) => unaliasType(f.type).kind !== 'option')
              .map((f) => [jsName(f.name), tsValue(f.type, side, world)] as const),
          };
        case 'variant': {
          const c = b.cases[0]!;
          return {
            obj:
              c.type === undefined
                ? [['tag', `'${c.name}'`]]
                : [
                    ['tag', `'${c.name}'`],
                    ['val', tsValue(c.type, side, world)],
                  ],
          };
        }
        case 'enum':
          return `'${b.cases[0]!.name}'`;
        case 'flags':
          return { obj: side === 'guest' ? [] : b.flags.map((f) => [jsName(f.name), 'false'] as const) };
        default:
          throw unsupported(`resource \`${u.def.name}\``, world);
      }
    }
    default:
      throw unsupported(`a value of type \`${u.kind}\``, world);
  }
}

/** What a guest function returns in TS: a result's ok value (errors are thrown), else the value. */
function tsReturn(f: WitFunction, side: 'guest' | 'host', world: WitWorld): TsNode | undefined {
  if (f.result === undefined) return undefined;
  const u = unaliasType(f.result);
  if (u.kind === 'result') return u.ok === undefined ? undefined : tsValue(u.ok, side, world);
  return tsValue(f.result, side, world);
}

/** A function body returning the stub value: `{}` or `{ return value; }` lines. */
function tsBody(head: string, ret: TsNode | undefined, indent: string, close: string): string[] {
  if (ret === undefined) return [`${indent}${head} {}${close}`];
  const at = `${indent}  `;
  return [
    `${indent}${head} {`,
    `${at}return ${printTs(ret, at, at.length + 'return '.length, 1)};`,
    `${indent}}${close}`,
  ];
}

function tsMethod(f: WitFunction, world: WitWorld, indent: string): string[] {
  const params = f.params.map((p) => `_${jsName(p.name)}`).join(', ');
  const docs = f.docs === undefined ? [] : [`${indent}/** ${f.docs.trim().replace(/\s*\n\s*/g, ' ')} */`];
  return [...docs, ...tsBody(`${jsName(f.name)}(${params})`, tsReturn(f, 'guest', world), indent, ',')];
}

/** `src/index.ts` of a TS plugin: one typed object per exported interface, zero-value bodies. */
export function tsPluginSource(world: WitWorld): string {
  const fns = exportedFunctions(world);
  const lines = [
    `// A stub of every export of world \`${world.id}\`; replace the bodies with your plugin.`,
    `import type { Exports } from '@witkit/wit-types/guest/${world.name}';`,
  ];
  for (const [key, item] of world.exports) {
    const exportName = jsExportName(key);
    lines.push('');
    if (item.kind === 'function') {
      const f = item.function;
      const params = f.params.map((p) => `_${jsName(p.name)}`).join(', ');
      lines.push(
        ...tsBody(
          `export const ${exportName}: Exports['${exportName}'] = (${params}) =>`,
          tsReturn(f, 'guest', world),
          '',
          ';',
        ),
      );
      continue;
    }
    if (item.kind !== 'interface') continue;
    lines.push(`export const ${exportName}: Exports['${exportName}'] = {`);
    for (const f of fns) if (f.key === key) lines.push(...tsMethod(f.fn, world, '  '));
    lines.push('};');
  }
  return `${lines.join('\n')}\n`;
}

/** `test/<name>.test.ts`: loads `dist/<name>.wasm` and calls every export, checking the stubs. */
export function pluginTestSource(name: string, world: WitWorld): string {
  const fns = exportedFunctions(world);
  // The lifecycle's end goes last, so every other call reaches a live plugin.
  const ordered = [
    ...fns.filter((f) => f.fn.name !== 'shutdown'),
    ...fns.filter((f) => f.fn.name === 'shutdown'),
  ];
  const lines = [
    "import { mkdtempSync, rmSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    "import { type LoadedPlugin, loadPlugin } from '@witkit/host';",
    "import type { WorldExports } from '@witkit/wit-types/host';",
    "import { afterAll, beforeAll, describe, expect, it } from 'vitest';",
    '',
    `// Built by \`witkit build\` (the \`build\` script) before the tests run.`,
    `const component = fileURLToPath(new URL('../dist/${name}.wasm', import.meta.url));`,
    '',
    `describe('${name} component', () => {`,
    `  const dir = mkdtempSync(join(tmpdir(), '${name}-test-'));`,
    `  let plugin: LoadedPlugin<WorldExports['${world.name}']>;`,
    '',
    '  beforeAll(async () => {',
    '    plugin = await loadPlugin(component, {',
    `      world: '${world.name}',`,
    '      dataDir: dir,',
    "      cacheDir: join(dir, 'cache'),",
    '    });',
    '  });',
    '  afterAll(() => rmSync(dir, { recursive: true, force: true }));',
    '',
    `  it('loads as a component of world \`${world.name}\`', () => {`,
    `    expect(plugin.world).toBe('${world.id}');`,
    "    expect(plugin.status).toBe('ready');",
    '  });',
  ];
  for (const { key, fn, iface } of ordered) {
    const label = iface === undefined ? jsExportName(key) : `${jsExportName(key)}.${jsName(fn.name)}`;
    const args = fn.params.map((p) => tsValue(p.type, 'guest', world));
    const ret = tsReturn(fn, 'host', world);
    lines.push('', `  it('${label} returns the stub value', () => {`);
    lines.push(...printCall('    ', `const result = plugin.exports.${label}`, args, ';'));
    lines.push(
      ret === undefined
        ? '    expect(result).toBeUndefined();'
        : printCall('    ', 'expect(result).toEqual', [ret], ';').join('\n'),
    );
    lines.push('  });');
  }
  lines.push('});');
  return `${lines.join('\n')}\n`;
}

// ---- Rust ----------------------------------------------------------------------------------

/** Paths of the bindings' modules from lib.rs: @witkit/bindgen-rust's layout, plus `use` names. */
class RustPaths extends RustBindingsLayout {
  /** The local name a `use` gives each exported interface module, when unique. */
  readonly local = new Map<WitInterface, string>();

  constructor(world: WitWorld) {
    super(world);
    const counts = new Map<string, number>();
    for (const [i, key] of this.exported) {
      const last = this.interfaceSegments(i, key, 'export').at(-1)!;
      counts.set(last, (counts.get(last) ?? 0) + 1);
    }
    for (const [i, key] of this.exported) {
      const last = this.interfaceSegments(i, key, 'export').at(-1)!;
      if (counts.get(last) === 1) this.local.set(i, last);
    }
  }

  /** The module an interface's items are named through from lib.rs. */
  module(iface: WitInterface): string {
    const local = this.local.get(iface);
    if (local !== undefined) return local;
    const exportedKey = this.exported.get(iface);
    if (exportedKey !== undefined)
      return ['bindings', ...this.interfaceSegments(iface, exportedKey, 'export')].join('::');
    const importedKey = this.imported.get(iface);
    if (importedKey !== undefined)
      return ['bindings', ...this.interfaceSegments(iface, importedKey, 'import')].join('::');
    throw unsupported(
      `types of interface \`${iface.id ?? iface.name}\`, which it neither imports nor exports`,
      this.world,
    );
  }

  typePath(def: WitTypeDef): string {
    const name = rustTypeName(def.name);
    return def.owner.kind === 'world' ? `bindings::${name}` : `${this.module(def.owner)}::${name}`;
  }

  type(t: WitType): string {
    switch (t.kind) {
      case 'bool':
      case 'char':
      case 'u8':
      case 'u16':
      case 'u32':
      case 'u64':
      case 'f32':
      case 'f64':
        return t.kind;
      case 's8':
      case 's16':
      case 's32':
      case 's64':
        return `i${t.kind.slice(1)}`;
      case 'string':
        return 'String';
      case 'list':
        if (t.length !== undefined) throw unsupported('a fixed-length list', this.world);
        return `Vec<${this.type(t.element)}>`;
      case 'option':
        return `Option<${this.type(t.type)}>`;
      case 'result':
        return `Result<${t.ok ? this.type(t.ok) : '()'}, ${t.err ? this.type(t.err) : '()'}>`;
      case 'tuple':
        return t.types.length === 1
          ? `(${this.type(t.types[0]!)},)`
          : `(${t.types.map((x) => this.type(x)).join(', ')})`;
      case 'ref':
        if (unaliasTypeDef(t.def).body.kind === 'resource')
          throw unsupported(`resource \`${t.def.name}\``, this.world);
        return this.typePath(t.def);
      default:
        throw unsupported(`a value of type \`${t.kind}\``, this.world);
    }
  }

  value(t: WitType): string {
    const u = unaliasType(t);
    switch (u.kind) {
      case 'bool':
        return 'false';
      case 'char':
        return "'\\0'";
      case 'f32':
      case 'f64':
        return '0.0';
      case 'string':
        return 'String::new()';
      case 'list':
        return 'Vec::new()';
      case 'option':
        return 'None';
      case 'result':
        return `Ok(${u.ok === undefined ? '()' : this.value(u.ok)})`;
      case 'tuple':
        return u.types.length === 1
          ? `(${this.value(u.types[0]!)},)`
          : `(${u.types.map((x) => this.value(x)).join(', ')})`;
      case 'ref': {
        const def = unaliasTypeDef(u.def);
        const path = this.typePath(def);
        const b = def.body;
        switch (b.kind) {
          case 'record':
            return b.fields.length === 0
              ? `${path} {}`
              : `${path} { ${b.fields.map((f) => `${snake(f.name)}: ${this.value(f.type)}`).join(', ')} }`;
          case 'variant': {
            const c = b.cases[0]!;
            return c.type === undefined
              ? `${path}::${camel(c.name)}`
              : `${path}::${camel(c.name)}(${this.value(c.type)})`;
          }
          case 'enum':
            return `${path}::${camel(b.cases[0]!.name)}`;
          case 'flags':
            return `${path}::empty()`;
          default:
            throw unsupported(`resource \`${def.name}\``, this.world);
        }
      }
      default:
        if (/^[us](8|16|32|64)$/.test(u.kind)) return '0';
        throw unsupported(`a value of type \`${u.kind}\``, this.world);
    }
  }
}

/** `src/lib.rs` of a Rust plugin: the `Guest` trait of every exported interface, zero-value bodies. */
export function rustPluginSource(world: WitWorld): string {
  const paths = new RustPaths(world);
  const fns = exportedFunctions(world);
  const lines = [
    `//! A stub of every export of world \`${world.id}\`; replace the bodies with your plugin.`,
    '//! `src/bindings.rs` is generated by `witkit build` (or `witkit bindgen rust`) before cargo runs.',
    '',
    'mod bindings;',
    '',
  ];
  const uses = new Map<string, string[]>();
  for (const [iface, local] of paths.local) {
    const full = paths.interfaceSegments(iface, paths.exported.get(iface)!, 'export');
    const parent = ['bindings', ...full.slice(0, -1)].join('::');
    uses.set(parent, [...(uses.get(parent) ?? []), local]);
  }
  for (const [parent, locals] of uses)
    lines.push(
      locals.length === 1 ? `use ${parent}::${locals[0]};` : `use ${parent}::{${locals.join(', ')}};`,
    );
  if (uses.size > 0) lines.push('');
  lines.push('struct Plugin;');
  const method = (f: WitFunction, name: string) => {
    const params = f.params.map((p) => `_${snake(p.name)}: ${paths.type(p.type)}`).join(', ');
    const ret = f.result === undefined ? '' : ` -> ${paths.type(f.result)}`;
    const body = f.result === undefined ? '' : paths.value(f.result);
    return [`    fn ${snake(name)}(${params})${ret} {`, ...(body === '' ? [] : [`        ${body}`]), '    }'];
  };
  const worldFns = fns.filter((f) => f.iface === undefined);
  if (worldFns.length > 0) {
    lines.push('', 'impl bindings::Guest for Plugin {');
    for (const f of worldFns) lines.push(...method(f.fn, f.key));
    lines.push('}');
  }
  for (const [iface] of paths.exported) {
    lines.push('', `impl ${paths.module(iface)}::Guest for Plugin {`);
    for (const f of fns) if (f.iface === iface) lines.push(...method(f.fn, f.fn.name));
    lines.push('}');
  }
  lines.push('', `bindings::export_${snake(world.name)}!(Plugin);`);
  return `${lines.join('\n')}\n`;
}

// ---- files ---------------------------------------------------------------------------------

/** The monorepo root holding `dir`, when `dir` is inside a witkit checkout. */
async function findMonorepo(dir: string): Promise<string | undefined> {
  let cur = resolve(dir);
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(cur, 'packages/wit-types/package.json'), 'utf8')) as {
        name?: string;
      };
      await stat(join(cur, 'pnpm-workspace.yaml'));
      if (pkg.name === '@witkit/wit-types') return cur;
    } catch {
      // Not here.
    }
    const up = dirname(cur);
    if (up === cur) return undefined;
    cur = up;
  }
}

const rel = (from: string, to: string) => {
  const r = relative(from, to).split(sep).join('/');
  return r.startsWith('.') ? r : `./${r}`;
};

function packageJson(name: string, world: WitWorld, lang: ScaffoldLang, inMonorepo: boolean): string {
  const dep = inMonorepo ? 'workspace:*' : `^${cliVersion}`;
  const devDependencies: Record<string, string> = {
    '@witkit/cli': dep,
    '@witkit/host': dep,
    '@witkit/wit-types': dep,
  };
  if (inMonorepo) devDependencies['@witkit-internal/test-support'] = 'workspace:*';
  else Object.assign(devDependencies, { typescript: '^5.9.3', vitest: '^4.1.12' });
  const scripts: Record<string, string> =
    lang === 'ts'
      ? { build: 'witkit build', typecheck: 'tsc -p .', test: 'vitest run' }
      : { build: 'witkit build', test: 'vitest run' };
  const pkg = {
    name: `@witkit-plugins/${name}`,
    version: '0.1.0',
    private: true,
    description: `A ${lang === 'ts' ? 'TypeScript' : 'Rust'} plugin of world \`${world.name}\``,
    type: 'module',
    ...(lang === 'ts' ? { witkit: { world: world.name } } : {}),
    scripts,
    devDependencies: Object.fromEntries(Object.entries(devDependencies).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

function vitestConfig(dir: string, root: string | undefined): string {
  if (root !== undefined) return `export { default } from '${rel(dir, join(root, 'vitest.shared.js'))}';\n`;
  return "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { testTimeout: 30_000 } });\n";
}

function tsconfig(dir: string, root: string | undefined): string {
  const config =
    root !== undefined
      ? { extends: rel(dir, join(root, 'plugins-js/tsconfig.plugin.json')), include: ['src'] }
      : {
          compilerOptions: {
            target: 'ES2023',
            lib: ['ES2023', 'DOM'],
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noUncheckedIndexedAccess: true,
            exactOptionalPropertyTypes: true,
            verbatimModuleSyntax: true,
            skipLibCheck: true,
            resolveJsonModule: true,
            types: [],
            noEmit: true,
          },
          include: ['src'],
        };
  return `${formatJson(config)}\n`;
}

/** JSON as biome formats it: objects one key per line, arrays of scalars on one line. */
function formatJson(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null))
    return JSON.stringify(value).replace(/,/g, ', ');
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((v) => `${inner}${formatJson(v, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return entries.length === 0 ? `${open}${close}` : `${open}\n${entries.join(',\n')}\n${indent}${close}`;
}

/** The Cargo workspace `dir` would join: its parent folder's Cargo.toml with a `[workspace]`. */
async function parentWorkspace(dir: string): Promise<{ file: string; text: string } | undefined> {
  const file = join(dirname(dir), 'Cargo.toml');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  return text !== undefined && /^\s*\[workspace\]/m.test(text) ? { file, text } : undefined;
}

function cargoToml(name: string, world: WitWorld, standalone: boolean): string {
  const lines = [
    '[package]',
    `name = "${name}"`,
    'version = "0.1.0"',
    'edition = "2021"',
    'publish = false',
    '',
    '[lib]',
    'crate-type = ["cdylib"]',
    '',
    '[package.metadata.witkit]',
    `world = "${world.name}"`,
    '# Generated by `witkit build` before cargo runs; not committed.',
    'bindings = "src/bindings.rs"',
  ];
  if (standalone)
    lines.push(
      '',
      '# A workspace of its own, so cargo does not attach it to an enclosing one.',
      '[workspace]',
      '',
      '[profile.release]',
      'opt-level = "s"',
      'lto = true',
      'codegen-units = 1',
      'panic = "abort"',
      'strip = true',
    );
  return `${lines.join('\n')}\n`;
}

/** The `members = [...]` line of `workspaceText` with `name` added. */
export function membersLineWith(workspaceText: string, name: string): string {
  const m = /^\s*members\s*=\s*\[([^\]]*)\]/m.exec(workspaceText);
  const members = m === undefined || m === null ? [] : [...m[1]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]!);
  if (!members.includes(name)) members.push(name);
  return `members = [${members.map((x) => `"${x}"`).join(', ')}]`;
}

async function assertFree(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    if (e.code === 'ENOTDIR') return ['(a file)'];
    throw e;
  });
  if (entries !== undefined && entries.length > 0) {
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_EXISTS',
      `\`${dir}\` already exists and is not empty; pick another name or \`--dir\`, or remove it first`,
    );
  }
}

/** Writes `files` into a temp sibling of `dir`, then renames it into place: all or nothing. */
async function writeTree(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = join(
    dirname(dir),
    `.${basename(dir)}.scaffold-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(tmp, path)), { recursive: true });
      await writeFile(join(tmp, path), content);
    }
    // An empty folder at `dir` is allowed (checked above); rename needs it gone on some systems.
    await rmdir(dir).catch(() => {});
    await rename(tmp, dir).catch(async (cause: NodeJS.ErrnoException) => {
      if (cause.code === 'ENOTEMPTY' || cause.code === 'EEXIST' || cause.code === 'ENOTDIR')
        throw new ScaffoldError(
          'WITKIT_SCAFFOLD_EXISTS',
          `\`${dir}\` appeared while scaffolding and is not empty; remove it or pick another \`--dir\``,
          { cause },
        );
      throw cause;
    });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Scaffolds plugin `name` of `options.world` in `options.lang` and prints the files and next
 * steps. TS: package.json (with the `witkit` field), tsconfig.json, vitest.config.ts,
 * src/index.ts, test/<name>.test.ts. Rust: Cargo.toml, .gitignore, src/lib.rs, package.json,
 * vitest.config.ts, test/<name>.test.ts.
 *
 * @throws {ScaffoldError} `WITKIT_SCAFFOLD_BAD_NAME`, `WITKIT_SCAFFOLD_BAD_LANG`,
 * `WITKIT_SCAFFOLD_UNKNOWN_WORLD`, `WITKIT_SCAFFOLD_EXISTS`, `WITKIT_SCAFFOLD_UNSUPPORTED`
 *
 * @example
 * ```ts
 * await runNewPlugin('shout', { lang: 'ts', world: 'processor-plugin' }, io);
 * ```
 */
export async function runNewPlugin(
  name: string,
  options: NewPluginOptions,
  io: CommandIo,
): Promise<NewPluginResult> {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_BAD_NAME',
      `expected a kebab-case plugin name like \`my-plugin\` (lowercase letters, digits, single dashes), got \`${String(name)}\``,
    );
  if (options.lang !== 'ts' && options.lang !== 'rust')
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_BAD_LANG',
      `expected \`--lang\` to be \`ts\` or \`rust\`, got \`${String(options.lang)}\``,
    );
  const world = await loadScaffoldWorld(options.world, options.witDir);
  const cwd = options.cwd ?? process.cwd();
  const dir =
    options.dir !== undefined
      ? resolve(cwd, options.dir)
      : join((await findMonorepo(cwd)) ?? cwd, options.lang === 'ts' ? 'plugins-js' : 'plugins-rust', name);
  await assertFree(dir);
  const root = await findMonorepo(dir);
  const files = new Map<string, string>();
  const notes: string[] = [];
  files.set('package.json', packageJson(name, world, options.lang, root !== undefined));
  files.set('vitest.config.ts', vitestConfig(dir, root));
  files.set(`test/${name}.test.ts`, pluginTestSource(name, world));
  if (options.lang === 'ts') {
    files.set('tsconfig.json', tsconfig(dir, root));
    files.set('src/index.ts', tsPluginSource(world));
  } else {
    const workspace = await parentWorkspace(dir);
    files.set('Cargo.toml', cargoToml(name, world, workspace === undefined));
    files.set('.gitignore', 'src/bindings.rs\ndist/\ntarget/\n');
    files.set('src/lib.rs', rustPluginSource(world));
    if (workspace !== undefined) {
      notes.push(
        `add the crate to the Cargo workspace: in \`${workspace.file}\`, make the members line`,
        `  ${membersLineWith(workspace.text, name)}`,
      );
    }
  }
  await writeTree(dir, files);
  const sorted = [...files.keys()].sort();
  io.out(
    `created ${options.lang === 'ts' ? 'TypeScript' : 'Rust'} plugin \`${name}\` (world \`${world.name}\`) in ${dir}`,
  );
  for (const f of sorted) io.out(`  ${f}`);
  const fromCwd = relative(cwd, dir);
  const shown = fromCwd === '' ? '.' : fromCwd.startsWith('..') ? dir : fromCwd;
  notes.push(
    `next: ${root !== undefined ? 'pnpm install, then ' : 'npm install, then '}cd ${shown} && ${root !== undefined ? 'pnpm' : 'npm run'} build && ${root !== undefined ? 'pnpm' : 'npm'} test`,
  );
  for (const n of notes) io.out(n);
  return { dir, files: sorted, notes };
}
