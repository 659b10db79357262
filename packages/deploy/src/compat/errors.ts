import type { CompatibilityReport } from './check.js';
import { formatChange } from './format.js';

/** Stable codes of {@link CompatibilityError}; each is explained in `docs/errors.md`. */
export type CompatibilityErrorCode = 'WITKIT_INCOMPATIBLE_WIT' | 'WITKIT_UNREADABLE_COMPONENT';

const brand = Symbol.for('witkit.CompatibilityError');

/**
 * A component does not fit the host or the release it replaces (`WITKIT_INCOMPATIBLE_WIT`, with
 * the full `report`), or its bytes could not be read as a component (`WITKIT_UNREADABLE_COMPONENT`).
 */
export class CompatibilityError extends Error {
  override readonly name = 'CompatibilityError';
  readonly [brand] = true;
  /** The plugin concerned, when known. */
  readonly plugin?: string;
  /** Every change found, for `WITKIT_INCOMPATIBLE_WIT`. */
  readonly report?: CompatibilityReport;

  constructor(
    readonly code: CompatibilityErrorCode,
    message: string,
    options: { plugin?: string; report?: CompatibilityReport; cause?: unknown } = {},
  ) {
    super(
      `${options.plugin === undefined ? '' : `plugin \`${options.plugin}\`: `}${message}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    if (options.plugin !== undefined) this.plugin = options.plugin;
    if (options.report) this.report = options.report;
  }
}

/** Whether `error` is a {@link CompatibilityError}, also across duplicate copies of this package. */
export function isCompatibilityError(error: unknown): error is CompatibilityError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

/**
 * Refuses an incompatible component: does nothing when `report.compatible`, else throws.
 *
 * @param plugin - Name of the plugin, for the message.
 * @throws {CompatibilityError} `WITKIT_INCOMPATIBLE_WIT` listing every breaking change, with `report` attached
 *
 * @example
 * ```ts
 * assertCompatible(checkCompatibility({ component, host, previous }), 'text-transformer');
 * ```
 */
export function assertCompatible(report: CompatibilityReport, plugin?: string): void {
  if (report.compatible) return;
  const breaking = report.changes.filter((c) => c.breaking);
  throw new CompatibilityError(
    'WITKIT_INCOMPATIBLE_WIT',
    `the component cannot be served as \`${report.world}\`: ${breaking.length} breaking change${breaking.length > 1 ? 's' : ''}\n${breaking.map((c) => `  ${formatChange(c)}`).join('\n')}\nRebuild the plugin against the WIT it is served with, or serve it as the world it was built for.`,
    { ...(plugin === undefined ? {} : { plugin }), report },
  );
}
