import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FsGrant } from '../grants.js';

/**
 * What a plugin may do at one real host path:
 * - `write`: read and write (a `write:` grant, no `deny write:` over it)
 * - `read`: read only (a `read:` grant, or a `write:` grant under a `deny write:` rule)
 * - `passage`: the directory holding a file grant; the plugin sees it (to reach the file) but
 *   nothing else in it
 * - `denied`: under a `deny read:` rule (or `deny` of the whole path): invisible
 * - `outside`: no grant covers it
 */
export type FsAccess = 'write' | 'read' | 'passage' | 'denied' | 'outside';

/** A grant as the sandbox enforces it: its real host path, and whether it names a file. */
export interface ResolvedGrant extends FsGrant {
  /** The grant's path with its symlinks resolved (the path itself when it does not exist). */
  readonly real: string;
  readonly exists: boolean;
  readonly isFile: boolean;
}

/** Whether `path` is `root` or below it (both absolute, normalised). */
export function within(path: string, root: string): boolean {
  return path === root || path.startsWith(root === '/' ? '/' : `${root}/`);
}

function realOf(path: string): { real: string; exists: boolean; isFile: boolean } {
  try {
    const real = realpathSync(path);
    return { real, exists: true, isFile: !statSync(real).isDirectory() };
  } catch {
    // A grant to a path that does not exist (yet) still decides access lexically.
    return { real: path, exists: false, isFile: false };
  }
}

/**
 * The grants and deny rules of one plugin, compared on real paths: every path the sandbox
 * checks has had its symlinks resolved, so the rules must be resolved the same way.
 */
export class FsPolicy {
  readonly grants: readonly ResolvedGrant[];
  readonly #deny: readonly (FsGrant & { readonly real: string })[];
  readonly #passages: ReadonlySet<string>;

  constructor(grants: readonly FsGrant[], deny: readonly FsGrant[]) {
    this.grants = grants.map((g) => ({ ...g, ...realOf(g.path) }));
    this.#deny = deny.map((d) => ({ ...d, real: realOf(d.path).real }));
    this.#passages = new Set(this.grants.filter((g) => g.isFile).map((g) => dirname(g.real)));
  }

  /**
   * A grant or deny path at or below `real`, if any: moving `real` would carry that rule's
   * subtree out from under it (or slip content under it), so the sandbox refuses to.
   */
  ruleWithin(real: string): string | undefined {
    for (const r of [...this.grants, ...this.#deny]) if (within(r.real, real)) return r.real;
    return undefined;
  }

  /** What the plugin may do at `real`, an absolute path with no symlinks in it. */
  accessOf(real: string): FsAccess {
    let readOnly = false;
    for (const d of this.#deny) {
      if (!within(real, d.real)) continue;
      // `deny read:` takes everything (nothing can be written that cannot be read); `deny write:` leaves reading.
      if (d.access === 'read') return 'denied';
      readOnly = true;
    }
    // The most specific grant decides: `read:/data/ro` inside `write:/data` is read-only.
    let best: ResolvedGrant | undefined;
    for (const g of this.grants) {
      if (within(real, g.real) && (best === undefined || g.real.length > best.real.length)) best = g;
    }
    if (best === undefined) return this.#passages.has(real) ? 'passage' : 'outside';
    return best.access === 'write' && !readOnly ? 'write' : 'read';
  }
}
