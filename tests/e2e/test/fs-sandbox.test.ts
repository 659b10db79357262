// The filesystem sandbox around a real Rust component (tests/e2e/fixtures/fs-probe): std::fs
// through wasi-libc and the preview1 reactor adapter, down to our `wasi:filesystem` imports, as a
// Rust plugin would do it. Each attack of docs/security.md that a guest can make is made here.
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { buildRustPlugin } from '@witkit/build';
import { PluginHost } from '@witkit/host';
import {
  createFilesystemSandbox,
  type FilesystemSandbox,
  type FsViolation,
  parseManifest,
} from '@witkit/security';
import { captureLogger, tempDir } from '@witkit-internal/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const fixture = new URL('../fixtures/fs-probe', import.meta.url).pathname;
// Shared with rust-build.test.ts: one cargo target folder for every temp crate.
const targetDir = new URL('../target', import.meta.url).pathname;

type Result = { tag: 'ok'; val: string } | { tag: 'err'; val: string };
interface Probe {
  run(op: string, path: string, data: string): string;
}
type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: object) => Probe;

const work = tempDir('witkit-fs-sandbox-e2e-');
let instantiate: Instantiate;
let componentPath: string;
let glueDir: string;

beforeAll(async () => {
  // Build the fixture crate with our Rust pipeline, from a copy (the build writes `dist/`).
  const crate = join(work.dir, 'crate');
  for (const part of ['Cargo.toml', 'src', 'wit'])
    cpSync(join(fixture, part), join(crate, part), { recursive: true });
  const built = await buildRustPlugin(crate, { targetDir });
  componentPath = built.componentPath;
  const { files } = await transpileBytes(readFileSync(built.componentPath), {
    name: 'fs-probe',
    instantiation: 'sync',
  });
  glueDir = join(work.dir, 'glue');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(glueDir, name)), { recursive: true });
    writeFileSync(join(glueDir, name), content);
  }
  ({ instantiate } = (await import(pathToFileURL(join(glueDir, 'fs-probe.js')).href)) as {
    instantiate: Instantiate;
  });
});
afterAll(() => work.cleanup());

let root: string;
let violations: FsViolation[];
let sandbox: FilesystemSandbox;
let probe: (op: string, path: string, data?: string) => Result;

beforeEach(() => {
  // Real path: the sandbox reports real paths, and tmpdir() may go through a symlink.
  root = join(realpathSync(work.dir), `case-${Math.random().toString(36).slice(2)}`);
  for (const d of ['ro/sub', 'rw/secret', 'outside']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'ro/hello.txt'), 'hello from the host');
  writeFileSync(join(root, 'rw/notes.txt'), 'notes');
  writeFileSync(join(root, 'rw/secret/key.txt'), 'key');
  writeFileSync(join(root, 'outside/passwd.txt'), 'top secret');
  violations = [];
  sandbox = createFilesystemSandbox({
    plugin: 'fs-probe',
    grants: [
      { access: 'read', path: join(root, 'ro') },
      { access: 'write', path: join(root, 'rw') },
    ],
    deny: [{ access: 'read', path: join(root, 'rw/secret') }],
    onViolation: (v) => violations.push(v),
  });
  // Everything else of WASI as the host gives it (no preopens, no network); the filesystem is ours.
  const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: ['fs-probe'], enableNetwork: false } });
  const instance = instantiate((name) => new WebAssembly.Module(readFileSync(join(glueDir, name))), {
    ...wasi.getImportObject(),
    ...sandbox.importObject(),
  });
  probe = (op, path, data = '') => {
    try {
      return { tag: 'ok', val: instance.run(op, path, data) };
    } catch (error) {
      // jco throws the `err` case of a `result` return: here the probe's string.
      if (typeof error !== 'string') throw error;
      return { tag: 'err', val: error };
    }
  };
});

const ok = (val: string) => ({ tag: 'ok', val });
// WASI errnos (wasi_snapshot_preview1) that the adapter derives from our error codes.
const errno = (n: number) => ({ tag: 'err', val: expect.stringMatching(new RegExp(`^errno ${n}:`)) });
const EPERM = 63; // not-permitted
const EROFS = 69; // read-only
const ENOENT = 44; // no-entry

