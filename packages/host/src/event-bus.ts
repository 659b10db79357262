import type { Logger as PinoLogger } from 'pino';
import type { PluginEvent } from './host-services.js';

/** Receives events; may be async. A failure is logged and never reaches the emitter. */
export type EventHandler = (event: PluginEvent) => void | Promise<void>;

/**
 * Delivers events emitted by plugins (and by the host application) to subscribers: host
 * handlers by type (or `*`), and event-handler plugins through the host. Delivery is
 * asynchronous, so an emitting plugin never runs a subscriber inside its own call.
 */
export class EventBus {
  readonly #handlers = new Map<string, Set<EventHandler>>();
  readonly #logger: PinoLogger;
  #pending = 0;
  #idle: Array<() => void> = [];

  constructor(logger: PinoLogger) {
    this.#logger = logger;
  }

  /**
   * Calls `handler` for every event of `type` (`*` for all).
   *
   * @returns a function that unsubscribes
   */
  subscribe(type: string, handler: EventHandler): () => void {
    let set = this.#handlers.get(type);
    if (!set) {
      set = new Set();
      this.#handlers.set(type, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Publishes `event`; handlers run after the current call returns. */
  publish(event: PluginEvent): void {
    const handlers = [...(this.#handlers.get(event.type) ?? []), ...(this.#handlers.get('*') ?? [])];
    for (const handler of handlers) {
      this.#pending++;
      setImmediate(() => {
        Promise.resolve()
          .then(() => handler(event))
          .catch((error: unknown) =>
            this.#logger.error(
              { err: error, eventType: event.type, source: event.source },
              'event subscriber failed',
            ),
          )
          .finally(() => {
            if (--this.#pending === 0) for (const done of this.#idle.splice(0)) done();
          });
      });
    }
  }

  /** Resolves once every event published so far has been delivered (or failed). */
  idle(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}
