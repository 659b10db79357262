// Child process that componentizes one module with StarlingMonkey (componentize-js).
//
// Why a separate process: componentize-js's splicer reads WIT through preview2-shim, whose
// WASI filesystem starts with no preopens (0.26.1), and the component caches its preopens
// on first use. Granting access in the caller would be process-global and sticky; a fresh
// child gets its own shim, sees exactly the folders it needs, and then exits. (A worker
// thread would do, but componentize-js hands process.stdout to spawn, which workers break.)
import * as shimFilesystem from '@bytecodealliance/preview2-shim/filesystem';

/** What the worker is asked to do. */
export interface StarlingMonkeyJob {
  readonly sourcePath: string;
  readonly witPath: string;
  readonly worldName: string;
  /** Folders the splicer may read: the WIT folder and the source's folder. */
  readonly readable: readonly string[];
}

// The package's `types` condition resolves to its browser typings, whose preopen helper
// takes file contents; under Node it takes host paths.
const { _setPreopens } = shimFilesystem as unknown as { _setPreopens(map: Record<string, string>): void };

const send = (msg: unknown) => new Promise<void>((done) => process.send!(msg, () => done()));
const job = await new Promise<StarlingMonkeyJob>((resolve) => process.once('message', resolve));
_setPreopens(Object.fromEntries(job.readable.map((dir) => [dir, dir])));
const { componentize } = await import('@bytecodealliance/componentize-js');
try {
  const result = await componentize({
    sourcePath: job.sourcePath,
    witPath: job.witPath,
    worldName: job.worldName,
    // Outbound HTTP goes through the host's `http-client`, where the manifest's grants apply.
    disableFeatures: ['http', 'fetch-event'],
  });
  await send({ ok: true, component: result.component });
} catch (error) {
  await send({ ok: false, message: error instanceof Error ? error.message : String(error) });
}
process.disconnect();
