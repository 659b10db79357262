// Fails when `turbo run build` would redo any task although nothing changed since the last
// build: every package and plugin component must come from turbo's cache.
import { execFileSync } from 'node:child_process';

const dry = JSON.parse(
  execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--dry=json'], { encoding: 'utf8' }),
);
const misses = dry.tasks.filter((t) => t.command !== '<NONEXISTENT>' && t.cache.status !== 'HIT');
if (misses.length > 0) {
  console.error(
    `build cache: ${misses.length} task(s) would run again: ${misses.map((t) => t.taskId).join(', ')}`,
  );
  process.exit(1);
}
console.log(
  `build cache: all ${dry.tasks.filter((t) => t.command !== '<NONEXISTENT>').length} build tasks are cache hits`,
);
