import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPlugin, type PluginEvent } from '@witkit/host';
import { captureLogger, levels, tempDir } from '@witkit-internal/test-support';
import { afterAll, describe, expect, it } from 'vitest';

const component = fileURLToPath(new URL('../dist/log-enricher.wasm', import.meta.url));

describe('log-enricher component', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const options = (
    logger: ReturnType<typeof captureLogger>['logger'],
    onEvent?: (e: PluginEvent) => void,
    dataDir = tmp.dir,
    events = 'user.created, payment.failed, user.deleted, health.ping',
  ) => ({
    world: 'event-plugin' as const,
    logger,
    dataDir,
    cacheDir: join(tmp.dir, 'cache'),
    config: [['events', events]] as [string, string][],
    ...(onEvent ? { onEvent } : {}),
  });
  const event = (eventType: string, payload = '{}') => ({
    eventType,
    payload,
    timestamp: 1700000000000n,
    source: 'billing',
  });
  const stored = (dir = tmp.dir) =>
    JSON.parse(readFileSync(join(dir, 'log-enricher', 'config.json'), 'utf8')) as Record<string, string>;

  it('subscribes to the events named in its config', async () => {
    const { logger, lines } = captureLogger();
    const plugin = await loadPlugin(component, options(logger));
    expect(plugin.exports.basePlugin.getMetadata()).toEqual({ name: 'log-enricher', version: '0.1.0' });
    expect(plugin.exports.eventHandler.supportedEvents()).toEqual([
      'user.created',
      'payment.failed',
      'user.deleted',
      'health.ping',
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: levels.info,
        plugin: 'log-enricher',
        msg: 'enriching user.created, payment.failed, user.deleted, health.ping',
      }),
    );
  });

  it('enriches the payload, logs it at the derived severity, counts it and emits it', async () => {
    const { logger, lines } = captureLogger();
    const seen: PluginEvent[] = [];
    const plugin = await loadPlugin(
      component,
      options(logger, (e) => seen.push(e)),
    );
    const before = Date.now();
    plugin.exports.eventHandler.onEvent(event('user.created', '{"id":7,"name":"Ada"}'));
    plugin.exports.eventHandler.onEvent(event('payment.failed', '{"order":42,"source":"overwritten"}'));
    plugin.exports.eventHandler.onEvent(event('user.deleted', '[1,2]'));
    plugin.exports.eventHandler.onEvent(event('health.ping', '"ok"'));
    plugin.exports.eventHandler.onEvent(event('user.created', '{"id":8}'));
    const after = Date.now();

    expect(seen.map((e) => [e.type, e.source])).toEqual(
      Array.from({ length: 5 }, () => ['log-enricher.enriched', 'log-enricher']),
    );
    const payloads = seen.map((e) => JSON.parse(e.payload) as Record<string, unknown>);
    for (const p of payloads) {
      expect(p.received_at).toBeGreaterThanOrEqual(before);
      expect(p.received_at).toBeLessThanOrEqual(after);
      expect(p.source).toBe('billing');
    }
    const strip = ({ received_at: _, ...rest }: Record<string, unknown>) => rest;
    expect(payloads.map(strip)).toEqual([
      { id: 7, name: 'Ada', source: 'billing', event_type: 'user.created', severity: 'info' },
      { order: 42, source: 'billing', event_type: 'payment.failed', severity: 'error' },
      { data: [1, 2], source: 'billing', event_type: 'user.deleted', severity: 'warn' },
      { data: 'ok', source: 'billing', event_type: 'health.ping', severity: 'debug' },
      { id: 8, source: 'billing', event_type: 'user.created', severity: 'info' },
    ]);

    const logged = lines.filter((l) => l.plugin === 'log-enricher' && l.msg.includes(' #'));
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      [levels.info, `user.created #1: ${seen[0]!.payload}`],
      [levels.error, `payment.failed #1: ${seen[1]!.payload}`],
      [levels.warn, `user.deleted #1: ${seen[2]!.payload}`],
      [levels.debug, `health.ping #1: ${seen[3]!.payload}`],
      [levels.info, `user.created #2: ${seen[4]!.payload}`],
    ]);

    expect(stored()).toEqual({
      'count/user.created': '2',
      'count/payment.failed': '1',
      'count/user.deleted': '1',
      'count/health.ping': '1',
    });
  });

  it('keeps its counts across a restart and reports them at shutdown', async () => {
    const { logger, lines } = captureLogger();
    const plugin = await loadPlugin(component, options(logger));
    plugin.exports.eventHandler.onEvent(event('user.created'));
    expect(stored()['count/user.created']).toBe('3');
    plugin.shutdown();
    expect(lines.at(-1)).toMatchObject({ msg: 'shutting down after 4 event types', plugin: 'log-enricher' });
  });

  it('refuses unsubscribed events and payloads that are not JSON with its own error, and emits nothing', async () => {
    const { logger } = captureLogger();
    const seen: PluginEvent[] = [];
    const fresh = tempDir();
    const plugin = await loadPlugin(
      component,
      options(logger, (e) => seen.push(e), fresh.dir),
    );
    expect(() => plugin.exports.eventHandler.onEvent(event('order.placed'))).toThrow(
      /returned an error: unsupported event type `order.placed`/,
    );
    expect(() => plugin.exports.eventHandler.onEvent(event('user.created', '{not json'))).toThrow(
      /returned an error: payload of `user.created` is not valid JSON: key must be a string at line 1 column 2/,
    );
    expect(seen).toEqual([]);
    expect(plugin.status).toBe('ready');
    plugin.exports.eventHandler.onEvent(event('user.created'));
    expect(seen).toHaveLength(1);
    expect(stored(fresh.dir)).toEqual({ 'count/user.created': '1' });
    fresh.cleanup();
  });

  it('refuses a config key it does not know at initialize', async () => {
    const { logger } = captureLogger();
    await expect(
      loadPlugin(component, { ...options(logger), config: [['colour', 'red']] }),
    ).rejects.toMatchObject({ code: 'WITKIT_INIT_FAILED', plugin: 'log-enricher' });
  });
});
