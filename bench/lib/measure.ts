// Timing helpers for the benchmark suites. Each sample is the mean of one batch of calls, so
// timer resolution never dominates; suites compare ratios measured inside one run, because
// the machines are shared and absolute numbers drift.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

/** One benchmark result as stored in `bench/results/<suite>.json`. */
export interface BenchResult {
  name: string;
  medianNs: number;
  p99Ns: number;
  samples: number;
  /** Median divided by the baseline's median; 1 for the baseline itself. */
  ratio: number;
  baseline: string;
  /** Extra figures (sizes, build times) that are not per-call timings. */
  notes?: Record<string, number | string>;
}

/** The value at quantile `q` (0-1) of ascending `sorted`. */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Times `fn`: warms it up, then takes `samples` batches of `batch` calls each and returns
 * the median and p99 of the per-call time in nanoseconds.
 */
export function measure(fn: () => unknown, { samples = 200, batch = 100, warmup = 2000 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const perCall: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    perCall.push(Number(process.hrtime.bigint() - start) / batch);
  }
  perCall.sort((a, b) => a - b);
  return { medianNs: quantile(perCall, 0.5), p99Ns: quantile(perCall, 0.99), samples };
}

/** Writes a suite's results as JSON and returns a readable table of them. */
export function report(suite: string, results: BenchResult[]): string {
  const dir = join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown cpu'}, Node ${process.version}`;
  writeFileSync(
    join(dir, `${suite}.json`),
    `${JSON.stringify({ suite, machine, date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  const fmt = (ns: number) =>
    ns >= 1e6
      ? `${(ns / 1e6).toFixed(1)} ms`
      : ns >= 1e3
        ? `${(ns / 1e3).toFixed(2)} us`
        : `${ns.toFixed(0)} ns`;
  const rows = results.map(
    (r) => `| ${r.name} | ${fmt(r.medianNs)} | ${fmt(r.p99Ns)} | ${r.samples} | ${r.ratio.toFixed(2)}x |`,
  );
  const baselines = [...new Set(results.map((r) => `\`${r.baseline}\``))].join(', ');
  const table = [
    `### ${suite} (${machine})`,
    '',
    '| name | median | p99 | samples | ratio |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Ratios: medians against ${baselines}, in the same run.`,
  ].join('\n');
  writeFileSync(join(dir, `${suite}.md`), `${table}\n`);
  return table;
}

/** Like {@link measure}, for an async call: each call is awaited before the next starts. */
export async function measureAsync(
  fn: () => Promise<unknown>,
  { samples = 200, batch = 100, warmup = 2000 } = {},
): Promise<{ medianNs: number; p99Ns: number; samples: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const perCall: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    perCall.push(Number(process.hrtime.bigint() - start) / batch);
  }
  perCall.sort((a, b) => a - b);
  return { medianNs: quantile(perCall, 0.5), p99Ns: quantile(perCall, 0.99), samples };
}
