// The Quick start demo: a host application that finds every plugin our pipelines built,
// loads each into its sandbox with the host services, calls it on sample inputs and prints
// what came back. It grows with the SDK (Rust plugins, hot reload, canary).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPluginError, type LoadedPlugin, loadPlugin, type PluginEvent } from '@witkit/host';
import type { WorldExports } from '@witkit/wit-types/host';
import { pino } from 'pino';
import pretty from 'pino-pretty';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const pluginRoots = [join(repo, 'plugins-js')];
const dataDir = join(repo, '.witkit', 'demo-data');

interface BuildInfo {
  name: string;
  version: string;
  world: string;
  engine: string;
  size: number;
}

/** Every built component under the roots, with the build info written beside it. */
function discover(): { path: string; info: BuildInfo }[] {
  const found: { path: string; info: BuildInfo }[] = [];
  for (const root of pluginRoots) {
    for (const plugin of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const dist = join(root, plugin.name, 'dist');
      let entries: string[];
      try {
        entries = readdirSync(dist);
      } catch {
        continue;
      }
      for (const file of entries.filter((f) => f.endsWith('.build.json'))) {
        const info = JSON.parse(readFileSync(join(dist, file), 'utf8')) as BuildInfo;
        found.push({ path: join(dist, `${info.name}.wasm`), info });
      }
    }
  }
  return found.sort((a, b) => a.info.name.localeCompare(b.info.name));
}

const logger = pino(
  { level: 'info' },
  pretty({
    sync: true,
    ignore: 'pid,hostname,plugin',
    messageFormat: '{plugin} | {msg}',
    translateTime: 'HH:MM:ss.l',
  }),
);
const events: PluginEvent[] = [];
const say = (line = '') => process.stdout.write(`${line}\n`);
const enc = new TextEncoder();
const dec = new TextDecoder();

function demoProcessor(plugin: LoadedPlugin<WorldExports['processor-plugin']>): void {
  const text = 'Hello, Component Model!\nplugins are sandboxed';
  for (const mode of ['upper', 'reverse', 'snake', 'title']) {
    const res = plugin.exports.dataProcessor.process({
      input: enc.encode(text),
      contentType: 'text/plain',
      options: [['mode', mode]],
    });
    say(`  process(mode=${mode}) -> ${JSON.stringify(dec.decode(res.output))} (${res.itemsProcessed} lines)`);
  }
  say(`  validate("ok") -> ${plugin.exports.dataProcessor.validate(enc.encode('ok'))}`);
  say(`  validate(<bad utf-8>) -> ${plugin.exports.dataProcessor.validate(new Uint8Array([0xc3, 0x28]))}`);
  try {
    plugin.exports.dataProcessor.process({ input: enc.encode('x'), contentType: 'image/png', options: [] });
  } catch (error) {
    if (!isPluginError(error)) throw error;
    say(`  process(image/png) -> ${error.code}: ${String(error.payload)}`);
  }
}

function demoEventHandler(plugin: LoadedPlugin<WorldExports['event-plugin']>): void {
  const supported = plugin.exports.eventHandler.supportedEvents();
  say(`  supported-events -> ${supported.join(', ')}`);
  for (const [type, payload] of [
    ['user.created', '{"id":42,"name":"Ada"}'],
    ['order.placed', '{"order":"A-17","total":99.5}'],
    ['user.created', '{"id":43,"name":"Grace"}'],
  ] as const) {
    plugin.exports.eventHandler.onEvent({
      eventType: type,
      payload,
      timestamp: BigInt(Date.now()),
      source: 'demo',
    });
  }
  const store = JSON.parse(readFileSync(join(dataDir, plugin.name, 'config.json'), 'utf8')) as Record<
    string,
    string
  >;
  say(`  config store of ${plugin.name} now holds ${JSON.stringify(store)}`);
}

async function main(): Promise<void> {
  const plugins = discover();
  if (plugins.length === 0) {
    say('no built plugins found; run `pnpm build` first');
    process.exitCode = 1;
    return;
  }
  say(`witkit demo: ${plugins.length} plugins found\n`);
  for (const { path, info } of plugins) {
    say(
      `== ${info.name}@${info.version} (${info.world}, ${info.engine}, ${(info.size / 1024).toFixed(0)} KiB)`,
    );
    const started = performance.now();
    const world = info.world.replace(/^.*\/|@.*$/g, '');
    const plugin = await loadPlugin(path, {
      logger,
      dataDir,
      onEvent: (e) => events.push(e),
      world: world as never,
    });
    say(
      `  loaded in ${(performance.now() - started).toFixed(0)} ms${plugin.fromCache ? ' (transpiled glue from cache)' : ''}`,
    );
    if (world === 'processor-plugin') demoProcessor(plugin as LoadedPlugin<WorldExports['processor-plugin']>);
    else if (world === 'event-plugin') demoEventHandler(plugin as LoadedPlugin<WorldExports['event-plugin']>);
    else say(`  (no sample inputs for world ${world} yet)`);
    plugin.shutdown();
    say();
  }
  say(`events emitted by plugins: ${events.length}`);
}

await main();
