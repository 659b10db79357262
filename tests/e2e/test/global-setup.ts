// Builds the fixture plugins once per test run, with our own pipeline, and the hand-written
// WAT components with wasm-tools' text parser.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { buildJsPlugin } from '@witkit/build';

async function buildWatFixtures(): Promise<void> {
  const dir = fileURLToPath(new URL('../fixtures/wat/', import.meta.url));
  mkdirSync(`${dir}dist`, { recursive: true });
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.wat'))) {
    writeFileSync(
      `${dir}dist/${file.replace(/\.wat$/, '.wasm')}`,
      await parse(readFileSync(dir + file, 'utf8')),
    );
  }
}

export default async function setup(): Promise<void> {
  await buildWatFixtures();
  for (const fixture of ['host-probe', 'echo-service', 'hostile-js']) {
    await buildJsPlugin(fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url)));
  }
}
