import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isBuildError } from '../errors.js';
import { detectRustToolchain, inspectRustToolchain, rustToolchainFix, rustWasmTargets } from './toolchain.js';

/** rustup's active rustc, when rustup is installed, and whether it has a WASI target. */
function rustupRustc(): { rustc: string; hasWasi: boolean } | undefined {
  try {
    const rustc = execFileSync('rustup', ['which', 'rustc'], { encoding: 'utf8' }).trim();
    const sysroot = execFileSync(rustc, ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
    const targets = execFileSync(rustc, ['--print', 'target-list'], { encoding: 'utf8' });
    const hasWasi = rustWasmTargets.some((t) => {
      try {
        return targets.includes(t) && execFileSync('ls', [`${sysroot}/lib/rustlib/${t}/lib`]).length > 0;
      } catch {
        return false;
      }
    });
    return { rustc, hasWasi };
  } catch {
    return undefined;
  }
}

const rustup = rustupRustc();

describe('inspectRustToolchain', () => {
  // The machines this project runs on have Debian's toolchain (bootstrap.sh installs it).
  it('finds a toolchain with a WASI std on this machine', async () => {
    const { toolchain, problems } = await inspectRustToolchain();
    expect(problems).toEqual([]);
    expect(toolchain).toMatchObject({ target: expect.stringMatching(/^wasm32-wasi(p1)?$/) });
    expect(toolchain?.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('names a rustc that does not run, with the command that installs one', async () => {
    const report = await inspectRustToolchain({ rustc: '/nonexistent/bin/rustc' });
    expect(report.toolchain).toBeUndefined();
    expect(report.problems).toEqual([
      {
        piece: 'rustc',
        detail: '`/nonexistent/bin/rustc` does not run',
        fix: `point \`rustc\`/\`cargo\` at an existing toolchain, or: ${rustToolchainFix}`,
      },
    ]);
  });

  it('names a missing cargo beside a working rustc', async () => {
    const report = await inspectRustToolchain({ rustc: '/usr/bin/rustc', cargo: '/nonexistent/bin/cargo' });
    expect(report.problems.map((p) => p.piece)).toEqual(['cargo']);
  });

  it.runIf(rustup && !rustup.hasWasi)('names the missing wasm std of a rustc that has none', async () => {
    const report = await inspectRustToolchain({ rustc: rustup!.rustc });
    expect(report.problems).toEqual([
      expect.objectContaining({ piece: 'wasm32-wasi std', fix: expect.stringContaining(rustToolchainFix) }),
    ]);
  });
});

describe('detectRustToolchain', () => {
  it('throws a BuildError naming each missing piece and its fix', async () => {
    const error = await detectRustToolchain({ rustc: '/nonexistent/bin/rustc' }, 'demo').catch(
      (e: unknown) => e,
    );
    expect(isBuildError(error) && error.code).toBe('WITKIT_BUILD_RUST_TOOLCHAIN');
    expect((error as Error).message).toBe(
      `demo: no Rust toolchain that builds WASI modules: rustc: \`/nonexistent/bin/rustc\` does not run; fix: point \`rustc\`/\`cargo\` at an existing toolchain, or: ${rustToolchainFix}`,
    );
  });
});
