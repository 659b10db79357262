/**
 * `witkit new host <name> --wit <path> --world <w> [--dir <dir>]`: scaffolds a small Node host
 * for a world of the application's own WIT: typed stubs of every import the host implements, a
 * `main` that loads the components named on its command line and prints what the world's
 * exports without parameters answer, and a test. Everything type-checks and runs right away.
 *
 * @module
 */
import { relative, resolve, sep } from 'node:path';
import { isProvidedInterface, worldBindingName } from '@witkit/bindgen-ts';
import type { WitWorld } from '@witkit/wit';
import {
  assertFree,
  cliVersion,
  findMonorepo,
  formatJson,
  importsStub,
  jsCamel,
  loadScaffoldWorld,
  NAME_RE,
  rel,
  ScaffoldError,
  STANDALONE_COMPILER_OPTIONS,
  TOOL_VERSIONS,
  vitestConfig,
  writeTree,
} from './new-plugin.js';
import type { CommandIo } from './wit-resolve.js';

/** Options of {@link runNewHost}. */
export interface NewHostOptions {
  /** Your WIT folder (with `deps/`) or `.wit` file, relative to `cwd`. */
  readonly wit: string;
  /** The world the host loads plugins of: its name in the root package, or its full id. */
  readonly world: string;
  /** The folder to create (must not exist, or be empty). @default `<name>` in `cwd` */
  readonly dir?: string | undefined;
  /** Where relative paths start. @default process.cwd() */
  readonly cwd?: string | undefined;
}

/** What {@link runNewHost} created. */
export interface NewHostResult {
  readonly dir: string;
  /** Paths relative to `dir`, sorted. */
  readonly files: readonly string[];
  /** Lines printed after the file list: next steps. */
  readonly notes: readonly string[];
}

/** World-level exported functions the host can call without arguments, by their JS name. */
function callableExports(world: WitWorld): string[] {
  const out: string[] = [];
  for (const item of world.exports.values())
    if (item.kind === 'function' && item.function.params.length === 0) out.push(jsCamel(item.function.name));
  return out;
}

/** `src/imports.ts`: the host's implementation of every import, typed by the generated `Imports`. */
export function hostImportsSource(world: WitWorld): string {
  const binding = worldBindingName(world.name);
  const stub = importsStub(world, { exportConst: true, todo: true });
  const lines = [
    `// What this application gives plugins of world \`${world.id}\`. Typed by the bindings`,
    '// `witkit wit types` generates (the `build` script): an implementation that does not match the WIT',
    '// does not compile. Every body returns a zero value: replace them with your application.',
  ];
  if (stub === undefined)
    return `${[...lines, `import type { Imports } from './generated/${world.name}.js';`, '', `/** World \`${world.name}\` imports nothing the host implements. */`, 'export const imports: Imports = {};'].join('\n')}\n`;
  lines.push(
    `import type { Imports } from './generated/${world.name}.js';`,
    '',
    ...stub.aliases,
    ...stub.classes,
    '',
    `/** The imports of \`${binding}\` plugins; pass it to \`PluginHost\` or \`loadPlugin\` as \`imports\`. */`,
    ...stub.object,
  );
  return `${lines.join('\n')}\n`;
}

