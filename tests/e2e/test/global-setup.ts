// Builds the fixture plugins once per test run, with our own pipeline.
import { fileURLToPath } from 'node:url';
import { buildJsPlugin } from '@witkit/build';

export default async function setup(): Promise<void> {
  for (const fixture of ['host-probe', 'echo-service', 'hostile-js']) {
    await buildJsPlugin(fileURLToPath(new URL(`../fixtures/${fixture}`, import.meta.url)));
  }
}
