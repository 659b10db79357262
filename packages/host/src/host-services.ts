import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger as PinoLogger } from 'pino';
import { FileConfigStore } from './config-store.js';

/** Log levels of the WIT `log-level` enum. */
export type GuestLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** An event a plugin published with `emit-event`. */
export interface PluginEvent {
  /** Event type, e.g. `user.created`. */
  readonly type: string;
  /** Payload as the plugin wrote it (JSON by convention). */
  readonly payload: string;
  /** Name of the plugin that emitted it. */
  readonly source: string;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
}

/** What the host services of one plugin are bound to. */
export interface HostServicesContext {
  /** The plugin's name; every service is scoped to it. */
  readonly plugin: string;
  /** The host's logger; the plugin gets a child tagged `plugin: <name>`. */
  readonly logger: PinoLogger;
  /** Root of per-plugin state: `<dataDir>/<plugin>/config.json` and `<dataDir>/<plugin>/files/`. */
  readonly dataDir: string;
  /** Environment variables the plugin may read. */
  readonly environment: Readonly<Record<string, string>>;
  /** Receives events the plugin emits. A throwing listener never reaches the plugin. */
  readonly onEvent?: (event: PluginEvent) => void;
}

/**
 * Builds the `witkit:host-api/host-services` import for one plugin: resource classes and
 * functions closed over that plugin's context, so no plugin can reach another's state.
 */
export function createHostServices(ctx: HostServicesContext) {
  const log = ctx.logger.child({ plugin: ctx.plugin });
  const pluginDir = join(ctx.dataDir, ctx.plugin);
  // One store per plugin, shared by every `config-store` handle the plugin opens.
  const store = new FileConfigStore(join(pluginDir, 'config.json'));

  class Logger {
    log(level: GuestLogLevel, message: string): void {
      log[level](message);
    }

    flush(): void {
      log.flush();
    }
  }

  class ConfigStore {
    get(key: string): string | undefined {
      return store.get(key);
    }

    set(key: string, value: string): void {
      store.set(key, value);
    }

    delete(key: string): void {
      store.delete(key);
    }

    listKeys(prefix: string): string[] {
      return store.listKeys(prefix);
    }
  }

  class HttpClient {
    get(url: string): never {
      throw `outbound HTTP to \`${url}\` is not granted to plugin \`${ctx.plugin}\``;
    }

    post(url: string): never {
      throw `outbound HTTP to \`${url}\` is not granted to plugin \`${ctx.plugin}\``;
    }
  }

  return {
    Logger,
    ConfigStore,
    HttpClient,
    getEnvironment: (): Array<[string, string]> => Object.entries(ctx.environment),
    getPluginDataDir(): string {
      const dir = join(pluginDir, 'files');
      mkdirSync(dir, { recursive: true });
      return dir;
    },
    emitEvent(eventType: string, payload: string): void {
      try {
        ctx.onEvent?.({ type: eventType, payload, source: ctx.plugin, timestamp: Date.now() });
      } catch (error) {
        log.error({ err: error, eventType }, 'event listener failed');
      }
    },
  };
}