describe('a Rust component using std::fs in the sandbox', () => {
  it('reads and lists under a read grant, at the same absolute paths as on the host', () => {
    expect(probe('read', `${root}/ro/hello.txt`)).toEqual(ok('hello from the host'));
    expect(probe('list', `${root}/ro`)).toEqual(ok('hello.txt\nsub'));
    expect(probe('stat', `${root}/ro/hello.txt`)).toEqual(ok('19'));
    expect(violations).toEqual([]);
  });

  it('gets EROFS for every write under a read grant, and the files stay as they were', () => {
    const ro = `${root}/ro`;
    for (const [op, path, data] of [
      ['write', `${ro}/hello.txt`, 'pwned'],
      ['write', `${ro}/new.txt`, 'pwned'],
      ['append', `${ro}/hello.txt`, 'pwned'],
      ['create-new', `${ro}/new.txt`, ''],
      ['read-write', `${ro}/hello.txt`, ''],
      ['set-len', `${ro}/hello.txt`, ''],
      ['mkdir', `${ro}/dir`, ''],
      ['rmdir', `${ro}/sub`, ''],
      ['unlink', `${ro}/hello.txt`, ''],
      ['rename', `${ro}/hello.txt`, `${ro}/moved.txt`],
      ['rename', `${ro}/hello.txt`, `${root}/rw/stolen.txt`],
      ['link', `${ro}/hello.txt`, `${root}/rw/hard.txt`],
    ] as const) {
      expect(probe(op, path, data), `${op} ${path}`).toEqual(errno(EROFS));
    }
    expect(readFileSync(`${ro}/hello.txt`, 'utf8')).toBe('hello from the host');
    expect(readdirSync(ro).sort()).toEqual(['hello.txt', 'sub']);
    expect(readdirSync(`${root}/rw`).sort()).toEqual(['notes.txt', 'secret']);
    expect(violations.length).toBe(12);
    expect(violations.every((v) => v.plugin === 'fs-probe' && v.reason === 'read-only')).toBe(true);
  });

  it('creates, writes, appends, renames and removes under a write grant', () => {
    const rw = `${root}/rw`;
    expect(probe('write', `${rw}/out.txt`, 'one')).toEqual(ok(''));
    expect(probe('append', `${rw}/out.txt`, ' two')).toEqual(ok(''));
    expect(probe('read', `${rw}/out.txt`)).toEqual(ok('one two'));
    expect(probe('mkdir', `${rw}/dir`)).toEqual(ok(''));
    expect(probe('rename', `${rw}/out.txt`, `${rw}/dir/moved.txt`)).toEqual(ok(''));
    expect(readFileSync(`${rw}/dir/moved.txt`, 'utf8')).toBe('one two');
    expect(probe('link', `${rw}/dir/moved.txt`, `${rw}/hard.txt`)).toEqual(ok(''));
    expect(probe('unlink', `${rw}/hard.txt`)).toEqual(ok(''));
    expect(probe('unlink', `${rw}/dir/moved.txt`)).toEqual(ok(''));
    expect(probe('rmdir', `${rw}/dir`)).toEqual(ok(''));
    expect(probe('create-new', `${rw}/notes.txt`)).toEqual(errno(20)); // EEXIST
    expect(readdirSync(rw).sort()).toEqual(['notes.txt', 'secret']);
    expect(violations).toEqual([]);
  });

  it('cannot see a denied subtree inside its write grant', () => {
    expect(probe('list', `${root}/rw`)).toEqual(ok('notes.txt'));
    expect(probe('read', `${root}/rw/secret/key.txt`)).toEqual(errno(ENOENT));
    expect(probe('write', `${root}/rw/secret/planted.txt`, 'x')).toEqual(errno(ENOENT));
    expect(probe('rename', `${root}/rw/notes.txt`, `${root}/rw/secret/notes.txt`)).toEqual(errno(ENOENT));
    expect(probe('list', `${root}/rw/secret`)).toEqual(errno(ENOENT));
    expect(readdirSync(`${root}/rw/secret`)).toEqual(['key.txt']);
    expect(violations.map((v) => [v.reason, v.resource])).toEqual(
      Array(4).fill(['denied', `${root}/rw/secret`]),
    );
  });

  it('is refused `..` escapes, which wasi-libc hands to the host unresolved', () => {
    expect(probe('read', `${root}/ro/../outside/passwd.txt`)).toEqual(errno(EPERM));
    expect(probe('read', `${root}/ro/sub/../../outside/passwd.txt`)).toEqual(errno(EPERM));
    expect(probe('write', `${root}/rw/../outside/passwd.txt`, 'pwned')).toEqual(errno(EPERM));
    expect(readFileSync(`${root}/outside/passwd.txt`, 'utf8')).toBe('top secret');
    expect(violations.map((v) => [v.op, v.reason, v.resource])).toEqual(
      Array(3).fill(['open-at', 'outside-grants', root]),
    );
  });

  it('never reaches the host for absolute paths outside every preopen: Rust std refuses them', () => {
    const noPreopen = {
      tag: 'err',
      val: expect.stringContaining('failed to find a pre-opened file descriptor'),
    };
    expect(probe('read', '/etc/passwd')).toEqual(noPreopen);
    expect(probe('read', `${root}/outside/passwd.txt`)).toEqual(noPreopen);
    expect(violations).toEqual([]);
  });

  it('normalises `.` and repeated slashes', () => {
    expect(probe('read', `${root}/ro//./sub/..//hello.txt`)).toEqual(ok('hello from the host'));
  });

  it('is refused symlinks that lead outside the grants or into a denied path', () => {
    symlinkSync('/etc', `${root}/rw/etc`);
    symlinkSync('../outside/passwd.txt', `${root}/rw/passwd`);
    symlinkSync(`${root}/rw/secret/key.txt`, `${root}/rw/peek`);
    symlinkSync('passwd', `${root}/rw/chain`);
    expect(probe('read', `${root}/rw/etc/passwd`)).toEqual(errno(EPERM));
    expect(probe('read', `${root}/rw/passwd`)).toEqual(errno(EPERM));
    expect(probe('read', `${root}/rw/chain`)).toEqual(errno(EPERM));
    expect(probe('write', `${root}/rw/chain`, 'pwned')).toEqual(errno(EPERM));
    expect(probe('read', `${root}/rw/peek`)).toEqual(errno(ENOENT));
    expect(readFileSync(`${root}/outside/passwd.txt`, 'utf8')).toBe('top secret');
    expect(violations.map((v) => [v.reason, v.resource])).toEqual([
      ['outside-grants', '/etc'],
      ['outside-grants', root],
      ['outside-grants', root],
      ['outside-grants', root],
      ['denied', `${root}/rw/secret`],
    ]);
  });

  it('never reaches a file outside through a symlink another thread swaps in between check and use', async () => {
    mkdirSync(`${root}/rw/d`);
    writeFileSync(`${root}/rw/d/file.txt`, 'inside');
    writeFileSync(`${root}/outside/file.txt`, 'OUTSIDE');
    writeFileSync(`${root}/outside/victim.txt`, 'intact');
    // A second instance of a hostile plugin, or anyone else who can write to the grant, in a loop.
    const swapper = new Worker(
      `const fs = require('node:fs');
       const { d, real, outside } = require('node:worker_threads').workerData;
       for (;;) {
         try { fs.renameSync(d, real); fs.symlinkSync(outside, d); fs.unlinkSync(d); fs.renameSync(real, d); } catch {}
       }`,
      {
        eval: true,
        workerData: { d: `${root}/rw/d`, real: `${root}/rw/d-real`, outside: `${root}/outside` },
      },
    );
    const outcomes = new Set<string>();
    try {
      await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 1500; i++) {
        const read = probe('read', `${root}/rw/d/file.txt`);
        outcomes.add(read.tag === 'ok' ? read.val : read.val.replace(/:.*/, ''));
        probe('write', `${root}/rw/d/victim.txt`, 'pwned');
      }
    } finally {
      await swapper.terminate();
    }
    expect(outcomes.has('OUTSIDE')).toBe(false);
    expect(readFileSync(`${root}/outside/victim.txt`, 'utf8')).toBe('intact');
    expect(readdirSync(`${root}/outside`).sort()).toEqual(['file.txt', 'passwd.txt', 'victim.txt']);
    // Refusals are reported: the race was run, and lost by the attacker.
    expect(outcomes.has(`errno ${EPERM}`)).toBe(true);
    expect(violations.length).toBeGreaterThan(0);
  });
});

