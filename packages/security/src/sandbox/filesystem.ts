import {
  type BigIntStats,
  closeSync,
  constants,
  type Dir,
  existsSync,
  fstatSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  opendirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { dirname, posix } from 'node:path';
import { createFilesystem, types as shimTypes } from '@bytecodealliance/preview2-shim/filesystem';
import type { FsGrant } from '../grants.js';
import { fail, sys, toWasiError, type WasiErrorCode } from './errno.js';
import { SandboxError } from './errors.js';
import { type FsAccess, FsPolicy, within } from './policy.js';

/** The WASI filesystem operations the sandbox reports in a {@link FsViolation}. */
export type FsOperation =
  | 'open-at'
  | 'read-directory'
  | 'create-directory-at'
  | 'stat-at'
  | 'set-times-at'
  | 'link-at'
  | 'readlink-at'
  | 'remove-directory-at'
  | 'rename-at'
  | 'symlink-at'
  | 'unlink-file-at'
  | 'metadata-hash-at'
  | 'write'
  | 'write-via-stream'
  | 'append-via-stream'
  | 'set-size'
  | 'set-times';

/**
 * Why a request was refused:
 * - `read-only`: a write under a read grant (or under `deny write:`)
 * - `denied`: the path is under a `deny read:` rule
 * - `outside-grants`: the path (after `..` and symlinks) leaves every grant
 * - `absolute-path`: an absolute path (or absolute symlink target) handed to a `*-at` call
 * - `swapped`: the file or directory changed between the check and its use (a symlink race)
 * - `grant-boundary`: a rename would move a directory that holds a grant or deny rule (or
 *   replace one), taking its subtree out from under the rule
 */
export type FsViolationReason =
  | 'read-only'
  | 'denied'
  | 'outside-grants'
  | 'absolute-path'
  | 'swapped'
  | 'grant-boundary';

/** One refused filesystem request, as the sandbox reports it to `onViolation`. */
export interface FsViolation {
  readonly plugin: string;
  readonly type: 'fs-access-denied';
  /** The host path the request reached (symlinks resolved), or the path as given when it is absolute. */
  readonly resource: string;
  readonly action: 'denied';
  readonly op: FsOperation;
  readonly reason: FsViolationReason;
  /** The path exactly as the plugin passed it (relative to its descriptor). */
  readonly path: string;
  /** When, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Options of {@link createFilesystemSandbox}. */
export interface FilesystemSandboxOptions {
  /** The plugin's name, for violations. */
  readonly plugin: string;
  /** `permissions.fs` of the manifest: absolute, normalised host paths. */
  readonly grants: readonly FsGrant[];
  /**
   * `permissions.deny.fs`: `deny read:/p` hides `/p` entirely, `deny write:/p` makes it read-only.
   * @default []
   */
  readonly deny?: readonly FsGrant[];
  /**
   * Called synchronously, inside the plugin's WASI call, for every refused request. Should it
   * throw, the request is still refused, and the plugin's call traps.
   */
  readonly onViolation?: (violation: FsViolation) => void;
}

/** A WASI `datetime`. */
interface Datetime {
  seconds: bigint;
  nanoseconds: number;
}
/** A WASI `new-timestamp`. */
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
/** WASI `descriptor-flags`. */
interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  fileIntegritySync?: boolean;
  dataIntegritySync?: boolean;
  requestedWriteSync?: boolean;
  mutateDirectory?: boolean;
}
/** WASI `path-flags`. */
interface PathFlags {
  symlinkFollow?: boolean;
}
/** WASI `open-flags`. */
interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
type DescriptorType =
  | 'unknown'
  | 'block-device'
  | 'character-device'
  | 'directory'
  | 'fifo'
  | 'symbolic-link'
  | 'regular-file'
  | 'socket';
interface DescriptorStat {
  type: DescriptorType;
  linkCount: bigint;
  size: bigint;
  dataAccessTimestamp: Datetime;
  dataModificationTimestamp: Datetime;
  statusChangeTimestamp: Datetime;
}
interface MetadataHash {
  upper: bigint;
  lower: bigint;
}

/** preview2-shim's `Descriptor`, as far as the sandbox uses it (a regular file it opened). */
interface ShimDescriptor {
  readViaStream(offset: bigint): unknown;
  writeViaStream(offset: bigint): unknown;
  appendViaStream(): unknown;
  advise(offset: bigint, length: bigint, advice: string): void;
  syncData(): void;
  getFlags(): DescriptorFlags;
  getType(): DescriptorType;
  setSize(size: bigint): void;
  setTimes(atime: NewTimestamp, mtime: NewTimestamp): void;
  read(length: bigint, offset: bigint): [Uint8Array, boolean];
  write(buffer: Uint8Array, offset: bigint): bigint;
  sync(): void;
  stat(): DescriptorStat;
  metadataHash(): MetadataHash;
  openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): ShimDescriptor;
  [Symbol.dispose](): void;
}

