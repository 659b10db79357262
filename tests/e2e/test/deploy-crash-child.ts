// Child process of deploy-crash.test.ts: publishes release after release of word-stats into a
// local store and deploys each into a real host, switching and canarying, until it is killed.
// Each release differs by a custom section, so every publish writes a new blob.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRelease, Deployer, LocalStore, VersionManager } from '@witkit/deploy';
import { PluginHost } from '@witkit/host';
import { pino } from 'pino';

const [root, componentFile, manifestFile] = process.argv.slice(2) as [string, string, string];
const component = readFileSync(componentFile);
const manifest = readFileSync(manifestFile, 'utf8');

/** `bytes` with a custom section appended (valid anywhere in a component). */
function withCustomSection(bytes: Uint8Array, payload: string): Uint8Array {
  const name = new TextEncoder().encode('witkit-crash-test');
  const data = new TextEncoder().encode(payload);
  const body = [name.length, ...name, ...data];
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  return new Uint8Array([...bytes, 0, ...leb(body.length), ...body]);
}

const store = new LocalStore(join(root, 'store'));
const host = new PluginHost({
  dataDir: join(root, 'data'),
  cacheDir: join(root, 'cache'),
  logger: pino({ level: 'silent' }),
});
const versions = new VersionManager({ store });
const deployer = new Deployer({
  host,
  versions,
  stateDir: join(root, 'deploy'),
  tickMs: 60_000,
  drainMs: 500,
});
await deployer.start();
const existing = await store.versions('word-stats');
for (let n = existing.length; ; n++) {
  const version = `1.0.${n}`;
  const bundle = await createRelease({
    component: withCustomSection(component, `${version} ${'x'.repeat(1 + (n % 7) * 50_000)}`),
    manifest,
    version,
  });
  process.stdout.write(`publish ${version}\n`);
  await versions.publish(bundle);
  process.stdout.write(`deploy ${version}\n`);
  await deployer.deploy('word-stats', version, n % 3 === 2 ? { canary: 50 } : {});
}
