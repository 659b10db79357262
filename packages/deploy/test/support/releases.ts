// Real components and release bundles for the store tests.

import type { KeyObject } from 'node:crypto';
import { componentEmbed, componentNew } from '@bytecodealliance/jco-transpile/wasm-tools';
import type { Release, ReleaseBundle } from '../../src/release.js';
import { generateSigningKeys, signRelease } from '../../src/signing.js';
import { sha256Hex } from '../../src/store/integrity.js';

/**
 * A real WebAssembly component (wasm-tools' dummy module for a small world, made a component)
 * that imports `witkit-test:store/logging@0.1.0` and exports `witkit-test:store/<exportName>@0.1.0`:
 * a different component for each `exportName`.
 */
export async function probeComponent(exportName = 'run'): Promise<Uint8Array> {
  const wit = `package witkit-test:store@0.1.0;
    interface logging { log: func(message: string); }
    interface ${exportName} { process: func(input: list<u8>) -> result<list<u8>, string>; }
    world probe { import logging; export ${exportName}; }`;
  return componentNew(await componentEmbed({ dummy: true, witSource: wit, world: 'probe' }));
}

/** A signing key pair for the tests. */
export const testKeys = generateSigningKeys();

/** A release bundle of `component` with a `plugin.toml`, signed unless `signed` is false. */
export function bundleOf(
  component: Uint8Array,
  name: string,
  version: string,
  options: { signed?: boolean; key?: string | KeyObject } = {},
): ReleaseBundle {
  const release: Release = {
    name,
    version,
    sha256: sha256Hex(component),
    size: component.byteLength,
    minHostVersion: '0.1.0',
    world: 'witkit-test:store/probe@0.1.0',
    packages: { 'witkit-test:store': '0.1.0' },
    publishedAt: '2026-01-02T03:04:05.000Z',
  };
  const manifest = `[plugin]\nname = "${name}"\nversion = "${version}"\nworld = "processor-plugin"\n`;
  return {
    release,
    component,
    manifest,
    ...(options.signed === false
      ? {}
      : { signature: signRelease(release, options.key ?? testKeys.privateKeyPem) }),
  };
}
