// Builds bench/extism-kernels (an Extism plugin written against the kernel imports by hand)
// with Debian's Rust toolchain, once; the core module is cached under bench/.cache.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const crate = join(import.meta.dirname, '..', 'extism-kernels');
const target = join(import.meta.dirname, '..', '.cache', 'extism-target');

/** The Extism plugin's wasm bytes, rebuilt when its source is newer than the last build. */
export function extismKernels(): Uint8Array {
  const out = join(target, 'wasm32-unknown-unknown', 'release', 'extism_kernels.wasm');
  const source = join(crate, 'src', 'lib.rs');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(target, { recursive: true });
    execFileSync(
      '/usr/bin/cargo',
      ['build', '--release', '--offline', '--target', 'wasm32-unknown-unknown', '--target-dir', target],
      { cwd: crate, env: { ...process.env, RUSTC: '/usr/bin/rustc' }, stdio: 'inherit' },
    );
  }
  return readFileSync(out);
}