/** `src/main.ts`: loads the components given on the command line and prints what they answer. */
export function hostMainSource(world: WitWorld): string {
  const binding = worldBindingName(world.name);
  const calls = callableExports(world);
  const lines = [
    `// A host of world \`${world.id}\`: loads the components named on the command line with the`,
    '// imports of `./imports.ts`, and prints what every export it can call without arguments answers.',
    '// Run it with `npm start -- path/to/plugin.wasm` after `npm run build`.',
    "import { inspect } from 'node:util';",
    "import { PluginHost } from '@witkit/host';",
    "import { pino } from 'pino';",
    `import { ${binding} } from './generated/${world.name}.js';`,
    "import { imports } from './imports.ts';",
    '',
    '/** Loads each component of `paths`, prints its answers to `print`; resolves to the exit code. */',
    'export async function main(',
    '  paths: readonly string[],',
    '  print: (line: string) => void = console.log,',
    "  dataDir = '.witkit/host',",
    '): Promise<number> {',
    '  if (paths.length === 0) {',
    "    print('usage: node src/main.ts <component.wasm>...');",
    '    return 2;',
    '  }',
    '  // Plugins run in worker threads; every call through `host.get(...).exports` is a promise.',
    '  const host = new PluginHost({',
    '    dataDir,',
    '    imports,',
    "    // The host's own log (plugins loaded, stopped) stays out of the answers unless asked for.",
    "    logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),",
    '  });',
    '  try {',
    '    for (const path of paths) {',
    `      const { name } = await host.load({ path, world: ${binding} });`,
  ];
  if (calls.length === 0) {
    lines.push(`      print(\`\${name}: loaded as world \\\`${world.name}\\\`\`);`);
  } else {
    lines.push(`      const plugin = host.get(name, { world: ${binding} });`);
    for (const c of calls)
      lines.push(`      print(\`\${name}: ${c}() = \${inspect(await plugin.exports.${c}())}\`);`);
  }
  lines.push(
    '    }',
    '  } finally {',
    '    await host.shutdown();',
    '  }',
    '  return 0;',
    '}',
    '',
    'if (import.meta.main) process.exitCode = await main(process.argv.slice(2));',
  );
  return `${lines.join('\n')}\n`;
}

