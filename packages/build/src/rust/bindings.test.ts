import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rustModulePath } from './bindings.js';

describe('rustModulePath', () => {
  it('names the module a bindings file under src/ is mounted at', () => {
    expect(rustModulePath('/c', join('/c', 'src', 'bindings.rs'))).toBe('crate::bindings');
    expect(rustModulePath('/c', join('/c', 'src', 'wit', 'gen.rs'))).toBe('crate::wit::gen');
    expect(rustModulePath('/c', join('/c', 'src', 'wit', 'mod.rs'))).toBe('crate::wit');
    expect(rustModulePath('/c', join('/c', 'src', 'lib.rs'))).toBe('crate');
  });

  it('refuses files that cannot be Rust modules of the crate', () => {
    expect(rustModulePath('/c', join('/c', 'bindings.rs'))).toBeUndefined();
    expect(rustModulePath('/c', join('/c', 'src', 'my-bindings.rs'))).toBeUndefined();
    expect(rustModulePath('/c', join('/c', 'src', 'bindings.txt'))).toBeUndefined();
  });
});
