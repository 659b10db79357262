import { mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import semver from 'semver';
import type { Release, ReleaseBundle, ReleaseSignature, ReleaseStore } from '../release.js';
import { createFileDurably, isTempName, replaceFileDurably } from './durable-file.js';
import { StoreError } from './errors.js';
import {
  assertBundleConsistent,
  assertReleaseMatches,
  parseRelease,
  parseSignature,
  sha256Hex,
} from './integrity.js';
import type { TransferOptions } from './progress.js';
import { assertReleaseId, pluginNamePattern } from './release-id.js';

/** Options of {@link LocalStore.verify}. */
export interface LocalVerifyOptions {
  /** Delete temp files, orphan blobs and corrupt blobs. @default false */
  readonly repair?: boolean;
  /**
   * Temp files and orphan blobs younger than this are left alone: another process may be
   * writing them right now. @default 3600000 (one hour)
   */
  readonly graceMs?: number;
}

/** What {@link LocalStore.verify} found (and, with `repair`, removed). */
export interface LocalStoreReport {
  /** Release records read. */
  readonly releases: number;
  /** Component blobs hashed. */
  readonly blobs: number;
  /** sha256 of blobs whose bytes do not hash to their name. They are never served. */
  readonly corrupt: readonly string[];
  /** Records whose component blob is absent or corrupt: `get` refuses them until put again. */
  readonly broken: readonly { readonly name: string; readonly version: string; readonly sha256: string }[];
  /** Record files that cannot be read as a release. */
  readonly unreadable: readonly string[];
  /** sha256 of blobs no record references. */
  readonly orphans: readonly string[];
  /** Leftover temp files of interrupted writes. */
  readonly temps: readonly string[];
  /** Files deleted by `repair`. */
  readonly removed: readonly string[];
}

interface StoredRecord {
  readonly release: Release;
  readonly manifest?: string;
  readonly signature?: ReleaseSignature;
}

const lockOptions = {
  realpath: false,
  stale: 10_000,
  retries: { retries: 200, minTimeout: 25, maxTimeout: 250 },
  // A lock lost to a stalled event loop only reopens the rare race it guards (a sweep deleting
  // a blob a put is about to reference); throwing from a timer would crash the host instead.
  onCompromised: () => {},
};

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: unknown) => {
    if (isMissing(error)) return [];
    throw error;
  });
}

/**
 * Releases in a folder: components by sha256 under `blobs/sha256/<hex>`, one record per release
 * under `releases/<name>/<version>.json` (`{ release, manifest?, signature? }`).
 *
 * Every file is written to a temp file, fsynced and renamed (or linked) into place, and a record
 * only after its component is durable, so a crash at any point leaves at worst a temp file or an
 * unreferenced blob (which {@link LocalStore.verify} sweeps), never a record without its bytes.
 * Components are hashed on every read; a damaged one is refused, never returned.
 */
export class LocalStore implements ReleaseStore {
  /** The store's folder. */
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  private blobPath(sha256: string): string {
    return join(this.root, 'blobs', 'sha256', sha256);
  }

  private recordPath(name: string, version: string): string {
    return join(this.root, 'releases', name, `${version}.json`);
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await mkdir(this.root, { recursive: true });
    const release = await lockfile.lock(this.root, {
      ...lockOptions,
      lockfilePath: join(this.root, '.lock'),
    });
    try {
      return await work();
    } finally {
      await release();
    }
  }

