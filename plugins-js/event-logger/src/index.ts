import { ConfigStore, emitEvent, Logger } from 'witkit:host-api/host-services@0.1.0';
import type { Event } from 'witkit:plugin-system/event-handler@0.1.0';
import type { Exports } from '@witkit/wit-types/guest/event-plugin';
import pkg from '../package.json' with { type: 'json' };

/** How many events of one type make a milestone worth announcing on the bus. */
const MILESTONE = 100;

let events = ['user.created', 'user.deleted', 'order.placed'];
let logger: Logger | undefined;
let store: ConfigStore | undefined;

const countKey = (type: string) => `count/${type}`;

export const basePlugin: Exports['basePlugin'] = {
  getMetadata: () => ({ name: 'event-logger', version: pkg.version }),
  initialize(config) {
    logger = new Logger();
    store = new ConfigStore();
    for (const [key, value] of config) {
      if (key !== 'events') throw `unknown config key \`${key}\`; expected \`events\``;
      events = value
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e.length > 0);
    }
    logger.log('info', `listening for ${events.join(', ')}`);
  },
  shutdown() {
    logger?.log('info', `shutting down after ${store?.listKeys('count/').length ?? 0} event types`);
  },
};

export const eventHandler: Exports['eventHandler'] = {
  supportedEvents: () => events,
  onEvent(event: Event) {
    if (!store || !logger) throw 'not initialized: the host must call `initialize` first';
    if (!events.includes(event.eventType)) throw `unsupported event type \`${event.eventType}\``;
    const count = Number(store.get(countKey(event.eventType)) ?? '0') + 1;
    store.set(countKey(event.eventType), String(count));
    logger.log('info', `${event.eventType} from ${event.source} at ${event.timestamp}: ${event.payload}`);
    if (count % MILESTONE === 0) {
      emitEvent('event-logger.milestone', JSON.stringify({ type: event.eventType, count }));
    }
  },
};