/**
 * The two `wasi:filesystem` imports of one plugin instance, to put into jco's import object in
 * place of preview2-shim's, plus what the host needs to manage them.
 */
export interface FilesystemSandbox {
  /** `wasi:filesystem/types`: `Descriptor` and `DirectoryEntryStream` are this sandbox's own classes. */
  readonly types: {
    readonly Descriptor: abstract new (...args: never[]) => unknown;
    readonly DirectoryEntryStream: abstract new (...args: never[]) => unknown;
    filesystemErrorCode(error: unknown): WasiErrorCode | undefined;
  };
  /** `wasi:filesystem/preopens`: one directory per grant, at the grant's own absolute path. */
  readonly preopens: { getDirectories(): Array<[unknown, string]> };
  /**
   * Both imports keyed as jco's import object wants them, e.g. `{ ...wasi.getImportObject(),
   * ...sandbox.importObject() }`.
   * @param options.asVersion - a WASI version suffix (`0.2.3`), as `WASIShim.getImportObject` takes
   */
  importObject(options?: { asVersion?: string }): Record<string, unknown>;
  /** Grants that name no existing path: they get no preopen (create the path, then a new instance sees it). */
  readonly unavailable: readonly FsGrant[];
  /** Closes the preopened directories; descriptors handed out before then stop working. */
  dispose(): void;
}

// The package's `types` condition points at its browser typings; this is the Node build's signature.
const createNodeFilesystem = createFilesystem as unknown as (config: {
  preopens: Record<string, string>;
}) => { preopens: { getDirectories(): Array<[ShimDescriptor, string]> } };

// Linux's O_PATH: an fd that names a file without opening it for I/O (no side effects: a FIFO
// does not block, a device is not opened), usable as a base for /proc/self/fd lookups. Node does
// not export the constant.
const O_PATH = 0o10000000;
// With /proc/self/fd/N/name every lookup starts at the directory fd N itself, as openat(2) would:
// Node has no openat (libuv#4167), and this is what makes the checks race-free.
const procfs = process.platform === 'linux' && existsSync('/proc/self/fd');
const MAX_SYMLINKS = 40;

/** An open directory: the base of every `*-at` lookup, with the identity it had when checked. */
interface Anchor {
  /** An O_PATH fd on Linux; undefined where there is no procfs (then lookups go by `real`). */
  readonly fd: number | undefined;
  /** Its real path. */
  readonly real: string;
  readonly dev: bigint;
  readonly ino: bigint;
}