  private async readRecord(name: string, version: string): Promise<StoredRecord | undefined> {
    const path = this.recordPath(name, version);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      throw new StoreError(
        'WITKIT_STORE_CORRUPT',
        name,
        'the release record is not JSON; publish the release again',
        {
          reference: path,
          cause,
        },
      );
    }
    const record = value as Partial<Record<keyof StoredRecord, unknown>> | null;
    const release = parseRelease(record?.release, name, path);
    assertReleaseMatches(release, name, version, undefined, path);
    return {
      release,
      ...(typeof record?.manifest === 'string' ? { manifest: record.manifest } : {}),
      ...(record?.signature === undefined ? {} : { signature: parseSignature(record.signature, name, path) }),
    };
  }

  /** Reads a blob and checks it hashes to its name; `undefined` when absent or damaged. */
  private async readBlob(sha256: string): Promise<Buffer | undefined> {
    const bytes = await readFile(this.blobPath(sha256)).catch((error: unknown) => {
      if (isMissing(error)) return undefined;
      throw error;
    });
    return bytes !== undefined && sha256Hex(bytes) === sha256 ? bytes : undefined;
  }

  /**
   * Stores a release: its component (once per sha256), then its record. Storing the same
   * release again is a no-op that also rewrites its component if the stored copy was damaged.
   *
   * @throws {DeployError} `WITKIT_INVALID_RELEASE` for a bad name or version, or a component that
   *   does not match the release's sha256 and size
   * @throws {StoreError} `WITKIT_RELEASE_EXISTS` when the version is stored with other bytes
   */
  async put(bundle: ReleaseBundle, options: TransferOptions = {}): Promise<void> {
    const { release, component } = bundle;
    assertReleaseId(release.name, release.version);
    assertBundleConsistent(bundle);
    const record: StoredRecord = {
      release,
      ...(bundle.manifest === undefined ? {} : { manifest: bundle.manifest }),
      ...(bundle.signature === undefined ? {} : { signature: bundle.signature }),
    };
    const recordText = `${JSON.stringify(record, null, 2)}\n`;
    const report = options.onProgress;
    const refuseOther = (existing: StoredRecord | undefined) => {
      if (existing && existing.release.sha256 !== release.sha256) {
        throw new StoreError(
          'WITKIT_RELEASE_EXISTS',
          release.name,
          `version ${release.version} is already stored with another component (sha256 ${existing.release.sha256}); publish a new version`,
          { reference: this.recordPath(release.name, release.version) },
        );
      }
    };
    return this.locked(async () => {
      const existing = await this.readRecord(release.name, release.version);
      refuseOther(existing);
      report?.({ step: 'component', bytes: 0, total: component.byteLength });
      if ((await this.readBlob(release.sha256)) === undefined) {
        await mkdir(join(this.root, 'blobs', 'sha256'), { recursive: true });
        await replaceFileDurably(this.blobPath(release.sha256), component);
      }
      report?.({ step: 'component', bytes: component.byteLength, total: component.byteLength });
      if (existing) return;
      // Only now, with the component durable, may the record appear.
      const size = Buffer.byteLength(recordText);
      report?.({ step: 'release', bytes: 0, total: size });
      await mkdir(join(this.root, 'releases', release.name), { recursive: true });
      if (!(await createFileDurably(this.recordPath(release.name, release.version), recordText))) {
        // Another writer got there first (only possible if it ignored the lock): theirs stands.
        refuseOther(await this.readRecord(release.name, release.version));
      }
      report?.({ step: 'release', bytes: size, total: size });
    });
  }

  /**
   * One release with its component, after checking the bytes against the record.
   *
   * @throws {StoreError} `WITKIT_RELEASE_NOT_FOUND`, or `WITKIT_STORE_CORRUPT` when the
   *   component is missing or does not hash to the record's sha256
   */
  async get(name: string, version: string, options: TransferOptions = {}): Promise<ReleaseBundle> {
    const record = await this.requireRecord(name, version);
    const { release } = record;
    options.onProgress?.({ step: 'component', bytes: 0, total: release.size });
    const path = this.blobPath(release.sha256);
    const component = await readFile(path).catch((cause: unknown) => {
      if (!isMissing(cause)) throw cause;
      throw new StoreError(
        'WITKIT_STORE_CORRUPT',
        name,
        `the component of ${version} (sha256 ${release.sha256}) is missing; publish the release again`,
        { reference: path, cause },
      );
    });
    assertReleaseMatches(release, name, version, component, path);
    options.onProgress?.({ step: 'component', bytes: component.byteLength, total: release.size });
    return { ...record, component };
  }

  /**
   * The release record alone.
   *
   * @throws {StoreError} `WITKIT_RELEASE_NOT_FOUND`
   */
  async release(name: string, version: string): Promise<Release> {
    return (await this.requireRecord(name, version)).release;
  }

  private async requireRecord(name: string, version: string): Promise<StoredRecord> {
    assertReleaseId(name, version);
    const record = await this.readRecord(name, version);
    if (!record) {
      throw new StoreError('WITKIT_RELEASE_NOT_FOUND', name, `no release ${version} in the store`, {
        reference: this.root,
      });
    }
    return record;
  }

  /** Every stored version of a plugin; empty when there is none. */
  async versions(name: string): Promise<string[]> {
    assertReleaseId(name);
    return (await entries(join(this.root, 'releases', name)))
      .filter((file) => file.endsWith('.json') && !isTempName(file))
      .map((file) => file.slice(0, -'.json'.length))
      .filter((version) => semver.valid(version) === version);
  }

  /** Names of the plugins with at least one stored release, sorted. */
  async list(): Promise<string[]> {
    const names = (await entries(join(this.root, 'releases'))).filter((name) => pluginNamePattern.test(name));
    const withVersions = await Promise.all(
      names.map(async (name) => ((await this.versions(name)).length > 0 ? name : undefined)),
    );
    return withVersions.filter((name) => name !== undefined).sort();
  }

  /**
   * Forgets a release; its component stays until {@link LocalStore.verify} with `repair` finds no
   * other release using it. Returns `false` when the release was not stored.
   */
  async remove(name: string, version: string): Promise<boolean> {
    assertReleaseId(name, version);
    return this.locked(async () => {
      try {
        await unlink(this.recordPath(name, version));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    });
  }

  /**
   * Checks the whole store: hashes every blob, reads every record, and lists temp files of
   * interrupted writes and blobs no record uses. With `repair`, deletes the temp files and
   * orphan blobs older than `graceMs`, and every corrupt blob.
   */
  async verify(options: LocalVerifyOptions = {}): Promise<LocalStoreReport> {
    const sweep = async () => {
      const graceMs = options.graceMs ?? 3_600_000;
      const removed: string[] = [];
      const old = async (path: string) => Date.now() - (await stat(path)).mtimeMs >= graceMs;
      const remove = async (path: string) => {
        if (!options.repair) return;
        await unlink(path).catch((error: unknown) => {
          if (!isMissing(error)) throw error;
        });
        removed.push(path);
      };
      const temps: string[] = [];
      const unreadable: string[] = [];
      const referenced = new Map<string, { name: string; version: string }[]>();
      let releases = 0;

      const releasesDir = join(this.root, 'releases');
      for (const name of await entries(releasesDir)) {
        const dir = join(releasesDir, name);
        for (const file of await entries(dir)) {
          const path = join(dir, file);
          if (isTempName(file)) {
            temps.push(path);
            if (await old(path)) await remove(path);
            continue;
          }
          const version = file.replace(/\.json$/, '');
          try {
            const { release } = (await this.readRecord(name, version))!;
            releases++;
            referenced.set(release.sha256, [...(referenced.get(release.sha256) ?? []), { name, version }]);
          } catch {
            unreadable.push(path);
          }
        }
      }

      const blobsDir = join(this.root, 'blobs', 'sha256');
      const corrupt: string[] = [];
      const orphans: string[] = [];
      const present = new Set<string>();
      let blobs = 0;
      for (const file of await entries(blobsDir)) {
        const path = join(blobsDir, file);
        if (isTempName(file)) {
          temps.push(path);
          if (await old(path)) await remove(path);
          continue;
        }
        blobs++;
        if ((await this.readBlob(file)) === undefined) {
          corrupt.push(file);
          await remove(path);
          continue;
        }
        present.add(file);
        if (!referenced.has(file)) {
          orphans.push(file);
          if (await old(path)) await remove(path);
        }
      }

      const broken = [...referenced]
        .filter(([sha256]) => !present.has(sha256))
        .flatMap(([sha256, users]) => users.map((user) => ({ ...user, sha256 })));
      return { releases, blobs, corrupt, broken, unreadable, orphans, temps, removed };
    };
    // Only a repairing sweep deletes, and only it must not interleave with a put.
    return options.repair ? this.locked(sweep) : sweep();
  }
}