describe('the sandbox through PluginHost, from plugin.toml', () => {
  it.each(['in-thread', 'worker'] as const)(
    "grants exactly the manifest's paths to a plugin %s",
    async (isolation) => {
      const data = join(work.dir, `host-${isolation}`);
      mkdirSync(join(data, 'in'), { recursive: true });
      mkdirSync(join(data, 'out'), { recursive: true });
      writeFileSync(join(data, 'in', 'a.txt'), 'hello');
      const { logger, lines } = captureLogger();
      const host = new PluginHost({
        logger,
        dataDir: join(data, 'state'),
        cacheDir: join(work.dir, 'host-cache'),
      });
      try {
        await host.load({
          path: componentPath,
          manifest: parseManifest(
            `[plugin]\nname = "fs-probe"\nversion = "1.0.0"\n[permissions]\nfs = ["read:${data}/in", "write:${data}/out"]\nisolation = "${isolation}"\n`,
          ),
        });
        const probe = host.get('fs-probe');
        expect(probe.isolation).toBe(isolation);
        const run = (op: string, path: string, payload = '') => probe.call('', 'run', [op, path, payload]);
        expect(await run('read', `${data}/in/a.txt`)).toBe('hello');
        expect(await run('write', `${data}/out/b.txt`, 'written')).toBe('');
        expect(readFileSync(join(data, 'out', 'b.txt'), 'utf8')).toBe('written');
        await expect(run('write', `${data}/in/c.txt`, 'x')).rejects.toMatchObject({
          code: 'WITKIT_PLUGIN_ERROR',
        });
        expect(readdirSync(join(data, 'in'))).toEqual(['a.txt']);
        // `..` leaves the `in` grant for a folder no grant covers, even on the way to `out`.
        await expect(run('read', `${data}/in/../out/b.txt`)).rejects.toMatchObject({
          code: 'WITKIT_PLUGIN_ERROR',
        });
        await expect(run('read', '/etc/passwd')).rejects.toMatchObject({ code: 'WITKIT_PLUGIN_ERROR' });
        expect(lines).toContainEqual(
          expect.objectContaining({
            level: 40,
            msg: 'security violation',
            plugin: 'fs-probe',
            type: 'fs-access-denied',
          }),
        );
        // Every refusal is in the host's audit log, with the operation and the reason.
        expect(host.audit.query({ plugin: 'fs-probe', type: 'fs-access-denied' })).toContainEqual(
          expect.objectContaining({
            action: 'denied',
            detail: expect.objectContaining({ reason: 'read-only' }),
          }),
        );
      } finally {
        await host.shutdown();
      }
    },
  );
});
