// The Quick start demo: a host application that finds every plugin our pipelines built,
// stages them in a plugin directory with their manifests, starts a PluginHost, calls each
// plugin on sample inputs, routes events between host and plugins, and prints the metrics.
// It grows with the SDK (Rust plugins, hot reload, canary).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPluginError, PluginHost } from '@witkit/host';
import { findWorld } from '@witkit/wit-types';
import { pino } from 'pino';
import pretty from 'pino-pretty';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const pluginRoots = [join(repo, 'plugins-js'), join(repo, 'plugins-rust')];
const work = join(repo, '.witkit', 'demo');

interface BuildInfo {
  name: string;
  version: string;
  world: string;
  engine?: string;
  size: number;
}

/** Every built component under the roots, with the build info written beside it. */
function discoverBuilt(): { path: string; info: BuildInfo }[] {
  const found: { path: string; info: BuildInfo }[] = [];
  for (const root of pluginRoots.filter((r) => existsSync(r))) {
    for (const plugin of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const dist = join(root, plugin.name, 'dist');
      if (!existsSync(dist)) continue;
      for (const file of readdirSync(dist).filter((f) => f.endsWith('.build.json'))) {
        const info = JSON.parse(readFileSync(join(dist, file), 'utf8')) as BuildInfo;
        // Benchmark kernels and other fixtures target worlds outside the plugin contracts.
        if (!findWorld(info.world)) continue;
        found.push({ path: join(dist, `${info.name}.wasm`), info });
      }
    }
  }
  return found.sort((a, b) => a.info.name.localeCompare(b.info.name));
}

/** Per-plugin manifest extras for the demo: config and permissions. */
const manifestExtras: Record<string, string> = {
  'text-transformer': '[config]\ndefault-mode = "title"\n',
  'event-logger': '[config]\nevents = "user.created, order.placed"\n',
};

const say = (line = '') => process.stdout.write(`${line}\n`);
const enc = new TextEncoder();
const dec = new TextDecoder();

async function main(): Promise<void> {
  const built = discoverBuilt();
  if (built.length === 0) {
    say('no built plugins found; run `pnpm build` first');
    process.exitCode = 1;
    return;
  }
  // Stage a plugin directory the way a deployment would lay it out: one folder per plugin.
  const pluginDir = join(work, 'plugins');
  rmSync(pluginDir, { recursive: true, force: true });
  for (const { path, info } of built) {
    const dir = join(pluginDir, info.name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(path, join(dir, `${info.name}.wasm`));
    writeFileSync(
      join(dir, 'plugin.toml'),
      `[plugin]\nname = "${info.name}"\nversion = "${info.version}"\nentrypoint = "${info.name}.wasm"\n${manifestExtras[info.name] ?? ''}`,
    );
  }

  const logger = pino(
    { level: 'info' },
    pretty({
      sync: true,
      ignore: 'pid,hostname,plugin,version,world,sha256',
      messageFormat: '{plugin} | {msg}',
      translateTime: 'HH:MM:ss.l',
    }),
  );
  const host = new PluginHost({ pluginDir, dataDir: join(work, 'data'), logger });
  const started = performance.now();
  const { loaded, failed } = await host.start();
  say(
    `\nwitkit demo: ${loaded.length} plugins loaded in ${(performance.now() - started).toFixed(0)} ms, ${failed.length} failed`,
  );
  for (const p of host.list()) {
    const info = built.find((b) => b.info.name === p.name)?.info;
    say(
      `  ${p.name}@${p.version}  ${p.world}  ${info?.engine ?? 'rust'}  ${((info?.size ?? 0) / 1024).toFixed(0)} KiB  ${p.status}`,
    );
  }

  for (const p of host.list().filter((p) => p.world.endsWith('/processor-plugin@0.1.0'))) {
    say(`\n== ${p.name}`);
    const plugin = host.get(p.name, { world: 'processor-plugin' });
    const text = 'Hello, Component Model!\nplugins are sandboxed';
    for (const mode of ['upper', 'reverse', 'snake', 'title']) {
      try {
        const res = await plugin.exports.dataProcessor.process({
          input: enc.encode(text),
          contentType: 'text/plain',
          options: [['mode', mode]],
        });
        say(
          `  process(mode=${mode}) -> ${JSON.stringify(dec.decode(res.output))} (${res.itemsProcessed} lines)`,
        );
      } catch (error) {
        if (!isPluginError(error)) throw error;
        say(`  process(mode=${mode}) -> ${error.code}: ${String(error.payload ?? error.message)}`);
      }
    }
    say(
      `  validate(<bad utf-8>) -> ${await plugin.exports.dataProcessor.validate(new Uint8Array([0xc3, 0x28]))}`,
    );
  }

  say('\n== events: the host publishes, event-handler plugins that subscribed receive');
  host.events.subscribe('*', (e) => {
    say(`  host saw ${e.type} from ${e.source}`);
  });
  host.publish('user.created', '{"id":42,"name":"Ada"}');
  host.publish('order.placed', '{"order":"A-17","total":99.5}');
  host.publish('user.deleted', '{"id":7}');
  await host.events.idle();

  say('\n== batch: 12 calls, at most 4 at a time, results in order');
  const results = await host.batch(
    Array.from({ length: 12 }, (_, i) => ({
      plugin: 'text-transformer',
      iface: 'dataProcessor',
      fn: 'process',
      args: [
        {
          input: enc.encode(`item ${i}`),
          contentType: 'text/plain',
          options: [['mode', i === 5 ? 'bogus' : 'kebab']],
        },
      ],
    })),
    { concurrency: 4 },
  );
  say(
    `  ${results.map((r) => (r.ok ? dec.decode((r.value as { output: Uint8Array }).output) : 'error')).join(', ')}`,
  );

  say('\n== metrics');
  for (const m of host.metrics()) {
    say(
      `  ${m.plugin}@${m.version}: ${m.calls} calls, ${m.errors} errors, p50 ${(m.latencyMs.p50 * 1000).toFixed(0)} us, ` +
        `p99 ${(m.latencyMs.p99 * 1000).toFixed(0)} us, instances ${m.instances.idle} idle / ${m.instances.created} created`,
    );
  }
  await host.shutdown();
}

await main();
