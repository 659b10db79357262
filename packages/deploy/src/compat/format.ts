import type { Change, CompatibilityReport } from './check.js';

/** One change on one line: `breaking  changed   (vs host)      <message>`. */
export function formatChange(change: Change): string {
  const against = change.against === 'host' ? '(vs host)' : '(vs previous)';
  return `${change.breaking ? 'breaking' : 'ok      '}  ${change.kind.padEnd(14)}  ${against.padEnd(13)}  ${change.message}`;
}

/**
 * The report as text for a terminal: a verdict line, then one line per change, breaking first.
 *
 * @param options.plugin - Name of the plugin, for the verdict line.
 *
 * @example
 * ```ts
 * console.log(formatCompatibilityReport(report, { plugin: 'text-transformer' }));
 * // text-transformer is NOT compatible with `witkit:plugin-system/processor-plugin@0.1.0`: 1 breaking change, 1 other
 * //   breaking  changed  (vs host)  `witkit:plugin-system/data-processor@0.1.0` function `validate`: parameter `input` changed from `list<u8>` to `string`
 * //   ok        added    (vs host)  world function `init` is exported beyond what world … requires
 * ```
 */
export function formatCompatibilityReport(
  report: CompatibilityReport,
  options: { readonly plugin?: string } = {},
): string {
  const who = options.plugin === undefined ? 'the component' : options.plugin;
  const breaking = report.changes.filter((c) => c.breaking).length;
  const other = report.changes.length - breaking;
  const counts = [
    ...(breaking ? [`${breaking} breaking change${breaking > 1 ? 's' : ''}`] : []),
    ...(other ? [`${other} ${breaking ? 'other' : `compatible change${other > 1 ? 's' : ''}`}`] : []),
  ];
  const verdict = `${who} is ${report.compatible ? '' : 'NOT '}compatible with \`${report.world}\`${counts.length ? `: ${counts.join(', ')}` : ', no changes'}`;
  return [verdict, ...report.changes.map((c) => `  ${formatChange(c)}`)].join('\n');
}
