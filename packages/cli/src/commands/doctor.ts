import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// The engines and jco are dependencies of @witkit/build, so look them up from there.
const buildRequire = createRequire(createRequire(import.meta.url).resolve('@witkit/build/package.json'));

/** One toolchain piece as {@link runDoctor} found it. */
export interface DoctorCheck {
  /** What was checked, e.g. `node`. */
  readonly name: string;
  /** `ok` when usable; `missing` when absent or too old. */
  readonly status: 'ok' | 'missing';
  /** The version or path found, or what is wrong. */
  readonly detail: string;
  /** The exact command or step that fixes a missing piece. */
  readonly fix?: string;
  /** Whether the project cannot build without it. */
  readonly required: boolean;
}

/** Lowest Node major we support: Node 20 cannot compile QuickJS-built components. */
export const minimumNodeMajor = 22;

/** Lowest Node release we support, as every package's `engines` says (`>=22.12.0`). */
export const minimumNodeVersion = '22.12.0';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** The folder the checks are for: inside the witkit monorepo, fixes name its tools. @default `process.cwd()` */
  readonly cwd?: string;
}

/**
 * The root of the witkit monorepo `cwd` is in (the folder with its `pnpm-workspace.yaml`
 * and the `witkit-monorepo` package.json), or `undefined` outside it: an application or
 * plugin of a user, which installs witkit with npm and needs neither pnpm nor bootstrap.sh.
 */
export function findWitkitMonorepo(cwd: string = process.cwd()): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'witkit-monorepo')
          return dir;
      } catch {
        // An unreadable package.json is no witkit root; keep looking above.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

async function version(command: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(command, args, { timeout: 10_000 });
    return stdout.trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

/** Reads an installed package's version without going through its `exports` map. */
function packageVersion(name: string): string | undefined {
  for (const dir of buildRequire.resolve.paths(name) ?? []) {
    const file = join(dir, name, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return undefined;
}

/** Whether dotted version `a` is at least `b` (numeric parts; pre-release tags ignored). */
export function versionAtLeast(a: string, b: string): boolean {
  const parts = (v: string) => v.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return true;
}

function checkNode(monorepo: string | undefined, current = process.versions.node): DoctorCheck {
  // Any release from the minimum on is fine, Node 23 and 25+ included (`engines: >=22.12.0`).
  if (versionAtLeast(current, minimumNodeVersion))
    return { name: 'node', status: 'ok', detail: `v${current}`, required: true };
  return {
    name: 'node',
    status: 'missing',
    detail: `v${current} is older than ${minimumNodeVersion}; QuickJS-built components need Node ${minimumNodeVersion} or newer (extended-const)`,
    fix: monorepo
      ? './bootstrap.sh (puts Node 24 into .toolchain/; then `source scripts/env.sh`), or install Node 22.12 or newer'
      : 'install Node 22.12 or newer: `npm install -g node@24`, or `nvm install 24`',
    required: true,
  };
}

/** pnpm, which only the monorepo's own scripts need. */
async function checkPnpm(): Promise<DoctorCheck> {
  const found = await version('pnpm', ['--version']);
  return found
    ? { name: 'pnpm', status: 'ok', detail: found, required: true }
    : {
        name: 'pnpm',
        status: 'missing',
        detail: 'not on PATH (the witkit monorepo is a pnpm workspace)',
        fix: 'npm install -g pnpm@10, or ./bootstrap.sh',
        required: true,
      };
}

function checkPackage(
  monorepo: string | undefined,
  name: string,
  label: string,
  required = true,
): DoctorCheck {
  const found = packageVersion(name);
  if (found) return { name: label, status: 'ok', detail: `${name} ${found}`, required };
  return {
    name: label,
    status: 'missing',
    detail: required ? `${name} is not installed` : `${name} is not installed (needed only by its engine)`,
    fix: monorepo ? 'pnpm install (it is a dependency of @witkit/build)' : `npm install ${name}`,
    required,
  };
}

/** A Rust toolchain that can target WASI, found the way `witkit build` finds it. */
async function checkRust(): Promise<DoctorCheck> {
  const { describeRustToolchain, inspectRustToolchain } = await import('@witkit/build');
  const report = await inspectRustToolchain();
  if (report.toolchain) {
    return {
      name: 'rust wasm',
      status: 'ok',
      detail: describeRustToolchain(report.toolchain),
      required: false,
    };
  }
  const first = report.problems[0];
  return {
    name: 'rust wasm',
    status: 'missing',
    detail: report.problems.map((p) => `${p.piece}: ${p.detail}`).join('; ') || 'no Rust toolchain found',
    fix: first?.fix ?? 'apt-get install -y rustc cargo libstd-rust-dev-wasm32',
    required: false,
  };
}

/**
 * Checks every toolchain piece witkit needs and says how to fix what is missing. Inside the
 * witkit monorepo pnpm is checked too and fixes name its tools (`pnpm install`,
 * `./bootstrap.sh`); elsewhere fixes are npm and apt commands. StarlingMonkey, the engine a
 * plugin must ask for, and Rust are optional.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const monorepo = findWitkitMonorepo(options.cwd);
  return [
    checkNode(monorepo),
    ...(monorepo ? [await checkPnpm()] : []),
    checkPackage(monorepo, '@bytecodealliance/jco-transpile', 'jco'),
    checkPackage(monorepo, '@bytecodealliance/preview2-shim', 'wasi shim'),
    checkPackage(monorepo, 'componentize-qjs', 'quickjs engine'),
    checkPackage(monorepo, '@bytecodealliance/componentize-js', 'starlingmonkey engine', false),
    await checkRust(),
  ];
}

/** Renders checks as aligned lines: `ok`/`missing`, name, detail, and the fix. */
export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks
    .map((c) => {
      const line = `${c.status === 'ok' ? 'ok     ' : 'missing'}  ${c.name.padEnd(width)}  ${c.detail}`;
      return c.fix ? `${line}\n         ${' '.repeat(width)}  fix: ${c.fix}` : line;
    })
    .join('\n');
}
