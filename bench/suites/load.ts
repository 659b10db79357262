// What it costs to get a plugin ready: a cold load (jco transpile + compile), a load whose
// transpiled glue is already on disk, a new instance from compiled modules (a pool growing),
// and taking a warm instance from a pool and giving it back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { ComponentCache, createHostServices, InstancePool } from '@witkit/host';
import { pino } from 'pino';
import { type BenchResult, measure } from '../lib/measure.ts';

const require = createRequire(import.meta.url);
const componentOf = (pkg: string, file: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', file);

async function timeAsync(runs: number, fn: () => Promise<unknown>) {
  const ns: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    ns.push(Number(process.hrtime.bigint() - start));
  }
  ns.sort((a, b) => a - b);
  return {
    medianNs: ns[Math.floor(ns.length / 2)]!,
    p99Ns: ns[Math.min(ns.length - 1, Math.floor(ns.length * 0.99))]!,
    samples: runs,
  };
}

export async function loadSuite(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const work = mkdtempSync(join(tmpdir(), 'witkit-bench-load-'));
  try {
    for (const [label, file] of [
      ['bench-kernels (Rust)', componentOf('@witkit-plugins/bench-kernels', 'bench-kernels.wasm')],
      [
        'text-transformer (QuickJS)',
        componentOf('@witkit-plugins/text-transformer', 'text-transformer.wasm'),
      ],
    ] as const) {
      const bytes = readFileSync(file);
      let n = 0;
      const cold = await timeAsync(5, () =>
        new ComponentCache({ cacheDir: join(work, `cold-${label}-${n++}`) }).get(bytes),
      );
      const warmDir = join(work, `warm-${label}`);
      await new ComponentCache({ cacheDir: warmDir }).get(bytes);
      const disk = await timeAsync(10, () => new ComponentCache({ cacheDir: warmDir }).get(bytes));
      const compiled = await new ComponentCache({ cacheDir: warmDir }).get(bytes);
      const services = createHostServices({
        plugin: 'bench',
        logger: pino({ level: 'silent' }),
        dataDir: work,
        environment: {},
      });
      const imports = () => ({
        ...new WASIShim({ sandbox: { preopens: {}, env: {} } }).getImportObject(),
        'witkit:host-api/host-services': services,
      });
      const fresh = await timeAsync(20, async () => compiled.instantiate(imports()));
      const pool = new InstancePool({
        plugin: label,
        create: () => compiled.instantiate(imports()),
        destroy: () => {},
        max: 2,
      });
      pool.warm(1);
      const acquire = measure(() => pool.release(pool.tryAcquire()!));
      const base = { name: `${label}: cold load (transpile + compile)`, ...cold };
      for (const [name, t] of [
        [base.name, cold],
        [`${label}: load with glue cached on disk`, disk],
        [`${label}: new instance from compiled modules`, fresh],
        [`${label}: warm instance acquire + release`, acquire],
      ] as const) {
        results.push({
          name,
          ...t,
          medianNs: Math.round(t.medianNs),
          p99Ns: Math.round(t.p99Ns),
          ratio: t.medianNs / cold.medianNs,
          baseline: base.name,
        });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
