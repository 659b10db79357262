import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BuildError } from './errors.js';
import type { JsPluginManifest } from './manifest.js';

/** Where the QuickJS globals live next to this module once built. */
const quickjsGlobals = fileURLToPath(new URL('./quickjs-globals.js', import.meta.url));
const quickjsConsole = fileURLToPath(new URL('./quickjs-console.js', import.meta.url));

/** A plugin bundled into one module. */
export interface BundledPlugin {
  /** The module's source. */
  readonly source: string;
  /** Names the module exports. */
  readonly exports: readonly string[];
}

/**
 * Bundles a plugin's entry and everything it imports into one ES module, keeping the
 * WIT imports (`witkit:…`, `wasi:…`, and the interfaces a plugin's own world imports, versioned
 * or not, e.g. `acme:notes/host-store@0.1.0`) external for the componentizer to bind.
 *
 * @throws {BuildError} `WITKIT_BUILD_BUNDLE` with esbuild's located messages
 */
export async function bundlePlugin(manifest: JsPluginManifest): Promise<BundledPlugin> {
  try {
    const result = await build({
      entryPoints: [manifest.entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      external: [
        'witkit:*',
        'wasi:*',
        ...manifest.world.imports.flatMap((id) => [id, id.replace(/@.*$/, '')]),
      ],
      inject: manifest.engine === 'quickjs' ? [quickjsGlobals, quickjsConsole] : [],
      logLevel: 'silent',
      legalComments: 'none',
      absWorkingDir: manifest.dir,
      metafile: true,
    });
    const output = Object.values(result.metafile.outputs)[0];
    return { source: result.outputFiles[0]!.text, exports: output?.exports ?? [] };
  } catch (cause) {
    const errors = (
      cause as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }
    ).errors;
    const detail = errors?.length
      ? errors
          .map((e) =>
            e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
          )
          .join('; ')
      : String(cause);
    throw new BuildError(
      'WITKIT_BUILD_BUNDLE',
      manifest.name,
      `cannot bundle \`${manifest.entry}\`: ${detail}`,
      {
        cause,
      },
    );
  }
}
