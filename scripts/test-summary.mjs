// Adds up the vitest JSON reports of every package into one plain line,
// `tests: N passed, N failed, N skipped`, and fails when a report is missing or no test ran.
import { globSync, readFileSync } from 'node:fs';

const reports = globSync(['{packages,plugins-js,plugins-rust,tests,apps}/*/test-results/vitest.json'], {
  exclude: (p) => p.includes('node_modules'),
});
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of reports) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped (${reports.length} suites)`);
if (failed > 0 || passed === 0) process.exit(1);
