// The Quick start demo: a host application that finds every plugin our pipelines built,
// stages them in a plugin directory with their manifests, starts a PluginHost, calls each
// plugin on sample inputs, routes events between host and plugins, and prints the metrics.
// Then the deployment story (deploy-story.ts): signed releases, a canary that is promoted
// and a faulty one that rolls itself back, under steady traffic.
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
import { crc32, deflateSync } from 'node:zlib';
import { isPluginError, PluginHost } from '@witkit/host';
import { findWorld } from '@witkit/wit-types';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import { runDeployStory } from './deploy-story.ts';

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
  // Trusted, so it opts into the host's thread for speed; every other plugin gets a worker.
  'text-transformer': '[config]\ndefault-mode = "title"\n[permissions]\nisolation = "in-thread"\n',
  'event-logger': '[config]\nevents = "user.created, order.placed"\n',
  // An untrusted-style plugin: its own worker thread (the default), a CPU budget per call, capped memory.
  'data-validator': '[permissions]\nisolation = "worker"\ncpu-time = "2s"\nmemory = "32MB"\n',
  'log-enricher': '[config]\nevents = "user.created, user.deleted"\n',
};

const say = (line = '') => process.stdout.write(`${line}\n`);

type Process = (
  label: string,
  input: Uint8Array,
  contentType: string,
  options: [string, string][],
) => Promise<
  { label: string; res: { output: Uint8Array; contentType: string; itemsProcessed: number } } | undefined
>;

/** A 4x3 PNG (RGB, a red-to-blue gradient), made here so the demo needs no image files. */
function samplePng(): Uint8Array {
  const width = 4;
  const height = 3;
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(255 - x * 60, 40, x * 60);
  }
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    Buffer.from(data).copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (png: Uint8Array) => {
  const view = new DataView(png.buffer, png.byteOffset);
  return `${view.getUint32(16)}x${view.getUint32(20)}`;
};

/** Sample calls per plugin; text-transformer's serve any text plugin. */
const samples: Record<string, (process: Process) => Promise<void>> = {
  'text-transformer': async (process) => {
    for (const mode of ['upper', 'reverse', 'snake', 'title']) {
      const r = await process(
        `process(mode=${mode})`,
        enc.encode('Hello, Component Model!\nplugins are sandboxed'),
        'text/plain',
        [['mode', mode]],
      );
      if (r)
        say(`  ${r.label} -> ${JSON.stringify(dec.decode(r.res.output))} (${r.res.itemsProcessed} lines)`);
    }
  },
  'image-processor': async (process) => {
    const png = samplePng();
    for (const [w, h, type] of [
      [8, 6, 'image/png'],
      [2, 2, 'image/jpeg'],
    ] as const) {
      const r = await process(`resize ${pngSize(png)} PNG to ${w}x${h} ${type}`, png, type, [
        ['width', String(w)],
        ['height', String(h)],
      ]);
      if (r)
        say(
          `  ${r.label} -> ${r.res.output.length} bytes of ${r.res.contentType}${type === 'image/png' ? `, ${pngSize(r.res.output)}` : ''}`,
        );
    }
    await process('resize to width=huge', png, 'image/png', [['width', 'huge']]);
  },
  'data-validator': async (process) => {
    const doc = enc.encode(JSON.stringify({ name: 'Ada Lovelace', age: -3 }));
    const rules: [string, string][] = [
      ['required', 'name,email'],
      ['type:age', 'number'],
      ['min:age', '0'],
    ];
    const r = await process(
      'validate {name, age: -3} against required/type/min rules',
      doc,
      'application/json',
      rules,
    );
    if (r) say(`  ${r.label} -> ${dec.decode(r.res.output)}`);
  },
};
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
      ignore: 'pid,hostname,plugin,version,world,sha256,isolation',
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
      `  ${p.name}@${p.version}  ${p.world}  ${info?.engine ?? 'rust'}  ${((info?.size ?? 0) / 1024).toFixed(0)} KiB  ${host.get(p.name).isolation}  ${p.status}`,
    );
  }

  for (const p of host.list().filter((p) => p.world.endsWith('/processor-plugin@0.1.0'))) {
    say(`\n== ${p.name}`);
    const plugin = host.get(p.name, { world: 'processor-plugin' });
    const process = async (
      label: string,
      input: Uint8Array,
      contentType: string,
      options: [string, string][],
    ) => {
      try {
        const res = await plugin.exports.dataProcessor.process({ input, contentType, options });
        return { label, res };
      } catch (error) {
        if (!isPluginError(error)) throw error;
        say(`  ${label} -> ${error.code}: ${String(error.payload ?? error.message)}`);
        return undefined;
      }
    };
    const sample = samples[p.name] ?? samples['text-transformer']!;
    await sample(process);
    say(
      `  validate(<3 bytes of garbage>) -> ${await plugin.exports.dataProcessor.validate(new Uint8Array([0xc3, 0x28, 0xff]))}`,
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

  const storyOk = await runDeployStory(
    host,
    join(work, 'deploy-story'),
    join(repo, 'apps', 'demo', 'releases'),
    say,
  );
  if (!storyOk) process.exitCode = 1;

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