/** `test/host.test.ts`: the imports cover the world, and `main` runs. */
export function hostTestSource(world: WitWorld): string {
  const binding = worldBindingName(world.name);
  const ids = [...world.imports].flatMap(([key, item]) =>
    item.kind === 'interface' && !isProvidedInterface(key) ? [key] : [],
  );
  const rootFns = [...world.imports.values()].flatMap((i) =>
    i.kind === 'function' && i.function.kind === 'freestanding' ? [jsCamel(i.function.name)] : [],
  );
  const lines = [
    "import { mkdtempSync, rmSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
    "import { afterAll, describe, expect, it } from 'vitest';",
    `import { ${binding} } from '../src/generated/${world.name}.js';`,
    "import { imports } from '../src/imports.ts';",
    "import { main } from '../src/main.ts';",
    '',
    "describe('host', () => {",
    `  const dir = mkdtempSync(join(tmpdir(), 'witkit-host-test-'));`,
    '  afterAll(() => rmSync(dir, { recursive: true, force: true }));',
    '',
    `  it('implements every interface world \`${world.name}\` imports', () => {`,
    `    const provided = (id: string) => id.startsWith('wasi:') || id.startsWith('witkit:host-api/');`,
    `    expect(Object.keys(imports).filter((k) => k !== '$root').sort()).toEqual(`,
    `      ${binding}.imports.filter((id) => !provided(id)).sort(),`,
    '    );',
  ];
  if (ids.length > 0 || rootFns.length > 0)
    lines.push('    expect(Object.keys(imports)).not.toHaveLength(0);');
  lines.push(
    '  });',
    '',
    "  it('prints its usage and exits with 2 without components', async () => {",
    '    const lines: string[] = [];',
    '    expect(await main([], (line) => lines.push(line), dir)).toBe(2);',
    "    expect(lines).toEqual(['usage: node src/main.ts <component.wasm>...']);",
    '  });',
    '',
    '  // With `PLUGINS` set (paths separated by commas), loads them and checks every one answers.',
    "  it.runIf(process.env.PLUGINS !== undefined)('loads the components of `PLUGINS`', async () => {",
    "    const paths = process.env.PLUGINS!.split(',');",
    '    const lines: string[] = [];',
    '    expect(await main(paths, (line) => lines.push(line), dir)).toBe(0);',
    '    expect(lines.length).toBeGreaterThanOrEqual(paths.length);',
    '  });',
    '});',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Scaffolds host package `name` for `options.world` of the WIT at `options.wit`, writing
 * package.json, tsconfig.json, vitest.config.ts, .gitignore, src/imports.ts, src/main.ts and
 * test/host.test.ts into a temp sibling folder and renaming it into place.
 *
 * @throws {ScaffoldError} `WITKIT_SCAFFOLD_BAD_NAME`, `WITKIT_SCAFFOLD_UNKNOWN_WORLD` (listing the
 * worlds of the WIT), `WITKIT_SCAFFOLD_EXISTS`, `WITKIT_SCAFFOLD_UNSUPPORTED`; `WitError` for a
 * missing or invalid WIT
 *
 * @example
 * ```ts
 * await runNewHost('notes-host', { wit: 'wit', world: 'notes-plugin' }, io);
 * ```
 */
export async function runNewHost(
  name: string,
  options: NewHostOptions,
  io: CommandIo,
): Promise<NewHostResult> {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new ScaffoldError(
      'WITKIT_SCAFFOLD_BAD_NAME',
      `expected a kebab-case host name like \`my-host\` (lowercase letters, digits, single dashes), got \`${String(name)}\``,
    );
  const cwd = options.cwd ?? process.cwd();
  const witPath = resolve(cwd, options.wit);
  const world = await loadScaffoldWorld(options.world, witPath);
  const dir = resolve(cwd, options.dir ?? name);
  await assertFree(dir);
  const root = await findMonorepo(dir);
  const wit = relative(dir, witPath).split(sep).join('/') || '.';
  const dep = root !== undefined ? 'workspace:*' : `^${cliVersion}`;
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    description: `A host of plugins of world \`${world.name}\``,
    type: 'module',
    scripts: {
      build: `witkit wit types ${wit} --out src/generated`,
      start: 'node src/main.ts',
      test: 'vitest run',
      typecheck: 'tsc -p .',
    },
    dependencies: { '@witkit/host': dep, pino: '^10.4.0' },
    devDependencies: Object.fromEntries(
      Object.entries({ '@witkit/cli': dep, ...(root === undefined ? TOOL_VERSIONS : {}) }).sort(([a], [b]) =>
        a < b ? -1 : 1,
      ),
    ),
  };
  // Node runs src/*.ts as they are (type stripping): imports spell `.ts`, and nothing is emitted.
  const tsconfig =
    root !== undefined
      ? {
          extends: rel(dir, resolve(root, 'tsconfig.base.json')),
          compilerOptions: { noEmit: true, allowImportingTsExtensions: true },
          include: ['src', 'test'],
        }
      : {
          compilerOptions: {
            ...STANDALONE_COMPILER_OPTIONS,
            lib: ['ES2024'],
            types: ['node'],
            allowImportingTsExtensions: true,
          },
          include: ['src', 'test'],
        };
  const files = new Map<string, string>([
    ['package.json', `${JSON.stringify(pkg, null, 2)}\n`],
    ['tsconfig.json', `${formatJson(tsconfig)}\n`],
    ['vitest.config.ts', vitestConfig(dir, root)],
    ['.gitignore', 'src/generated/\n.witkit/\n'],
    ['src/imports.ts', hostImportsSource(world)],
    ['src/main.ts', hostMainSource(world)],
    ['test/host.test.ts', hostTestSource(world)],
  ]);
  await writeTree(dir, files);
  const sorted = [...files.keys()].sort();
  io.out(`created host \`${name}\` (world \`${world.name}\`) in ${dir}`);
  for (const f of sorted) io.out(`  ${f}`);
  const fromCwd = relative(cwd, dir);
  const shown = fromCwd === '' ? '.' : fromCwd.startsWith('..') ? dir : fromCwd;
  const pm = root !== undefined ? 'pnpm' : 'npm run';
  const notes = [
    `next: ${root !== undefined ? 'pnpm' : 'npm'} install, then cd ${shown} && ${pm} build && ${pm} start -- <plugin.wasm>`,
    'implement the imports in src/imports.ts (each body is marked TODO)',
  ];
  for (const n of notes) io.out(n);
  return { dir, files: sorted, notes };
}
