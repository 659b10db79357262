import { describe, expect, it } from 'vitest';
import { defaultLogger, formatLine } from './default-logger.js';

/** A default logger whose lines are kept. */
function capture(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const logger = defaultLogger(env, { write: (line) => lines.push(line) });
  return { logger, lines };
}

describe('defaultLogger', () => {
  it('writes warnings and errors as one text line each, and nothing below warn', () => {
    const { logger, lines } = capture();
    logger.info('loaded');
    logger.child({ plugin: 'echo' }).warn({ attempts: 2 }, 'plugin failed to load;\nwill retry');
    logger.error({ err: new TypeError('boom') }, 'broken');
    expect(lines).toEqual([
      'witkit WARN [echo] plugin failed to load;\\nwill retry: attempts=2\n',
      'witkit ERROR broken: err=TypeError: boom\n',
    ]);
  });

  it('respects LOG_LEVEL, and says so when it names no level', () => {
    const debug = capture({ LOG_LEVEL: 'debug' });
    debug.logger.debug('detail');
    expect(debug.lines).toEqual(['witkit DEBUG detail\n']);
    const bad = capture({ LOG_LEVEL: 'loud' });
    bad.logger.info('hidden');
    expect(bad.lines).toHaveLength(1);
    expect(bad.lines[0]).toMatch(/^witkit WARN LOG_LEVEL=loud is not a level .*; logging at warn\n$/);
  });

  it('formats a line that is not JSON as it is', () => {
    expect(formatLine('plain text\n')).toBe('plain text');
  });
});
