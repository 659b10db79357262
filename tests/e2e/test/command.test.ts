// WASI commands (`wasi:cli/run`): a Rust program (tests/e2e/fixtures/rust-command) built by our
// pipeline with the preview 1 command adapter, run through `runCommand` in a worker and in the
// host's thread, and through `witkit run`.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRustPlugin, isBuildError } from '@witkit/build';
import { isCommandError, isPluginError, type RunCommandOptions, runCommand } from '@witkit/host';
import { tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { textTransformerRs } from './fixtures.js';

const fixture = new URL('../fixtures/rust-command', import.meta.url).pathname;
// Shared with rust-build.test.ts: one cargo target folder for every temp crate.
const targetDir = new URL('../target', import.meta.url).pathname;
const repo = new URL('../../../', import.meta.url).pathname;
const work = tempDir('witkit-command-');
const cacheDir = join(work.dir, 'cache');
afterAll(() => work.cleanup());

let command: string;
let buildWorld: string;
beforeAll(async () => {
  // Built from a copy: the build writes `dist/` next to the sources.
  const crate = join(work.dir, 'rust-command');
  for (const part of ['Cargo.toml', 'src'])
    cpSync(join(fixture, part), join(crate, part), { recursive: true });
  const built = await buildRustPlugin(crate, { targetDir });
  command = built.componentPath;
  buildWorld = built.world;
});

async function rejection(run: Promise<unknown>) {
  try {
    await run;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('the command build', () => {
  it('makes a component of the wasi:cli/command world from a binary crate', () => {
    expect(buildWorld).toMatch(/^wasi:cli\/command@0\.2\.\d+$/);
  });

  it('refuses `command = true` together with a `world`, naming the field and the Cargo.toml', async () => {
    const crate = join(work.dir, 'bad-command');
    cpSync(join(fixture, 'src'), join(crate, 'src'), { recursive: true });
    writeFileSync(
      join(crate, 'Cargo.toml'),
      '[package]\nname = "bad-command"\nversion = "0.1.0"\nedition = "2021"\n\n[package.metadata.witkit]\ncommand = true\nworld = "processor-plugin"\n',
    );
    const error = await rejection(buildRustPlugin(crate, { targetDir }));
    expect(isBuildError(error)).toBe(true);
    expect(error.code).toBe('WITKIT_BUILD_MANIFEST');
    expect(error.message).toContain('`package.metadata.witkit.world`');
    expect(error.message).toContain(join(crate, 'Cargo.toml'));
  });
});

describe.each(['worker', 'in-thread'] as const)('runCommand (%s)', (isolation) => {
  const run = (options: RunCommandOptions = {}) => runCommand(command, { cacheDir, isolation, ...options });

  it('passes argv after the command name, exit code 0 when main returns', async () => {
    const result = await run({ args: ['a', 'b c', '--flag'] });
    expect(result.exitCode).toBe(0);
    expect(result.stdoutText).toContain('argv: rust-command a b c --flag\n');
    expect(result.truncated).toBe(false);
  });

  it('shows exactly the env given: a variable of this process that is not passed is invisible', async () => {
    process.env.WITKIT_TEST_SECRET = 'do-not-leak';
    try {
      const result = await run({ env: { WITKIT_SHOW: 'FOO,WITKIT_TEST_SECRET,PATH', FOO: 'bar=baz' } });
      expect(result.stdoutText).toContain('env FOO=bar=baz\n');
      expect(result.stdoutText).toContain('env WITKIT_TEST_SECRET unset\n');
      expect(result.stdoutText).toContain('env PATH unset\n');
      expect(result.stdoutText).toContain('env count: 2\n');
    } finally {
      delete process.env.WITKIT_TEST_SECRET;
    }
  });

  it('feeds stdin bytes, non-UTF-8 included, then end of file', async () => {
    const bytes = new Uint8Array([0xff, 0x00, 0x80, 0x0a, 0xc3]);
    const result = await run({ args: ['hex'], stdin: bytes });
    expect(result.stdoutText).toContain('stdin hex: ff00800ac3\n');
    const text = await run({ args: ['upper'], stdin: 'héllo wörld' });
    expect(text.stdoutText).toContain('stdin: HéLLO WöRLD\n');
  });

  it('gives an empty stdin when none is passed', async () => {
    const result = await run();
    expect(result.stdoutText).toContain('stdin bytes: 0\n');
    expect(result.stderrText).toBe('to stderr: 0 bytes in\n');
  });

  it('captures stdout and stderr as bytes and writes nothing to this process’s streams', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    try {
      const result = await run({ args: ['upper'], stdin: 'x' });
      expect(result.stdout).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(result.stdout)).toBe(result.stdoutText);
      expect(result.stderrText).toBe('to stderr: 1 bytes in\n');
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });

  it.each([
    [0, 0],
    [1, 1],
    [42, 42],
    [255, 255],
  ])('surfaces `std::process::exit(%i)` as exit code %i', async (code, expected) => {
    const result = await run({ args: [`exit=${code}`] });
    expect(result.exitCode).toBe(expected);
    expect(result.stderrText).toContain('to stderr');
  });

  it('caps output at maxOutputBytes and reports what it dropped', async () => {
    const result = await run({ args: ['spam=5000'], maxOutputBytes: 1000 });
    expect(result.stdout.length).toBe(1000);
    expect(result.truncated).toBe(true);
    expect(result.droppedBytes.stdout).toBeGreaterThan(4000);
    expect(result.droppedBytes.stderr).toBe(0);
  });

  it('rejects a panic with WITKIT_EXECUTION_FAILED carrying the stderr so far', async () => {
    const error = await rejection(run({ args: ['panic'], stdin: 'abc' }));
    expect(isPluginError(error)).toBe(true);
    expect(error.code).toBe('WITKIT_EXECUTION_FAILED');
    expect(isCommandError(error)).toBe(true);
    if (!isCommandError(error)) return;
    expect(error.stderrText).toContain("panicked at 'asked to panic'");
    expect(error.stdoutText).toContain('stdin bytes: 3');
    expect(error.message).toContain('asked to panic');
  });

  it('sees a granted directory and nothing else', async () => {
    const file = join(work.dir, 'granted', 'note.txt');
    mkdirSync(join(work.dir, 'granted'), { recursive: true });
    writeFileSync(file, 'granted text\n');
    const granted = await run({
      args: [`cat=${file}`],
      grants: [{ access: 'read', path: join(work.dir, 'granted') }],
    });
    expect(granted.stdoutText).toContain('file: granted text\n');
    const denied = await run({ args: [`cat=${file}`] });
    expect(denied.stdoutText).toContain('file error:');
  });

  it('refuses a reactor plugin with WITKIT_NOT_A_COMMAND naming its exports and loadPlugin', async () => {
    const error = await rejection(runCommand(textTransformerRs, { cacheDir, isolation }));
    expect(error.code).toBe('WITKIT_NOT_A_COMMAND');
    expect(error.message).toContain('`witkit:plugin-system/data-processor@');
    expect(error.message).toContain('`loadPlugin`');
  });
});

describe('runCommand limits', () => {
  it('stops an infinite loop in worker mode with WITKIT_CALL_TIMEOUT, keeping its output', async () => {
    const started = performance.now();
    const error = await rejection(runCommand(command, { cacheDir, args: ['loop'], timeoutMs: 500 }));
    expect(error.code).toBe('WITKIT_CALL_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(isCommandError(error) && error.stdoutText).toContain('argv: rust-command loop');
  });

  it('refuses a timeout in-thread, where it could not be enforced', async () => {
    await expect(runCommand(command, { isolation: 'in-thread', timeoutMs: 100 })).rejects.toThrow(
      /`timeoutMs` needs `isolation: 'worker'`/,
    );
  });

  it('refuses options of the wrong type', async () => {
    await expect(runCommand(command, { env: { A: 1 as unknown as string } })).rejects.toThrow(
      /`env.A` must be a string/,
    );
  });
});

/** Runs the CLI with `stdin` piped in; resolves to its status and output. */
function cli(args: string[], stdin: Uint8Array | string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ status: number | null; stdout: Buffer; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(repo, 'packages/cli/bin/witkit.js'), ...args], {
      env: { ...env, XDG_CACHE_HOME: join(work.dir, 'xdg') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('error', reject);
    child.once('close', (status) => resolvePromise({ status, stdout: Buffer.concat(out), stderr: err }));
    child.stdin.end(stdin);
  });
}

describe('witkit run', () => {
  it('pipes stdin, passes args and env, writes the output and exits with the command’s code', async () => {
    const { status, stdout, stderr } = await cli(
      [
        'run',
        '--env',
        'WITKIT_SHOW=FOO,PASSED,HIDDEN',
        '--env',
        'FOO=1',
        '--env-pass',
        'PASSED',
        command,
        'hex',
        '--not-for-witkit',
        'exit=3',
      ],
      new Uint8Array([0x68, 0x69, 0xff]),
      { ...process.env, PASSED: 'yes', HIDDEN: 'no' },
    );
    expect(stderr).toBe('to stderr: 3 bytes in\n');
    expect(stdout.toString()).toBe(
      'argv: rust-command hex --not-for-witkit exit=3\nenv FOO=1\nenv PASSED=yes\nenv HIDDEN unset\nenv count: 3\nstdin hex: 6869ff\n',
    );
    expect(status).toBe(3);
  });

  it('reports a timeout as a typed error with exit 1', async () => {
    const { status, stderr } = await cli(['run', '--timeout', '300', command, 'loop'], '');
    expect(status).toBe(1);
    expect(stderr).toContain('error[WITKIT_CALL_TIMEOUT]');
  });

  it('refuses a reactor with exit 1, and bad flags with exit 2', async () => {
    const reactor = await cli(['run', textTransformerRs], '');
    expect(reactor.status).toBe(1);
    expect(reactor.stderr).toContain('error[WITKIT_NOT_A_COMMAND]');
    const bad = await cli(['run', '--env', 'NOVALUE', command], '');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error[WITKIT_RUN_USAGE]: `--env` takes `KEY=VALUE`, got `NOVALUE`');
  });
});
