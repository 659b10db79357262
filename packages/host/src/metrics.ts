import { LatencyHistogram } from './latency.js';

/** Counts of a plugin's instances. */
export interface InstanceCounts {
  /** Ready and waiting for a call. */
  readonly idle: number;
  /** Serving a call. */
  readonly busy: number;
  /** Created since load. */
  readonly created: number;
  /** Thrown away after a trap. */
  readonly discarded: number;
  /** Calls waiting for an instance. */
  readonly waiting: number;
}

/** A point-in-time view of one plugin version's metrics. */
export interface PluginMetricsSnapshot {
  readonly plugin: string;
  readonly version: string;
  readonly calls: number;
  readonly errors: number;
  /** Calls that trapped (a subset of `errors`). */
  readonly traps: number;
  /** `errors / calls`, 0 before the first call. */
  readonly errorRate: number;
  /** Latency quantiles in milliseconds (within 12.5%). */
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly instances: InstanceCounts;
}

/**
 * Metrics of one plugin version, updated on every call. Recording is a few arithmetic
 * operations, so it can stay on the hot path; quantiles are computed when read.
 */
export class PluginMetrics {
  calls = 0;
  errors = 0;
  traps = 0;
  readonly latency = new LatencyHistogram();

  constructor(
    readonly plugin: string,
    readonly version: string,
    private readonly instances: () => InstanceCounts,
  ) {}

  /** Records a finished call. */
  record(ms: number, outcome: 'ok' | 'error' | 'trap'): void {
    this.calls++;
    if (outcome !== 'ok') this.errors++;
    if (outcome === 'trap') this.traps++;
    this.latency.record(ms);
  }

  /** The current figures. */
  snapshot(): PluginMetricsSnapshot {
    return {
      plugin: this.plugin,
      version: this.version,
      calls: this.calls,
      errors: this.errors,
      traps: this.traps,
      errorRate: this.calls === 0 ? 0 : this.errors / this.calls,
      latencyMs: {
        p50: this.latency.quantile(0.5),
        p95: this.latency.quantile(0.95),
        p99: this.latency.quantile(0.99),
        max: this.latency.maxMs,
      },
      instances: this.instances(),
    };
  }
}
