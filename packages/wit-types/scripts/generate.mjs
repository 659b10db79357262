// Regenerates everything in this package that comes from the repository's `wit/` folder:
// a copy of the .wit files (published with the types), guest and host TypeScript
// declarations per world (jco's type generators), and `generated/worlds.json`.
// Runs in the turbo `build` task; the output is never committed nor edited by hand.
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  componentWitMetadataForWorld,
  generateGuestTypes,
  generateHostTypes,
} from '@bytecodealliance/jco-transpile';
import { _clearPreopens, _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceWit = resolve(pkgDir, '../../wit');
const outWit = join(pkgDir, 'wit');
const outGenerated = join(pkgDir, 'generated');
const staging = join(pkgDir, '.generated-staging');

/** Strips WIT comments so declarations inside them are not picked up. */
const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');

/**
 * Lists the worlds of the root package. A deliberately small scan (package header and
 * top-level `world` items); jco validates the WIT itself when generating types below.
 */
async function listWorlds() {
  const files = (await readdir(sourceWit)).filter((f) => f.endsWith('.wit')).sort();
  let packageId;
  const worlds = [];
  for (const file of files) {
    const text = stripComments(await readFile(join(sourceWit, file), 'utf8'));
    const pkg = /^\s*package\s+([a-z][\w-]*:[a-z][\w-]*(?:@[\w.+-]+)?)\s*;/m.exec(text);
    if (pkg) packageId = pkg[1];
    for (const m of text.matchAll(/^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm)) worlds.push(m[1]);
  }
  if (!packageId) throw new Error(`no \`package\` declaration found in ${sourceWit}/*.wit`);
  return { packageId, worlds };
}

const interfaceId = (m) => {
  const v = m.version
    ? `@${m.version.major}.${m.version.minor}.${m.version.patch}${m.version.pre ? `-${m.version.pre}` : ''}`
    : '';
  return `${m.namespace}:${m.package}/${m.interface}${v}`;
};

const pascal = (name) => name.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

async function writeTree(dir, files) {
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
}

async function main() {
  const { packageId, worlds } = await listWorlds();
  const [ns, rest] = packageId.split(':');
  const [pkgName, version] = rest.split('@');
  // jco's generators read the WIT through the WASI filesystem shim, which starts with no
  // preopens; grant exactly the WIT folder for the duration of the run.
  _setPreopens({ [sourceWit]: sourceWit });
  await rm(staging, { recursive: true, force: true });
  try {
    const manifest = [];
    for (const world of worlds) {
      const worldId = `${ns}:${pkgName}/${world}${version ? `@${version}` : ''}`;
      const meta = await componentWitMetadataForWorld({ tag: 'path', val: sourceWit }, world);
      manifest.push({
        name: world,
        id: worldId,
        imports: meta.imports.map(interfaceId),
        exports: meta.exports.map(interfaceId),
      });

      const guest = await generateGuestTypes(sourceWit, { worldName: world, name: world });
      await writeTree(join(staging, 'guest', world), guest);
      await writeFile(
        join(staging, 'guest', world, 'index.d.ts'),
        `// Generated from ${worldId}; do not edit.\n/// <reference path="./${world}.d.ts" />\n` +
          `/** The exports a plugin targeting \`${worldId}\` must provide, by JS export name. */\n` +
          `export type Exports = typeof import('${worldId}');\n`,
      );

      const host = await generateHostTypes(sourceWit, {
        worldName: world,
        name: world,
        instantiation: { tag: 'async' },
      });
      await writeTree(join(staging, 'host', world), host);
      await writeFile(
        join(staging, 'host', world, 'index.d.ts'),
        `// Generated from ${worldId}; do not edit.\n` +
          `export type { ImportObject, ${pascal(world)} as Exports } from './${world}.js';\n`,
      );
    }
    // One map from world name to its host-side export types, for APIs generic over the world.
    await writeFile(
      join(staging, 'host', 'index.d.ts'),
      `// Generated from ${packageId}; do not edit.\n/** Host-side types of every world's exports, by world name. */\nexport interface WorldExports {\n` +
        worlds.map((w) => `  '${w}': import('./${w}/index.js').Exports;\n`).join('') +
        `}\n/** Host-side types of every world's imports, by world name. */\nexport interface WorldImports {\n` +
        worlds.map((w) => `  '${w}': import('./${w}/index.js').ImportObject;\n`).join('') +
        '}\n',
    );
    await writeFile(
      join(staging, 'worlds.json'),
      `${JSON.stringify({ package: packageId, worlds: manifest }, null, 2)}\n`,
    );
  } finally {
    _clearPreopens();
  }
  // Swap the finished tree in, so an interrupted run never leaves half a generation behind.
  await rm(outGenerated, { recursive: true, force: true });
  await rename(staging, outGenerated);
  await rm(outWit, { recursive: true, force: true });
  await cp(sourceWit, outWit, { recursive: true });
  console.log(`generated types for ${worlds.length} worlds of ${packageId}`);
}

await main();
