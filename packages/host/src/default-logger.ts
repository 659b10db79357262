import { type LevelWithSilent, type Logger, pino } from 'pino';

/** Where the default logger writes its lines. */
export interface LineSink {
  write(line: string): unknown;
}

/** The level the default logger uses when `LOG_LEVEL` is not set. */
export const DEFAULT_LOG_LEVEL = 'warn';

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
// pino's numeric levels, as its JSON lines carry them.
const LEVEL_NAMES = new Map<number, string>([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
]);

/**
 * The logger the host uses when it is given none: warnings and errors (or the level `LOG_LEVEL`
 * names) as one human-readable line each on stderr, e.g.
 * `witkit WARN [text-transformer] plugin failed to load; will retry: err=...`. A host is
 * usually embedded in an application whose stdout is its own (a CLI's output, a server's
 * responses), so nothing goes there; pass your own pino logger for JSON logs.
 *
 * @param env - where `LOG_LEVEL` is read. @default `process.env`
 * @param sink - where the lines go. @default `process.stderr`
 */
export function defaultLogger(
  env: Readonly<Record<string, string | undefined>> = process.env,
  sink: LineSink = process.stderr,
): Logger {
  const wanted = env.LOG_LEVEL?.trim().toLowerCase();
  const known = wanted === undefined || wanted === '' || (LEVELS as readonly string[]).includes(wanted);
  const level = known && wanted ? wanted : DEFAULT_LOG_LEVEL;
  const logger = pino(
    { level, base: null, timestamp: false },
    { write: (json: string) => void sink.write(`${formatLine(json)}\n`) },
  );
  if (!known)
    logger.warn(`LOG_LEVEL=${env.LOG_LEVEL} is not a level (${LEVELS.join(', ')}); logging at ${level}`);
  return logger;
}

/** One pino JSON line as `witkit LEVEL [plugin] message: key=value ...`, on one line. */
export function formatLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return oneLine(json.trimEnd());
  }
  const { level, msg, plugin, ...fields } = record;
  const name = (typeof level === 'number' && LEVEL_NAMES.get(level)) || String(level);
  const who = plugin === undefined ? '' : ` [${String(plugin)}]`;
  const details = Object.entries(fields).map(([key, value]) => `${key}=${describe(value)}`);
  const text = typeof msg === 'string' ? msg : '';
  const body = details.length === 0 ? text : `${text}${text ? ': ' : ''}${details.join(' ')}`;
  return oneLine(`witkit ${name}${who} ${body}`);
}

/** A field's value: an error as its message (its stack is for debug logs), the rest as JSON. */
function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'message' in value && typeof value.message === 'string') {
    const type = 'type' in value && typeof value.type === 'string' ? `${value.type}: ` : '';
    return `${type}${value.message}`;
  }
  return JSON.stringify(value);
}

/** Keeps a record on its line: newlines in messages are written as `\n`. */
function oneLine(text: string): string {
  return text.replace(/\r?\n/g, '\\n');
}