function openAnchor(path: string, real?: string): Anchor {
  if (!procfs) {
    const r = real ?? realpathSync(path);
    const st = statSync(r, { bigint: true });
    if (!st.isDirectory()) fail('not-directory');
    return { fd: undefined, real: r, dev: st.dev, ino: st.ino };
  }
  const fd = openSync(path, O_PATH | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const st = fstatSync(fd, { bigint: true });
    // The kernel's own name for what the fd refers to: authoritative, whatever the path went through.
    return { fd, real: readlinkSync(`/proc/self/fd/${fd}`), dev: st.dev, ino: st.ino };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function statBig(path: string): BigIntStats {
  return lstatSync(path, { bigint: true });
}

function closeAnchor(anchor: Anchor): void {
  if (anchor.fd !== undefined) closeSync(anchor.fd);
}

/** The path of `name` inside `anchor`, for a syscall: anchored at the directory's fd when possible. */
function at(anchor: Anchor, name: string): string {
  return anchor.fd === undefined ? posix.join(anchor.real, name) : `/proc/self/fd/${anchor.fd}/${name}`;
}

function fstatAnchor(anchor: Anchor): BigIntStats {
  return anchor.fd === undefined ? statBig(anchor.real) : fstatSync(anchor.fd, { bigint: true });
}

const datetime = (ns: bigint): Datetime => ({
  seconds: ns / 1_000_000_000n,
  nanoseconds: Number(ns % 1_000_000_000n),
});

function typeOf(st: BigIntStats): DescriptorType {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'unknown';
}

function descriptorStat(st: BigIntStats): DescriptorStat {
  return {
    type: typeOf(st),
    linkCount: st.nlink,
    size: st.size,
    dataAccessTimestamp: datetime(st.atimeNs),
    dataModificationTimestamp: datetime(st.mtimeNs),
    statusChangeTimestamp: datetime(st.ctimeNs),
  };
}

/** Seconds (fractional) for Node's utimes, from a WASI new-timestamp and the current value. */
function timeArg(ts: NewTimestamp, current: bigint): number {
  if (ts.tag === 'no-change') return Number(current) / 1e9;
  if (ts.tag === 'now') return Date.now() / 1000;
  return Number(ts.val.seconds) + ts.val.nanoseconds / 1e9;
}

/** Where a path led: the directory holding its last component, open, and that component. */
interface Target {
  /** Directory holding the entry (the entry itself when `name` is `.`). */
  readonly parent: Anchor;
  /** Last component, or `.` when the path names `parent` itself (`''`, `.`, `a/..`). */
  readonly name: string;
  /** Real host path of the entry (symlinks resolved, except a final one that is not followed). */
  readonly real: string;
  /** lstat of the entry at check time; undefined when it does not exist. */
  readonly stat: BigIntStats | undefined;
  /** Whether the path ended in `/` (the entry must be a directory). */
  readonly trailingSlash: boolean;
  /** Closes the directories the lookup opened. */
  release(): void;
}

const isEnoent = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ENOENT';

/**
 * Builds the `wasi:filesystem` imports of one plugin instance: preopens only for granted paths
 * (each at its own absolute host path), and a `Descriptor` that checks every request against the
 * grants and deny rules on the real path it reaches, and reports each refusal.
 *
 * How it holds against a plugin racing it (e.g. two instances, one swapping a directory for a
 * symlink while the other opens through it): on Linux every lookup walks the path one component
 * at a time from an open directory fd (`/proc/self/fd/N/name`, as `openat` would), directories
 * are opened with `O_NOFOLLOW` and compared by device and inode with what was checked, and
 * symlinks are resolved by the sandbox itself; files are created/truncated through the checked
 * directory fd before preview2-shim reopens them, and the shim's fd must have the checked inode.
 * See `docs/security.md` for what this promises and what it does not.
 *
 * @example
 * ```ts
 * const fs = createFilesystemSandbox({
 *   plugin: 'thumbnailer',
 *   grants: manifest.permissions.fs,
 *   deny: manifest.permissions.deny.fs,
 *   onViolation: (v) => audit.append(v),
 * });
 * const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, enableNetwork: false } });
 * const instance = instantiate(getCoreModule, { ...wasi.getImportObject(), ...fs.importObject() });
 * ```
 * @throws {SandboxError} `WITKIT_FS_GRANT_INVALID` when a grant or deny path is not absolute and
 *   normalised, `WITKIT_FS_GRANT_UNOPENABLE` when a granted directory cannot be opened
 */
export function createFilesystemSandbox(options: FilesystemSandboxOptions): FilesystemSandbox {
  const { plugin, grants, deny = [], onViolation } = options;
  for (const [what, list] of [
    ['grant', grants],
    ['deny', deny],
  ] as const) {
    for (const g of list) {
      const p = g.path;
      if (!posix.isAbsolute(p) || posix.normalize(p) !== p || (p !== '/' && p.endsWith('/'))) {
        throw new SandboxError(
          'WITKIT_FS_GRANT_INVALID',
          plugin,
          p,
          `filesystem ${what} path must be absolute and normalised (like \`/data/in\`), got \`${p}\``,
        );
      }
    }
  }
  const policy = new FsPolicy(grants, deny);

  const refuse = (
    op: FsOperation,
    reason: FsViolationReason,
    resource: string,
    path: string,
    code: WasiErrorCode,
  ): never => {
    onViolation?.({
      plugin,
      type: 'fs-access-denied',
      resource,
      action: 'denied',
      op,
      reason,
      path,
      timestamp: Date.now(),
    });
    return fail(code);
  };

  /** Refuses unless `real` may be used for `need`; `passage` directories may only be looked at. */
  const authorize = (real: string, need: 'read' | 'write', op: FsOperation, path: string): FsAccess => {
    const access = policy.accessOf(real);
    if (access === 'denied') refuse(op, 'denied', real, path, 'no-entry');
    if (access === 'outside') refuse(op, 'outside-grants', real, path, 'not-permitted');
    if (need === 'write' && access !== 'write') refuse(op, 'read-only', real, path, 'read-only');
    return access;
  };

  /** Refuses a directory the lookup would go through, unless some grant lets the plugin see it. */
  const traverse = (real: string, op: FsOperation, path: string) => {
    const access = policy.accessOf(real);
    if (access === 'denied') refuse(op, 'denied', real, path, 'no-entry');
    if (access === 'outside') refuse(op, 'outside-grants', real, path, 'not-permitted');
  };

  // Roots for absolute symlink targets and for preview2-shim's own lookups: each existing grant
  // directory (a file grant's directory for a file grant), open for the sandbox's lifetime.
  const roots = new Map<string, { anchor: Anchor; shim: ShimDescriptor }>();
  const unavailable: FsGrant[] = [];
  for (const g of policy.grants) {
    if (!g.exists) {
      unavailable.push({ access: g.access, path: g.path });
      continue;
    }
    const dir = g.isFile ? dirname(g.real) : g.real;
    if (roots.has(dir) || policy.accessOf(dir) === 'denied') continue;
    let anchor: Anchor;
    try {
      anchor = openAnchor(dir);
    } catch (cause) {
      for (const { anchor: a } of roots.values()) closeAnchor(a);
      throw new SandboxError(
        'WITKIT_FS_GRANT_UNOPENABLE',
        plugin,
        g.path,
        `cannot open the granted directory \`${dir}\` (${(cause as Error).message}); let the host process read it, or remove the grant`,
        { cause },
      );
    }
    // preview2-shim's namespace for this root: its lookups refuse `..` past the root and
    // absolute symlinks, a second fence should anything change under our feet.
    const fs = createNodeFilesystem({ preopens: { [dir]: dir } });
    const shim = fs.preopens.getDirectories()[0]![0];
    roots.set(dir, { anchor, shim });
  }
  const rootOf = (real: string) => {
    let best: string | undefined;
    for (const r of roots.keys())
      if (within(real, r) && (best === undefined || r.length > best.length)) best = r;
    return best === undefined ? undefined : roots.get(best)!;
  };

  /**
   * Walks `path` from `base` one component at a time, resolving symlinks itself, and refuses as
   * soon as a directory on the way is outside every grant or denied. The returned parent is open
   * (an fd on Linux) and was checked; the caller checks the target itself for the operation.
   */
  const resolve = (base: Anchor, path: string, follow: boolean, op: FsOperation): Target => {
    if (path.startsWith('/')) refuse(op, 'absolute-path', path, path, 'not-permitted');
    const trailingSlash = path.endsWith('/');
    let pending = path.split('/').filter((s) => s !== '' && s !== '.');
    // One fd at a time: the directory the lookup is in, when the lookup opened it (the base and
    // the grant roots belong to their descriptors). A path of thousands of components must not
    // hold thousands of fds.
    let owned: Anchor | undefined;
    const release = () => {
      if (owned !== undefined) closeAnchor(owned);
      owned = undefined;
    };
    // A directory descriptor follows its directory if it moves: start from where it is now.
    let cur: Anchor = procfs ? { ...base, real: fstatReal(base) } : base;
    const enter = (next: Anchor, ours: boolean) => {
      const previous = owned;
      cur = next;
      owned = ours ? next : undefined;
      if (previous !== undefined) closeAnchor(previous);
    };
    let links = 0;
    try {
      while (pending.length > 0) {
        const seg = pending.shift()!;
        const last = pending.length === 0;
        if (seg === '..') {
          // `cur.real` has no symlinks, so its lexical parent is its physical parent.
          traverse(dirname(cur.real), op, path);
          enter(
            sys(() => openAnchor(at(cur, '..'))),
            true,
          );
          // The directory may have moved since it was opened: check where `..` really led.
          traverse(cur.real, op, path);
          continue;
        }
        const entry = at(cur, seg);
        const real = posix.join(cur.real, seg);
        let st: BigIntStats | undefined;
        try {
          st = statBig(entry);
        } catch (error) {
          if (!isEnoent(error)) fail(toWasiError(error));
        }
        if (st?.isSymbolicLink() && (!last || follow || trailingSlash)) {
          if (++links > MAX_SYMLINKS) fail('loop');
          // The link itself must be somewhere the plugin may look (not a hidden entry of a file grant's directory).
          traverse(real, op, path);
          let target: string;
          try {
            target = readlinkSync(entry);
          } catch (error) {
            // EINVAL: no longer a symlink (swapped back since the lstat): look at it again.
            if ((error as { code?: unknown }).code !== 'EINVAL') fail(toWasiError(error));
            pending.unshift(seg);
            continue;
          }
          const segments = target.split('/').filter((s) => s !== '' && s !== '.');
          if (target.startsWith('/')) {
            // Continue from the grant root the target names, if any: the root's path has no
            // symlinks, so its components lead exactly to the root.
            const lexical = posix.normalize(target);
            const root = [...roots.entries()]
              .filter(
                ([r]) =>
                  within(lexical, r) && target.split('/').slice(0, r.split('/').length).join('/') === r,
              )
              .sort(([a], [b]) => b.length - a.length)[0];
            if (root === undefined) refuse(op, 'outside-grants', lexical, path, 'not-permitted');
            enter(root![1].anchor, false);
            pending = [...segments.slice(root![0] === '/' ? 0 : root![0].split('/').length - 1), ...pending];
          } else {
            pending = [...segments, ...pending];
          }
          continue;
        }
        if (last) {
          return { parent: cur, name: seg, real, stat: st, trailingSlash, release };
        }
        if (st === undefined) fail('no-entry');
        if (!st.isDirectory()) fail('not-directory');
        traverse(real, op, path);
        let next: Anchor;
        try {
          next = openAnchor(entry, real);
        } catch (error) {
          // It was a directory a moment ago: O_NOFOLLOW|O_DIRECTORY failing means a symlink or
          // a file took its place.
          const code = (error as { code?: unknown }).code;
          if (code === 'ENOTDIR' || code === 'ELOOP') refuse(op, 'swapped', real, path, 'not-permitted');
          return fail(toWasiError(error));
        }
        enter(next, true);
        // O_NOFOLLOW kept a swapped-in symlink out; this catches a directory renamed into place.
        if (next.dev !== st.dev || next.ino !== st.ino) refuse(op, 'swapped', real, path, 'not-permitted');
      }
      return { parent: cur, name: '.', real: cur.real, stat: fstatAnchor(cur), trailingSlash, release };
    } catch (error) {
      release();
      throw error;
    }
  };

  /** Runs `use` on a resolved target, then closes what the lookup opened. */
  const withTarget = <T>(
    base: Anchor,
    path: string,
    follow: boolean,
    op: FsOperation,
    use: (t: Target) => T,
  ): T => {
    const t = resolve(base, path, follow, op);
    try {
      return use(t);
    } finally {
      t.release();
    }
  };

  // Descriptor handles are made only by the sandbox: the token keeps the constructor private
  // while the class stays exported under the name jco's glue checks with `instanceof`.
  const token = Symbol('sandbox');
  const anchors = new FinalizationRegistry<number>((fd) => {
    try {
      closeSync(fd);
    } catch {
      // Already closed by dispose: nothing to release.
    }
  });

  type DirState = { kind: 'dir'; anchor: Anchor; access: FsAccess; flags: DescriptorFlags; shared: boolean };
  type FileState = {
    kind: 'file';
    file: ShimDescriptor;
    access: FsAccess;
    flags: DescriptorFlags;
    real: string;
    dev: bigint;
    ino: bigint;
  };

  /** `wasi:filesystem/types.descriptor` of this sandbox: a checked directory, or a checked file. */
  class Descriptor {
    #state: DirState | FileState;
    #closed = false;

    constructor(key: symbol, state: DirState | FileState) {
      if (key !== token) throw new TypeError('descriptors are created by the filesystem sandbox only');
      this.#state = state;
      if (state.kind === 'dir' && !state.shared && state.anchor.fd !== undefined) {
        anchors.register(this, state.anchor.fd, this);
      }
    }

    #dir(): DirState {
      if (this.#closed) fail('bad-descriptor');
      if (this.#state.kind !== 'dir') fail('not-directory');
      return this.#state;
    }

    #file(op: FsOperation | undefined): FileState {
      if (this.#closed) fail('bad-descriptor');
      if (this.#state.kind !== 'file') fail(op === undefined ? 'bad-descriptor' : 'is-directory');
      return this.#state;
    }

    /** Refuses a data write unless the descriptor was opened for writing (only possible under a write grant). */
    #writable(op: FsOperation): ShimDescriptor {
      const s = this.#file(op);
      if (!s.flags.write) {
        if (s.access !== 'write') refuse(op, 'read-only', s.real, '', 'bad-descriptor');
        fail('bad-descriptor');
      }
      return s.file;
    }

    readViaStream(offset: bigint): unknown {
      return this.#file(undefined).file.readViaStream(offset);
    }
    writeViaStream(offset: bigint): unknown {
      return this.#writable('write-via-stream').writeViaStream(offset);
    }
    appendViaStream(): unknown {
      return this.#writable('append-via-stream').appendViaStream();
    }
    advise(offset: bigint, length: bigint, advice: string): void {
      this.#file(undefined).file.advise(offset, length, advice);
    }
    syncData(): void {
      if (this.#state.kind === 'file') this.#file(undefined).file.syncData();
    }
    getFlags(): DescriptorFlags {
      if (this.#closed) fail('bad-descriptor');
      return { ...this.#state.flags };
    }
    getType(): DescriptorType {
      return this.#state.kind === 'dir' ? 'directory' : this.#file(undefined).file.getType();
    }
    setSize(size: bigint): void {
      this.#writable('set-size').setSize(size);
    }
    setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
      if (this.#state.kind === 'file') {
        const s = this.#file('set-times');
        if (s.access !== 'write') refuse('set-times', 'read-only', s.real, '', 'read-only');
        s.file.setTimes(atime, mtime);
        return;
      }
      const d = this.#dir();
      authorize(d.anchor.real, 'write', 'set-times', '.');
      const st = fstatAnchor(d.anchor);
      sys(() => utimesSync(at(d.anchor, '.'), timeArg(atime, st.atimeNs), timeArg(mtime, st.mtimeNs)));
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      return this.#file(undefined).file.read(length, offset);
    }
    write(buffer: Uint8Array, offset: bigint): bigint {
      return this.#writable('write').write(buffer, offset);
    }
    readDirectory(): DirectoryEntryStream {
      const d = this.#dir();
      const real = procfs ? fstatReal(d.anchor) : d.anchor.real;
      authorize(real, 'read', 'read-directory', '.');
      const dir = sys(() => opendirSync(at(d.anchor, '.')));
      return new DirectoryEntryStream(token, dir, real);
    }
    sync(): void {
      // Directories are held by O_PATH fds, which cannot be synced; their entries are
      // written by the kernel as the operations happen.
      if (this.#state.kind === 'file') this.#file(undefined).file.sync();
    }
    createDirectoryAt(path: string): void {
      const op = 'create-directory-at';
      withTarget(this.#dir().anchor, path, false, op, (t) => {
        authorize(t.real, 'write', op, path);
        sys(() => mkdirSync(at(t.parent, t.name)));
      });
    }
    stat(): DescriptorStat {
      if (this.#state.kind === 'file') return this.#file(undefined).file.stat();
      return descriptorStat(sys(() => fstatAnchor(this.#dir().anchor)));
    }
    statAt(pathFlags: PathFlags, path: string): DescriptorStat {
      return withTarget(this.#dir().anchor, path, !!pathFlags.symlinkFollow, 'stat-at', (t) => {
        authorize(t.real, 'read', 'stat-at', path);
        if (t.stat === undefined) fail('no-entry');
        return descriptorStat(t.stat);
      });
    }
    setTimesAt(pathFlags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
      const op = 'set-times-at';
      withTarget(this.#dir().anchor, path, !!pathFlags.symlinkFollow, op, (t) => {
        authorize(t.real, 'write', op, path);
        if (t.stat === undefined) fail('no-entry');
        // lutimes: symlinks were resolved by the lookup, so a link swapped in since is not followed.
        sys(() =>
          lutimesSync(at(t.parent, t.name), timeArg(atime, t.stat!.atimeNs), timeArg(mtime, t.stat!.mtimeNs)),
        );
      });
    }
    linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      const op = 'link-at';
      const to = newDescriptor.#dir().anchor;
      withTarget(this.#dir().anchor, oldPath, !!oldPathFlags.symlinkFollow, op, (from) => {
        // A hard link is the same file under a second name: linking a read-only file into a
        // write grant would make it writable, so the source needs write access too.
        authorize(from.real, 'write', op, oldPath);
        withTarget(to, newPath, false, op, (t) => {
          authorize(t.real, 'write', op, newPath);
          sys(() => linkSync(at(from.parent, from.name), at(t.parent, t.name)));
        });
      });
    }
    openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
      const op = 'open-at';
      if (flags.requestedWriteSync || flags.fileIntegritySync || flags.dataIntegritySync) fail('unsupported');
      const needsWrite = !!(
        openFlags.create ||
        openFlags.truncate ||
        openFlags.exclusive ||
        flags.write ||
        flags.mutateDirectory
      );
      return withTarget(this.#dir().anchor, path, !!pathFlags.symlinkFollow, op, (t) => {
        const access = authorize(t.real, needsWrite ? 'write' : 'read', op, path);
        if (t.stat === undefined && !openFlags.create) fail('no-entry');
        if (t.stat !== undefined && openFlags.create && openFlags.exclusive) fail('exist');
        if (t.stat?.isSymbolicLink()) fail('loop');
        if (t.stat?.isDirectory()) {
          if (flags.write || openFlags.truncate) fail('is-directory');
          const anchor = sys(() => openAnchor(at(t.parent, t.name)));
          try {
            if (anchor.dev !== t.stat.dev || anchor.ino !== t.stat.ino)
              refuse(op, 'swapped', t.real, path, 'not-permitted');
            authorize(anchor.real, 'read', op, path);
          } catch (error) {
            closeAnchor(anchor);
            throw error;
          }
          return new Descriptor(token, { kind: 'dir', anchor, access, flags: { ...flags }, shared: false });
        }
        if (openFlags.directory) fail(t.stat === undefined ? 'no-entry' : 'not-directory');
        if (t.trailingSlash) fail('not-directory');
        return this.#openFile(t, path, access, openFlags, flags);
      });
    }

    #openFile(
      t: Target,
      path: string,
      access: FsAccess,
      openFlags: OpenFlags,
      flags: DescriptorFlags,
    ): Descriptor {
      const op = 'open-at';
      // Create and truncate happen here, through the checked directory fd and with O_NOFOLLOW,
      // so they cannot land anywhere else. O_NONBLOCK: opening a FIFO must not hang.
      const mutate = openFlags.create || openFlags.truncate;
      const probeFlags = mutate
        ? constants.O_NOFOLLOW |
          constants.O_NONBLOCK |
          (openFlags.create ? constants.O_CREAT : 0) |
          (openFlags.exclusive ? constants.O_EXCL : 0) |
          (openFlags.truncate ? constants.O_TRUNC | constants.O_WRONLY : constants.O_RDONLY)
        : constants.O_NOFOLLOW | (procfs ? O_PATH : constants.O_RDONLY | constants.O_NONBLOCK);
      const fd = sys(() => openSync(at(t.parent, t.name), probeFlags, 0o666));
      try {
        const st = fstatSync(fd, { bigint: true });
        const real = procfs ? readlinkSync(`/proc/self/fd/${fd}`) : t.real;
        if (real !== t.real || (t.stat !== undefined && (st.dev !== t.stat.dev || st.ino !== t.stat.ino))) {
          refuse(op, 'swapped', real, path, 'not-permitted');
        }
        // preview2-shim's io worker would block on a FIFO and opens devices for real.
        if (!st.isFile()) fail('unsupported');
        const root = rootOf(real);
        if (root === undefined) return refuse(op, 'outside-grants', real, path, 'not-permitted');
        // The shim opens the file again, by path, in its io worker; it refuses anything that
        // leaves the root, and its fd must be the inode we checked, else something was swapped.
        const rel = posix.relative(root.anchor.real, real);
        let file: ShimDescriptor;
        try {
          file = root.shim.openAt(
            { symlinkFollow: false },
            rel,
            {},
            { read: !!flags.read, write: !!flags.write },
          );
        } catch (error) {
          // The shim's own fence: a symlink out of the root appeared on its walk, after ours.
          if (error === 'not-permitted') refuse(op, 'swapped', real, path, 'not-permitted');
          throw error;
        }
        let same = false;
        try {
          // One round trip to the io worker (an fstat there): the shim keeps its fd to itself.
          same = file.metadataHash().lower === st.ino;
        } finally {
          if (!same) file[Symbol.dispose]();
        }
        if (!same) refuse(op, 'swapped', real, path, 'not-permitted');
        return new Descriptor(token, {
          kind: 'file',
          file,
          access,
          flags: { read: !!flags.read, write: !!flags.write },
          real,
          dev: st.dev,
          ino: st.ino,
        });
      } finally {
        closeSync(fd);
      }
    }

    readlinkAt(path: string): string {
      return withTarget(this.#dir().anchor, path, false, 'readlink-at', (t) => {
        authorize(t.real, 'read', 'readlink-at', path);
        return sys(() => readlinkSync(at(t.parent, t.name)));
      });
    }
    removeDirectoryAt(path: string): void {
      const op = 'remove-directory-at';
      withTarget(this.#dir().anchor, path, false, op, (t) => {
        authorize(t.real, 'write', op, path);
        sys(() => rmdirSync(at(t.parent, t.name)));
      });
    }
    renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      const op = 'rename-at';
      const to = newDescriptor.#dir().anchor;
      withTarget(this.#dir().anchor, oldPath, false, op, (from) => {
        authorize(from.real, 'write', op, oldPath);
        // Rules are paths: renaming `a` in `write:/d` with `deny read:/d/a/keys` would move the
        // keys out from under the rule. Like a mount point, such a directory cannot be moved.
        const carried = policy.ruleWithin(from.real);
        if (carried !== undefined) refuse(op, 'grant-boundary', carried, oldPath, 'busy');
        withTarget(to, newPath, false, op, (t) => {
          authorize(t.real, 'write', op, newPath);
          const replaced = policy.ruleWithin(t.real);
          if (replaced !== undefined) refuse(op, 'grant-boundary', replaced, newPath, 'busy');
          sys(() => renameSync(at(from.parent, from.name), at(t.parent, t.name)));
        });
      });
    }
    symlinkAt(oldPath: string, newPath: string): void {
      const op = 'symlink-at';
      withTarget(this.#dir().anchor, newPath, false, op, (t) => {
        authorize(t.real, 'write', op, newPath);
        // Lookups never follow a link out of the grants, but host programs might: refuse to
        // plant one that points outside them.
        if (oldPath.startsWith('/')) refuse(op, 'absolute-path', oldPath, newPath, 'not-permitted');
        const lands = posix.join(dirname(t.real), oldPath);
        const access = policy.accessOf(lands);
        if (access === 'outside' || access === 'denied')
          refuse(op, 'outside-grants', lands, newPath, 'not-permitted');
        sys(() => symlinkSync(oldPath, at(t.parent, t.name)));
      });
    }
    unlinkFileAt(path: string): void {
      const op = 'unlink-file-at';
      withTarget(this.#dir().anchor, path, false, op, (t) => {
        authorize(t.real, 'write', op, path);
        sys(() => unlinkSync(at(t.parent, t.name) + (t.trailingSlash ? '/' : '')));
      });
    }
    isSameObject(other: Descriptor): boolean {
      const a = this.#identity();
      const b = other.#identity();
      return a.dev === b.dev && a.ino === b.ino;
    }
    #identity(): { dev: bigint; ino: bigint } {
      return this.#state.kind === 'dir' ? this.#state.anchor : this.#state;
    }
    metadataHash(): MetadataHash {
      if (this.#state.kind === 'file') return this.#file(undefined).file.metadataHash();
      const st = sys(() => fstatAnchor(this.#dir().anchor));
      return { upper: st.mtimeNs, lower: st.ino };
    }
    metadataHashAt(pathFlags: PathFlags, path: string): MetadataHash {
      return withTarget(this.#dir().anchor, path, !!pathFlags.symlinkFollow, 'metadata-hash-at', (t) => {
        authorize(t.real, 'read', 'metadata-hash-at', path);
        if (t.stat === undefined) fail('no-entry');
        return { upper: t.stat.mtimeNs, lower: t.stat.ino };
      });
    }
    [Symbol.dispose](): void {
      if (this.#closed) return;
      this.#closed = true;
      const s = this.#state;
      if (s.kind === 'file') s.file[Symbol.dispose]();
      else if (!s.shared) {
        anchors.unregister(this);
        closeAnchor(s.anchor);
      }
    }
  }

  /** `wasi:filesystem/types.directory-entry-stream`: the entries the plugin may see, no others. */
  class DirectoryEntryStream {
    #dir: Dir | undefined;
    readonly #real: string;

    constructor(key: symbol, dir: Dir, real: string) {
      if (key !== token) throw new TypeError('directory streams are created by the filesystem sandbox only');
      this.#dir = dir;
      this.#real = real;
    }

    readDirectoryEntry(): { type: DescriptorType; name: string } | undefined {
      if (this.#dir === undefined) fail('bad-descriptor');
      for (;;) {
        const entry = sys(() => this.#dir!.readSync());
        if (entry === null) return undefined;
        // Denied entries, and the other entries of a file grant's directory, do not exist for the plugin.
        const access = policy.accessOf(posix.join(this.#real, entry.name));
        if (access === 'denied' || access === 'outside') continue;
        const type: DescriptorType = entry.isFile()
          ? 'regular-file'
          : entry.isDirectory()
            ? 'directory'
            : entry.isSymbolicLink()
              ? 'symbolic-link'
              : entry.isFIFO()
                ? 'fifo'
                : entry.isSocket()
                  ? 'socket'
                  : entry.isCharacterDevice()
                    ? 'character-device'
                    : entry.isBlockDevice()
                      ? 'block-device'
                      : 'unknown';
        return { type, name: entry.name };
      }
    }

    [Symbol.dispose](): void {
      this.#dir?.closeSync();
      this.#dir = undefined;
    }
  }

  const preopenList: Array<[Anchor, string, FsAccess]> = [];
  for (const g of policy.grants) {
    if (!g.exists) continue;
    const dir = g.isFile ? dirname(g.real) : g.real;
    const root = roots.get(dir);
    // The guest sees the grant where the manifest put it (a file grant: the file's directory).
    const guestPath = g.isFile ? dirname(g.path) : g.path;
    if (root === undefined || preopenList.some(([, p]) => p === guestPath)) continue;
    preopenList.push([root.anchor, guestPath, policy.accessOf(dir)]);
  }
  // Fresh descriptors on every call: each is an `own` handle the guest may drop (the preview1
  // adapter does), and dropping one must not close the preopen for the others.
  const getDirectories = (): Array<[Descriptor, string]> =>
    preopenList.map(([anchor, guestPath, access]) => [
      new Descriptor(token, {
        kind: 'dir',
        anchor,
        access,
        flags: { read: true, mutateDirectory: access === 'write' },
        shared: true,
      }),
      guestPath,
    ]);

  const types = {
    Descriptor,
    DirectoryEntryStream,
    // Stream errors come from preview2-shim's streams (file I/O); it knows their payloads.
    filesystemErrorCode(error: unknown): WasiErrorCode | undefined {
      try {
        return (shimTypes.filesystemErrorCode as (e: unknown) => WasiErrorCode | undefined)(error);
      } catch {
        // Not a filesystem error (the shim rethrows what it cannot map): WASI's `none`.
        return undefined;
      }
    },
  };
  const preopens = { getDirectories };
  let disposed = false;
  return {
    types,
    preopens,
    importObject: (opts) => {
      const v = opts?.asVersion ? `@${opts.asVersion}` : '';
      return { [`wasi:filesystem/types${v}`]: types, [`wasi:filesystem/preopens${v}`]: preopens };
    },
    unavailable,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const { anchor } of roots.values()) closeAnchor(anchor);
    },
  };
}

/** The current real path of an open directory (it may have been moved since it was opened). */
function fstatReal(anchor: Anchor): string {
  return anchor.fd === undefined ? anchor.real : readlinkSync(`/proc/self/fd/${anchor.fd}`);
}
