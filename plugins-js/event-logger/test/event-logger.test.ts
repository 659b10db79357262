import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugin, type PluginEvent } from '@witkit/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/event-logger.wasm', import.meta.url));

describe('event-logger component', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const options = (
    logger: ReturnType<typeof captureLogger>['logger'],
    onEvent?: (e: PluginEvent) => void,
    dataDir = tmp.dir,
  ) => ({
    world: 'event-plugin' as const,
    logger,
    dataDir,
    cacheDir: join(tmp.dir, 'cache'),
    config: [['events', 'user.created, order.placed']] as [string, string][],
    ...(onEvent ? { onEvent } : {}),
  });
  const event = (eventType: string, payload = '{}') => ({
    eventType,
    payload,
    timestamp: 1700000000000n,
    source: 'test',
  });

  it('handles the events named in its config, logging each and counting them in its config store', async () => {
    const { logger, lines } = captureLogger();
    const plugin = await loadPlugin(component, options(logger));
    expect(plugin.exports.eventHandler.supportedEvents()).toEqual(['user.created', 'order.placed']);

    plugin.exports.eventHandler.onEvent(event('user.created', '{"id":7}'));
    plugin.exports.eventHandler.onEvent(event('user.created', '{"id":8}'));
    plugin.exports.eventHandler.onEvent(event('order.placed'));

    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.info,
        plugin: 'event-logger',
        msg: 'user.created from test at 1700000000000: {"id":7}',
      }),
    );
    const stored = JSON.parse(readFileSync(join(tmp.dir, 'event-logger', 'config.json'), 'utf8'));
    expect(stored).toEqual({ 'count/order.placed': '1', 'count/user.created': '2' });
  });

  it('keeps its counts across a restart of the host (a new instance reads the persisted store)', async () => {
    const { logger, lines } = captureLogger();
    const plugin = await loadPlugin(component, options(logger));
    plugin.exports.eventHandler.onEvent(event('user.created'));
    const stored = JSON.parse(readFileSync(join(tmp.dir, 'event-logger', 'config.json'), 'utf8'));
    expect(stored['count/user.created']).toBe('3');
    plugin.shutdown();
    expect(lines.at(-1)).toMatchObject({ msg: 'shutting down after 2 event types', plugin: 'event-logger' });
    expect(plugin.status).toBe('uninitialized');
  });

  it('refuses an event type it did not subscribe to, with its own error', async () => {
    const { logger } = captureLogger();
    const plugin = await loadPlugin(component, options(logger));
    expect(() => plugin.exports.eventHandler.onEvent(event('user.deleted'))).toThrow(
      /returned an error: unsupported event type `user.deleted`/,
    );
  });

  it('emits a milestone event on the host bus every 100th event of a type', async () => {
    const { logger } = captureLogger();
    const seen: PluginEvent[] = [];
    const fresh = tempDir();
    const plugin = await loadPlugin(
      component,
      options(logger, (e) => seen.push(e), fresh.dir),
    );
    for (let i = 0; i < 99; i++) plugin.exports.eventHandler.onEvent(event('order.placed'));
    expect(seen).toEqual([]);
    plugin.exports.eventHandler.onEvent(event('order.placed'));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'event-logger.milestone', source: 'event-logger' });
    expect(JSON.parse(seen[0]!.payload)).toEqual({ type: 'order.placed', count: 100 });
    fresh.cleanup();
  });
});
