import { randomUUID } from 'node:crypto';
import { link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of the temp files writes go through; stores skip such names and `verify` removes them. */
const tempPrefix = '.tmp-';

/** Whether a folder entry is an unfinished write. */
export function isTempName(name: string): boolean {
  return name.startsWith(tempPrefix);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeTemp(path: string, data: Uint8Array | string): Promise<string> {
  const temp = join(dirname(path), `${tempPrefix}${basename(path)}-${randomUUID()}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Writes `path` so that it holds either its old content or all of `data`, even across a crash:
 * a temp file in the same folder, fsynced, renamed over `path`, then the folder fsynced so the
 * rename itself survives a power cut.
 */
export async function replaceFileDurably(path: string, data: Uint8Array | string): Promise<void> {
  const temp = await writeTemp(path, data);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dirname(path));
}

/**
 * Creates `path` with all of `data`, or does nothing and returns `false` when `path` already
 * exists: a hard link of the finished temp file, which the kernel refuses over an existing name,
 * so two writers racing for one name cannot replace each other's file.
 */
export async function createFileDurably(path: string, data: Uint8Array | string): Promise<boolean> {
  const temp = await writeTemp(path, data);
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDir(dirname(path));
  return true;
}
