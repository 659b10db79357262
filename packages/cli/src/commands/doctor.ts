import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
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

function checkNode(): DoctorCheck {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= minimumNodeMajor
    ? { name: 'node', status: 'ok', detail: `v${process.versions.node}`, required: true }
    : {
        name: 'node',
        status: 'missing',
        detail: `v${process.versions.node} is older than ${minimumNodeMajor}; QuickJS-built components need Node ${minimumNodeMajor}+ (extended-const)`,
        fix: './bootstrap.sh (fetches Node 24 from the npm registry into .toolchain/), or install Node 22 or 24 LTS',
        required: true,
      };
}

async function checkPnpm(): Promise<DoctorCheck> {
  const found = await version('pnpm', ['--version']);
  return found
    ? { name: 'pnpm', status: 'ok', detail: found, required: true }
    : {
        name: 'pnpm',
        status: 'missing',
        detail: 'not on PATH',
        fix: 'npm install -g pnpm@10',
        required: true,
      };
}

function checkPackage(name: string, label: string): DoctorCheck {
  const found = packageVersion(name);
  return found
    ? { name: label, status: 'ok', detail: `${name} ${found}`, required: true }
    : {
        name: label,
        status: 'missing',
        detail: `${name} is not installed`,
        fix: 'pnpm install (it is a dependency of @witkit/build)',
        required: true,
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

/** Checks every toolchain piece witkit needs and says how to fix what is missing. */
export async function runDoctor(): Promise<DoctorCheck[]> {
  return [
    checkNode(),
    await checkPnpm(),
    checkPackage('@bytecodealliance/jco-transpile', 'jco'),
    checkPackage('@bytecodealliance/preview2-shim', 'wasi shim'),
    checkPackage('componentize-qjs', 'quickjs engine'),
    checkPackage('@bytecodealliance/componentize-js', 'starlingmonkey engine'),
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
