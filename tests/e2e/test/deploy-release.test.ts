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
  quantileRange,
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

  const figures = (
    calls: number,
    errors: number,
    p99Ms: number,
    latencyCalls = calls,
    p99RangeMs: readonly [number, number] = [p99Ms, p99Ms],
  ) => ({ calls, errors, errorRate: calls ? errors / calls : 0, p99Ms, p99RangeMs, latencyCalls });

  it('waits for enough calls, rolls back on errors or latency, and advances when the step has held', () => {
    const policy = { ...defaultCanaryPolicy, minCalls: 20, minLatencyCalls: 30, stepMs: 1000 };
    expect(judgeStep(policy, figures(100, 0, 1), figures(5, 5, 1), 5000).verdict).toBe('wait');
    const errors = judgeStep(policy, figures(100, 1, 1), figures(40, 10, 1), 10);
    expect(errors).toMatchObject({ verdict: 'rollback' });
    expect(errors.reason).toMatch(/error rate 25.0% \(10\/40\) exceeds stable 1.0% \+ 5.0%/);
    const slow = judgeStep(policy, figures(100, 0, 4), figures(40, 0, 12), 10);
    expect(slow.reason).toBe(
      'p99 12.000 ms (at least 12.000 ms) over 40 calls exceeds 2x stable p99 4.000 ms (at most 4.000 ms; limit 8.000 ms)',
    );
    // Sub-millisecond noise of a fast plugin is not a breach.
    expect(judgeStep(policy, figures(100, 0, 0.01), figures(40, 0, 0.5), 10).verdict).toBe('wait');
    expect(judgeStep(policy, figures(100, 0, 1), figures(40, 1, 1.5), 1500).verdict).toBe('advance');
  });

  it('bounds a p99 by the order statistics of its window', () => {
    const [low277, high277] = quantileRange(277, 0.99);
    // Over 277 calls the true p99 may be as low as the 271st of them in order (the 7th
    // slowest): six slow calls cannot make a breach on their own.
    expect(Math.ceil(low277 * 277)).toBe(271);
    expect(high277).toBe(1);
    const [low, high] = quantileRange(10_000, 0.99);
    expect(low).toBeCloseTo(0.988, 3);
    expect(high).toBeCloseTo(0.992, 3);
    expect(quantileRange(0, 0.99)).toEqual([0.99, 0.99]);
  });

  it('judges p99 only over enough warm calls, and never advances a step it could not judge', () => {
    const policy = { ...defaultCanaryPolicy, minCalls: 20, stepMs: 1000 };
    // 40 calls, the slowest of them cold: too few to say anything about the p99 (the default
    // wants 200 warm calls), so no rollback, and no advance either although the step is over.
    const young = judgeStep(policy, figures(400, 0, 1.5), figures(40, 0, 4.3, 20), 5000);
    expect(young).toEqual({ verdict: 'wait', reason: '20 of 200 warm calls needed to judge p99' });
    // Errors are judged from the first call, warm or not.
    expect(judgeStep(policy, figures(400, 0, 1.5), figures(40, 20, 1, 0), 10).verdict).toBe('rollback');
    expect(judgeStep(policy, figures(4000, 0, 1.5), figures(400, 0, 4.3, 380), 10).verdict).toBe('rollback');
    expect(judgeStep(policy, figures(4000, 0, 1.5), figures(400, 0, 2.9, 380), 5000).verdict).toBe('advance');
    // Raw p99s 2.3 vs 0.9 ms, as two identical releases showed here over ~280 calls: within
    // what either could be, so no breach; a candidate slow in every call is one.
    const stable = figures(600, 0, 0.9, 600, [0.8, 1.3]);
    expect(judgeStep(policy, stable, figures(280, 0, 2.3, 280, [1.2, 4]), 10).verdict).toBe('wait');
    expect(judgeStep(policy, stable, figures(280, 0, 6, 280, [5, 7]), 10).verdict).toBe('rollback');
    // A policy persisted before the latency fields existed gets their defaults.
    const { minLatencyCalls: _a, warmupCalls: _b, minP99Ms: _c, ...older } = policy;
    expect(
      judgeStep(older as typeof policy, figures(400, 0, 1.5), figures(40, 0, 4.3, 20), 5000).verdict,
    ).toBe('wait');
  });
});
