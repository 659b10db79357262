import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BuildError } from './errors.js';
import type { JsPluginManifest } from './manifest.js';
import type { StarlingMonkeyJob } from './starlingmonkey-child.js';

/** Runs one StarlingMonkey build in a fresh child process; see starlingmonkey-child.ts for why. */
function componentizeInChild(job: StarlingMonkeyJob): Promise<Uint8Array> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(new URL('./starlingmonkey-child.js', import.meta.url), {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    child.once('message', (msg: { ok: true; component: Uint8Array } | { ok: false; message: string }) => {
      settled = true;
      if (msg.ok) resolvePromise(msg.component);
      else reject(new Error(msg.message));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!settled) reject(new Error(`componentize process exited early (${signal ?? `code ${code}`})`));
    });
    child.send(job);
  });
}

async function componentizeQuickJs(manifest: JsPluginManifest, source: string): Promise<Uint8Array> {
  const { componentize } = await import('componentize-qjs');
  const result = await componentize({
    witPath: manifest.witPath,
    jsSource: source,
    jsPath: manifest.entry,
    world: manifest.world.name,
    // Our worlds are synchronous; the non-async runtime is smaller and avoids the async ABI.
    sync: true,
  });
  return new Uint8Array(result.component);
}

async function componentizeStarlingMonkey(manifest: JsPluginManifest, source: string): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'witkit-sm-'));
  try {
    const sourcePath = join(dir, `${manifest.name}.js`);
    await writeFile(sourcePath, source);
    return await componentizeInChild({
      sourcePath,
      witPath: manifest.witPath,
      worldName: manifest.world.name,
      // The WIT folder only (a single .wit file is read through its folder).
      readable: [
        manifest.witPath.endsWith('.wit') ? dirname(manifest.witPath) : manifest.witPath,
        dirname(sourcePath),
      ],
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Turns a bundled plugin module into a component of the plugin's world with its engine.
 *
 * @throws {BuildError} `WITKIT_BUILD_COMPONENTIZE` with the engine's message (e.g. a missing export)
 */
export async function componentizePlugin(manifest: JsPluginManifest, source: string): Promise<Uint8Array> {
  try {
    return manifest.engine === 'quickjs'
      ? await componentizeQuickJs(manifest, source)
      : await componentizeStarlingMonkey(manifest, source);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new BuildError(
      'WITKIT_BUILD_COMPONENTIZE',
      manifest.name,
      `${manifest.engine} could not build a \`${manifest.world.name}\` component: ${message.trim()}`,
      { cause },
    );
  }
}
