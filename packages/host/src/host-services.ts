import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isNetAllowed, type NetGrant } from '@witkit/security';
import type { Logger as PinoLogger } from 'pino';
import { FileConfigStore } from './config-store.js';
import type { HttpJob, HttpOutcome } from './sync-http.js';

/** Event types only the host publishes; plugins' `emit-event` calls with them are dropped. */
const RESERVED_EVENT_TYPES = /^(security|deploy)\./;
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

/** A request one plugin sends another through `send-request`. */
export interface GuestRequest {
  readonly target: string;
  readonly messageType: string;
  readonly payload: Uint8Array;
  readonly timeoutMs: number;
}

/** Outbound HTTP settings of one plugin. */
export interface HttpPolicy {
  /**
   * Performs requests: synchronously for plugins in the host's thread (a `SyncHttp`), or
   * asynchronously for plugins in workers, whose calls the host answers while it awaits.
   */
  readonly client: { request(job: HttpJob): HttpOutcome | Promise<HttpOutcome> };
  /** Grants and deny rules from the plugin's manifest; without a grant, nothing is reachable. */
  readonly permissions: {
    readonly net: readonly NetGrant[];
    readonly deny: { readonly net: readonly NetGrant[] };
  };
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /** Largest response body accepted. @default 16 MiB */
  readonly maxBodyBytes?: number;
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
  /** Outbound HTTP; absent means every request is refused. */
  readonly http?: HttpPolicy;
  /**
   * Delivers a request to another plugin and returns its answer; throws a string saying why
   * there is none. Absent when the plugin runs outside a {@link PluginHost}.
   */
  readonly sendRequest?: (from: string, request: GuestRequest) => Uint8Array | Promise<Uint8Array>;
  /** Told about every outbound request the plugin's grants refused, for the audit log. */
  readonly onNetDenied?: (destination: string, url: string) => void;
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

  function fetchSync(
    method: 'GET' | 'POST',
    url: string,
    headers: Array<[string, string]>,
    body?: Uint8Array,
  ) {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw `\`${url}\` is not an absolute URL`;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      throw `only http and https URLs are supported, not \`${target.protocol}\``;
    const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    const policy = ctx.http;
    if (!policy || !isNetAllowed(policy.permissions, 'connect', target.hostname, port)) {
      log.warn({ url: target.href, host: target.hostname, port }, 'outbound HTTP denied');
      ctx.onNetDenied?.(`${target.hostname}:${port}`, target.href);
      throw `outbound HTTP to \`${target.hostname}:${port}\` is not granted to plugin \`${ctx.plugin}\`; grant it with \`net = ["connect:${target.hostname}:${port}"]\` in its plugin.toml`;
    }
    const outcome = policy.client.request({
      method,
      url: target.href,
      headers,
      ...(body ? { body } : {}),
      timeoutMs: policy.timeoutMs ?? 10_000,
      maxBodyBytes: policy.maxBodyBytes ?? 16 * 1024 * 1024,
    });
    const finish = (o: HttpOutcome) => {
      if (!o.ok) throw `${method} ${target.href} failed: ${o.error}`;
      return { status: o.status, headers: o.headers, body: o.body };
    };
    return outcome instanceof Promise ? outcome.then(finish) : finish(outcome);
  }

  class HttpClient {
    get(url: string, headers: Array<[string, string]>) {
      return fetchSync('GET', url, headers);
    }

    post(url: string, body: Uint8Array, headers: Array<[string, string]>) {
      return fetchSync('POST', url, headers, body);
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
    sendRequest(req: GuestRequest): Uint8Array | Promise<Uint8Array> {
      if (!ctx.sendRequest)
        throw 'requests to other plugins need a PluginHost; this plugin was loaded on its own';
      return ctx.sendRequest(ctx.plugin, req);
    },
    emitEvent(eventType: string, payload: string): void {
      // The host's own events (audit records, rollout decisions) must not be forgeable.
      if (RESERVED_EVENT_TYPES.test(eventType)) {
        log.warn({ eventType }, 'event dropped: `security.*` and `deploy.*` events come from the host only');
        return;
      }
      try {
        ctx.onEvent?.({ type: eventType, payload, source: ctx.plugin, timestamp: Date.now() });
      } catch (error) {
        log.error({ err: error, eventType }, 'event listener failed');
      }
    },
  };
}
