import { readFileSync } from 'node:fs';
import {
  bucketOf,
  canaryRouter,
  createRelease,
  defaultCanaryPolicy,
  generateSigningKeys,
  hostVersion,
  isDeployError,
  judgeStep,
  keyIdOf,
  signRelease,
  verifyReleaseSignature,
} from '@witkit/deploy';
import { describe, expect, it } from 'vitest';
import { wordStats } from './fixtures.js';

const bytesOf = (v: 1 | 2) => readFileSync(wordStats(v).component);
const manifest = (v: 1 | 2) => readFileSync(wordStats(v).manifest, 'utf8');

describe('createRelease', () => {
  it('reads the name and version from plugin.toml and the world and WIT packages from the component', async () => {
    const component = bytesOf(1);
    const { release, signature } = await createRelease({ component, manifest: manifest(1) });
    expect(signature).toBeUndefined();
    expect(release).toMatchObject({
      name: 'word-stats',
      version: '1.0.0',
      size: component.byteLength,
      minHostVersion: hostVersion,
      world: 'witkit:plugin-system/processor-plugin@0.1.0',
    });
    expect(release.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(release.packages['witkit:plugin-system']).toBe('0.1.0');
    expect(Object.keys(release.packages).some((p) => p.startsWith('wasi:'))).toBe(true);
  });

  it('refuses a version that is not semver and bytes that are not a component, naming the plugin', async () => {
    await expect(
      createRelease({ component: bytesOf(1), name: 'word-stats', version: 'latest' }),
    ).rejects.toThrow(/plugin `word-stats`: `latest` is not a semver version/);
    const error = await createRelease({
      component: new Uint8Array([0, 97, 115, 109]),
      name: 'x',
      version: '1.0.0',
    }).catch((e: unknown) => e);
    expect(isDeployError(error) && error.code).toBe('WITKIT_INVALID_RELEASE');
  });
});

describe('release signatures', () => {
  it('verify with the signing key and fail for an unknown key, an unsigned release or a changed record', async () => {
    const keys = generateSigningKeys();
    const other = generateSigningKeys();
    const { release, signature } = await createRelease({
      component: bytesOf(2),
      manifest: manifest(2),
      signingKey: keys.privateKeyPem,
    });
    expect(signature?.keyId).toBe(keys.keyId);
    expect(keyIdOf(keys.privateKeyPem)).toBe(keys.keyId);
    expect(() =>
      verifyReleaseSignature(release, signature, [other.publicKeyPem, keys.publicKeyPem]),
    ).not.toThrow();
    expect(() => verifyReleaseSignature(release, signature, [other.publicKeyPem])).toThrow(
      new RegExp(`signed by key ${keys.keyId}, which is not among this host's trusted keys`),
    );
    expect(() => verifyReleaseSignature(release, undefined, [keys.publicKeyPem])).toThrow(/is unsigned/);
    const tampered = { ...release, minHostVersion: '0.0.1' };
    expect(() => verifyReleaseSignature(tampered, signature, [keys.publicKeyPem])).toThrow(
      /does not match the release record/,
    );
    // Key order does not change what is signed.
    const reordered = Object.fromEntries(Object.entries(release).reverse()) as typeof release;
    expect(signRelease(reordered, keys.privateKeyPem).signature).toBe(signature?.signature);
  });
});

describe('canary routing and gates', () => {
  it('sends a stable share of keys to the candidate, and a key stays put as the share grows', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
    const at10 = canaryRouter('word-stats', '1.0.0', '2.0.0', 10);
    const at25 = canaryRouter('word-stats', '1.0.0', '2.0.0', 25);
    const on10 = keys.filter((k) => at10(k) === '2.0.0');
    expect(on10.length / keys.length).toBeGreaterThan(0.09);
    expect(on10.length / keys.length).toBeLessThan(0.11);
    expect(on10.every((k) => at25(k) === '2.0.0')).toBe(true);
    // A restarted host builds its router again: every key must land where it did.
    const again = canaryRouter('word-stats', '1.0.0', '2.0.0', 10);
    expect(keys.every((k) => again(k) === at10(k))).toBe(true);
    // The hash is part of the contract (users keep their version across hosts and restarts).
    expect([bucketOf('word-stats', 'user-1'), bucketOf('word-stats', 'user-2')]).toEqual([2416, 5273]);
  });

  const figures = (calls: number, errors: number, p99Ms: number) => ({
    calls,
    errors,
    errorRate: calls ? errors / calls : 0,
    p99Ms,
  });

  it('waits for enough calls, rolls back on errors or latency, and advances when the step has held', () => {
    const policy = { ...defaultCanaryPolicy, minCalls: 20, stepMs: 1000 };
    expect(judgeStep(policy, figures(100, 0, 1), figures(5, 5, 1), 5000).verdict).toBe('wait');
    const errors = judgeStep(policy, figures(100, 1, 1), figures(40, 10, 1), 10);
    expect(errors).toMatchObject({ verdict: 'rollback' });
    expect(errors.reason).toMatch(/error rate 25.0% \(10\/40\) exceeds stable 1.0% \+ 5.0%/);
    const slow = judgeStep(policy, figures(100, 0, 4), figures(40, 0, 12), 10);
    expect(slow.reason).toMatch(/p99 12.000 ms exceeds 2x stable p99 4.000 ms/);
    // Sub-millisecond noise of a fast plugin is not a breach.
    expect(judgeStep(policy, figures(100, 0, 0.01), figures(40, 0, 0.5), 10).verdict).toBe('wait');
    expect(judgeStep(policy, figures(100, 0, 1), figures(40, 1, 1.5), 1500).verdict).toBe('advance');
  });
});
