import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';

/** A JSON log line as pino writes it. */
export interface LogLine {
  level: number;
  msg: string;
  plugin?: string;
  [key: string]: unknown;
}

/** A pino logger at `trace` that keeps every line it writes, parsed, in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'trace' },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

/** A fresh temp folder, and a function that removes it. */
export function tempDir(prefix = 'witkit-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** pino's numeric levels by name. */
export const levels = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;
export { startTestHttpServer, type TestHttpServer } from './http-server.js';
