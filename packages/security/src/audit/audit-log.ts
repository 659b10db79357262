import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a plugin was refused or stopped for. */
export type ViolationType =
  | 'fs-access-denied'
  | 'net-access-denied'
  | 'memory-exceeded'
  | 'cpu-time-exceeded'
  | 'wall-time-exceeded'
  | 'instance-limit-exceeded'
  | 'checksum-mismatch'
  | 'signature-rejected'
  | 'host-version-rejected';

/** What the host did about it. */
export type EnforcementAction = 'denied' | 'terminated' | 'logged';

/** One denial or limit hit, as the audit log stores it. */
export interface SecurityViolation {
  readonly plugin: string;
  readonly type: ViolationType;
  /** What was asked for: a path, `host:port`, a byte count, a function. */
  readonly resource: string;
  readonly action: EnforcementAction;
  /** ISO 8601. */
  readonly timestamp: string;
  /** Anything else worth keeping (the operation, the reason, the limit). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A filter for {@link AuditLog.query}; every given field must match. */
export interface AuditQuery {
  readonly plugin?: string;
  readonly type?: ViolationType;
  /** Only violations at or after this time. */
  readonly since?: Date;
}

/**
 * An append-only JSON Lines audit log of security violations. Each record is one `write`
 * with `O_APPEND`, so concurrent writers never interleave within a line and a crash loses at
 * most the line being written; readers skip a torn last line.
 */
export class AuditLog {
  readonly #file: string;

  /** @param file - the JSONL file; created with its folder on the first record */
  constructor(file: string) {
    this.#file = file;
  }

  /** Path of the log file. */
  get file(): string {
    return this.#file;
  }

  /** Appends `violation` (its timestamp defaults to now) and returns what was written. */
  record(violation: Omit<SecurityViolation, 'timestamp'> & { timestamp?: string }): SecurityViolation {
    const entry: SecurityViolation = {
      ...violation,
      timestamp: violation.timestamp ?? new Date().toISOString(),
    };
    mkdirSync(dirname(this.#file), { recursive: true });
    appendFileSync(this.#file, `${JSON.stringify(entry)}\n`, { flag: 'a' });
    return entry;
  }

  /** The recorded violations that match `query`, oldest first. */
  query(query: AuditQuery = {}): SecurityViolation[] {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: SecurityViolation[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      let entry: SecurityViolation;
      try {
        entry = JSON.parse(line) as SecurityViolation;
      } catch {
        continue; // A line torn by a crash mid-write.
      }
      if (query.plugin !== undefined && entry.plugin !== query.plugin) continue;
      if (query.type !== undefined && entry.type !== query.type) continue;
      if (query.since !== undefined && new Date(entry.timestamp) < query.since) continue;
      out.push(entry);
    }
    return out;
  }
}
