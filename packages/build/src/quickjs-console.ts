/**
 * `console` for QuickJS builds, which have none: each call becomes one line of the plugin's
 * host logger (`witkit:host-api`, which every contracts world imports), so it lands in the
 * host's log tagged with the plugin, as a Rust plugin's stdout does. Injected by the bundler
 * only into plugins that use `console`.
 */
import { Logger } from 'witkit:host-api/host-services@0.1.0';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

let logger: Logger | undefined;

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    return json === undefined ? String(value) : json;
  } catch {
    // Cycles and other values JSON cannot write.
    return String(value);
  }
}

function write(level: Level, args: unknown[]): void {
  logger ??= new Logger();
  logger.log(level, args.map(text).join(' '));
}

/** The subset of the WHATWG console that plugins use, writing to the host logger. */
export const console = {
  log: (...args: unknown[]) => write('info', args),
  info: (...args: unknown[]) => write('info', args),
  debug: (...args: unknown[]) => write('debug', args),
  trace: (...args: unknown[]) => write('trace', args),
  warn: (...args: unknown[]) => write('warn', args),
  error: (...args: unknown[]) => write('error', args),
};
