import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from './audit-log.js';

describe('AuditLog', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'witkit-audit-'));
    dirs.push(dir);
    return new AuditLog(join(dir, 'nested', 'audit.jsonl'));
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('appends one JSON line per violation and reads them back by plugin, type and time', () => {
    const log = fresh();
    expect(log.query()).toEqual([]);
    log.record({
      plugin: 'a',
      type: 'fs-access-denied',
      resource: '/etc/passwd',
      action: 'denied',
      timestamp: '2026-01-01T00:00:00.000Z',
    });
    const second = log.record({
      plugin: 'b',
      type: 'cpu-time-exceeded',
      resource: 'process',
      action: 'terminated',
      detail: { budgetMs: 300 },
    });
    log.record({ plugin: 'a', type: 'net-access-denied', resource: 'evil.example:443', action: 'denied' });
    const lines = readFileSync(log.file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]!)).toEqual(second);
    expect(log.query({ plugin: 'a' }).map((v) => v.type)).toEqual(['fs-access-denied', 'net-access-denied']);
    expect(log.query({ type: 'cpu-time-exceeded' })).toEqual([second]);
    expect(log.query({ since: new Date('2026-06-01') }).map((v) => v.plugin)).toEqual(['b', 'a']);
  });

  it('skips a line torn by a crash and keeps the rest', () => {
    const log = fresh();
    log.record({ plugin: 'a', type: 'memory-exceeded', resource: '64 MiB', action: 'terminated' });
    appendFileSync(log.file, '{"plugin":"b","ty');
    expect(log.query().map((v) => v.plugin)).toEqual(['a']);
  });
});
