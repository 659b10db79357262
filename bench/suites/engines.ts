// Which JavaScript engine should TypeScript plugins use by default? Builds the same plugin
// with QuickJS and StarlingMonkey and compares component size, build time and per-call cost.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildJsPlugin, type JsEngine } from '@witkit/build';
import { loadPlugin } from '@witkit/host';
import { type BenchResult, measure } from '../lib/measure.ts';

const fixture = join(import.meta.dirname, '..', '..', 'tests', 'e2e', 'fixtures', 'echo');

export async function enginesSuite(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const work = mkdtempSync(join(tmpdir(), 'witkit-bench-engines-'));
  try {
    for (const engine of ['quickjs', 'starlingmonkey'] as JsEngine[]) {
      const dir = join(work, engine);
      cpSync(fixture, dir, { recursive: true });
      const pkg = join(dir, 'package.json');
      writeFileSync(
        pkg,
        JSON.stringify({ ...JSON.parse(readFileSync(pkg, 'utf8')), witkit: { world: 'plugin-v2', engine } }),
      );
      const built = await buildJsPlugin(dir);
      const plugin = await loadPlugin(built.componentPath, {
        world: 'plugin-v2',
        dataDir: join(work, 'data'),
        cacheDir: join(work, 'cache'),
      });
      const api = plugin.exports['witkit:plugin-api/plugin@2.0.0'];
      if (api.process('a', [['prefix', '>']]) !== '>a') throw new Error(`${engine} echo gave a wrong answer`);
      const timing = measure(() => api.process('hello', []), { samples: 100, batch: 50, warmup: 500 });
      results.push({
        name: `echo process() via ${engine}`,
        ...timing,
        ratio: 1,
        baseline: '',
        notes: { componentBytes: built.size, buildMs: built.durationMs },
      });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const base = results[0]!;
  for (const r of results) {
    r.ratio = r.medianNs / base.medianNs;
    r.baseline = base.name;
  }
  return results;
}
