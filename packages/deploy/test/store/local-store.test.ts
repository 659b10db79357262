import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDeployError } from '../../src/errors.js';
import { verifyReleaseSignature } from '../../src/signing.js';
import { isStoreError } from '../../src/store/errors.js';
import { LocalStore } from '../../src/store/local-store.js';
import type { StoreProgress } from '../../src/store/progress.js';
import { bundleOf, probeComponent, testKeys } from '../support/releases.js';

let root: string;
let store: LocalStore;
let componentA: Uint8Array;
let componentB: Uint8Array;

beforeAll(async () => {
  componentA = await probeComponent('run');
  componentB = await probeComponent('transform');
});

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'witkit-local-store-'));
  store = new LocalStore(join(root, 'store'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const blobFile = (sha256: string) => join(store.root, 'blobs', 'sha256', sha256);

describe('LocalStore', () => {
  it('returns exactly what was stored: component bytes, plugin.toml and a signature that still verifies', async () => {
    const bundle = bundleOf(componentA, 'text-transformer', '1.2.0');
    const progress: StoreProgress[] = [];
    await store.put(bundle, { onProgress: (p) => progress.push(p) });

    const got = await store.get('text-transformer', '1.2.0');
    expect(Buffer.compare(got.component, componentA)).toBe(0);
    expect(got.release).toEqual(bundle.release);
    expect(got.manifest).toBe(bundle.manifest);
    expect(got.signature).toEqual(bundle.signature);
    expect(() => verifyReleaseSignature(got.release, got.signature, [testKeys.publicKeyPem])).not.toThrow();
    expect(await store.release('text-transformer', '1.2.0')).toEqual(bundle.release);
    expect(await store.versions('text-transformer')).toEqual(['1.2.0']);
    expect(await store.list()).toEqual(['text-transformer']);
    expect(progress.at(-1)).toEqual({
      step: 'release',
      bytes: expect.any(Number),
      total: expect.any(Number),
    });
    expect(progress).toContainEqual({
      step: 'component',
      bytes: componentA.byteLength,
      total: componentA.byteLength,
    });
    // Content-addressed: the component sits under its own sha256.
    expect(readFileSync(blobFile(bundle.release.sha256)).equals(Buffer.from(componentA))).toBe(true);
  });

  it('stores a component once for all releases that share it, and an unsigned release without a signature', async () => {
    await store.put(bundleOf(componentA, 'a', '1.0.0', { signed: false }));
    await store.put(bundleOf(componentA, 'b', '3.0.0'));
    expect(readdirSync(join(store.root, 'blobs', 'sha256'))).toHaveLength(1);
    expect((await store.get('a', '1.0.0')).signature).toBeUndefined();
    expect(await store.list()).toEqual(['a', 'b']);
    expect(await store.versions('missing')).toEqual([]);
  });

  it('treats putting the same release again as a no-op', async () => {
    const bundle = bundleOf(componentA, 'p', '1.0.0');
    await store.put(bundle);
    const record = join(store.root, 'releases', 'p', '1.0.0.json');
    const before = readFileSync(record, 'utf8');
    await store.put(bundle);
    expect(readFileSync(record, 'utf8')).toBe(before);
    expect(await store.versions('p')).toEqual(['1.0.0']);
  });

  it('refuses to store a version again with another component, and keeps serving the first', async () => {
    await store.put(bundleOf(componentA, 'p', '1.0.0'));
    const error = await errorOf(store.put(bundleOf(componentB, 'p', '1.0.0')));
    expect(isStoreError(error) && error.code).toBe('WITKIT_RELEASE_EXISTS');
    expect((error as Error).message).toMatch(
      /^plugin `p` \(.*\): version 1\.0\.0 is already stored with another component/,
    );
    expect(Buffer.compare((await store.get('p', '1.0.0')).component, componentA)).toBe(0);
  });

  it('refuses a bundle whose component is not the one its release names, and stores nothing', async () => {
    const bundle = { ...bundleOf(componentA, 'p', '1.0.0'), component: componentB };
    const error = await errorOf(store.put(bundle));
    expect(isDeployError(error) && error.code).toBe('WITKIT_INVALID_RELEASE');
    expect(await store.versions('p')).toEqual([]);
  });

  it('never serves a component damaged on disk; verify names it; putting the release again repairs it', async () => {
    const bundle = bundleOf(componentA, 'p', '1.0.0');
    await store.put(bundle);
    const file = blobFile(bundle.release.sha256);
    const damaged = readFileSync(file);
    damaged[damaged.length >> 1]! ^= 0xff;
    writeFileSync(file, damaged);

    const error = await errorOf(store.get('p', '1.0.0'));
    expect(isStoreError(error) && error.code).toBe('WITKIT_STORE_CORRUPT');
    expect((error as Error).message).toContain(`is not the released one (sha256 ${bundle.release.sha256}`);
    const report = await store.verify();
    expect(report.corrupt).toEqual([bundle.release.sha256]);
    expect(report.broken).toEqual([{ name: 'p', version: '1.0.0', sha256: bundle.release.sha256 }]);
    expect(existsSync(file)).toBe(true);

    await store.put(bundle);
    expect(Buffer.compare((await store.get('p', '1.0.0')).component, componentA)).toBe(0);
    expect((await store.verify()).corrupt).toEqual([]);
  });

  it('refuses a record that points at bytes other than the released ones', async () => {
    await store.put(bundleOf(componentA, 'p', '1.0.0'));
    const other = bundleOf(componentB, 'p', '2.0.0');
    await store.put(other);
    const record = join(store.root, 'releases', 'p', '1.0.0.json');
    const text = readFileSync(record, 'utf8').replace(
      /"sha256": "[0-9a-f]+"/,
      `"sha256": "${other.release.sha256}"`,
    );
    writeFileSync(record, text);
    const error = await errorOf(store.get('p', '1.0.0'));
    expect(isStoreError(error) && error.code).toBe('WITKIT_STORE_CORRUPT');
  });

  it('ignores temp files of interrupted writes, and verify sweeps them and unused blobs once old enough', async () => {
    await store.put(bundleOf(componentA, 'p', '1.0.0'));
    await store.put(bundleOf(componentB, 'p', '2.0.0'));
    const temps = [
      join(store.root, 'blobs', 'sha256', '.tmp-halfwritten-1'),
      join(store.root, 'releases', 'p', '.tmp-3.0.0.json-1'),
    ];
    for (const temp of temps) writeFileSync(temp, 'partial');
    expect((await store.versions('p')).sort()).toEqual(['1.0.0', '2.0.0']);
    expect(await store.remove('p', '2.0.0')).toBe(true);
    expect(await store.remove('p', '2.0.0')).toBe(false);

    // Young files may belong to a write in progress: reported, kept.
    const young = await store.verify({ repair: true });
    expect([...young.temps].sort()).toEqual([...temps].sort());
    expect(young.orphans).toHaveLength(1);
    expect(young.removed).toEqual([]);

    const swept = await store.verify({ repair: true, graceMs: 0 });
    expect(swept.removed).toHaveLength(3);
    for (const temp of temps) expect(existsSync(temp)).toBe(false);
    expect(readdirSync(join(store.root, 'blobs', 'sha256'))).toEqual([
      bundleOf(componentA, 'p', '1.0.0').release.sha256,
    ]);
    expect(Buffer.compare((await store.get('p', '1.0.0')).component, componentA)).toBe(0);
    const clean = await store.verify();
    expect(clean).toMatchObject({ releases: 1, blobs: 1, corrupt: [], broken: [], orphans: [], temps: [] });
  });

  it('writes no record when the component cannot be written', async () => {
    mkdirSync(join(store.root, 'blobs'), { recursive: true });
    // A file where the blob folder belongs: every component write fails (even for root).
    writeFileSync(join(store.root, 'blobs', 'sha256'), 'in the way');
    await expect(store.put(bundleOf(componentA, 'p', '1.0.0'))).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(existsSync(join(store.root, 'releases', 'p', '1.0.0.json'))).toBe(false);
    expect(await store.versions('p')).toEqual([]);
  });

  it('lets exactly one of several concurrent conflicting puts win', async () => {
    const bundles = [componentA, componentB, componentA, componentB].map((c) => bundleOf(c, 'race', '1.0.0'));
    const results = await Promise.allSettled(bundles.map((b) => store.put(b)));
    const winner = (await store.get('race', '1.0.0')).release.sha256;
    results.forEach((result, i) => {
      if (bundles[i]!.release.sha256 === winner) expect(result.status).toBe('fulfilled');
      else expect(result).toMatchObject({ status: 'rejected', reason: { code: 'WITKIT_RELEASE_EXISTS' } });
    });
    expect(await store.versions('race')).toEqual(['1.0.0']);
  });

  it('refuses names and versions that could leave the store folder', async () => {
    const bad: [string, string][] = [
      ['../evil', '1.0.0'],
      ['..', '1.0.0'],
      ['a/b', '1.0.0'],
      ['.hidden', '1.0.0'],
      ['Upper', '1.0.0'],
      ['p', '../../1.0.0'],
      ['p', '1.0'],
      ['p', 'v1.0.0'],
    ];
    for (const [name, version] of bad) {
      const bundle = bundleOf(componentA, name, version);
      for (const attempt of [store.put(bundle), store.get(name, version), store.release(name, version)]) {
        const error = await errorOf(attempt);
        expect(isDeployError(error) && error.code, `${name}@${version}`).toBe('WITKIT_INVALID_RELEASE');
      }
    }
    expect(await errorOf(store.versions('../x'))).toMatchObject({ code: 'WITKIT_INVALID_RELEASE' });
    // Nothing was written anywhere, not even the store folder.
    expect(readdirSync(root)).toEqual([]);
  });

  it('answers NOT_FOUND for a release it does not have', async () => {
    await store.put(bundleOf(componentA, 'p', '1.0.0'));
    const error = await errorOf(store.get('p', '1.0.1'));
    expect(isStoreError(error) && error.code).toBe('WITKIT_RELEASE_NOT_FOUND');
    expect((error as Error).message).toContain('plugin `p`');
  });
});
