// Runs the benchmark suites named on the command line (default: all) and writes
// bench/results/<suite>.json plus a readable table.
import { type BenchResult, report } from './lib/measure.ts';
import { callPathSuite } from './suites/call-path.ts';
import { deploySuite } from './suites/deploy.ts';
import { enginesSuite } from './suites/engines.ts';
import { hostImportsSuite } from './suites/host-imports.ts';
import { loadSuite } from './suites/load.ts';
import { workerSpinSuite } from './suites/worker-spin.ts';

const suites: Record<string, () => Promise<BenchResult[]>> = {
  'call-path': callPathSuite,
  load: loadSuite,
  engines: enginesSuite,
  'worker-spin': workerSpinSuite,
  'host-imports': hostImportsSuite,
  deploy: deploySuite,
};
const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const results = await run();
  console.log(`${report(name, results)}\n`);
  for (const r of results) if (r.notes) console.log(`  ${r.name}: ${JSON.stringify(r.notes)}`);
}
