const NUM = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;
const U64_MAX = 18446744073709551615n;

/**
 * Checks `text` against Semantic Versioning 2.0.0 and returns what is wrong, or undefined if it is
 * valid. Numbers must fit in a u64, as in the reference implementation.
 */
export function checkSemver(text: string): string | undefined {
  const plus = text.indexOf('+');
  const core = plus === -1 ? text : text.slice(0, plus);
  const build = plus === -1 ? undefined : text.slice(plus + 1);
  const dash = core.indexOf('-');
  const main = dash === -1 ? core : core.slice(0, dash);
  const pre = dash === -1 ? undefined : core.slice(dash + 1);
  const parts = main.split('.');
  if (parts.length !== 3) return 'expected `major.minor.patch`';
  for (const [i, part] of parts.entries()) {
    const label = ['major', 'minor', 'patch'][i]!;
    if (!/^[0-9]+$/.test(part)) return `${label} version must be a number`;
    if (!NUM.test(part)) return `${label} version has a leading zero`;
    if (BigInt(part) > U64_MAX) return `${label} version exceeds the largest u64`;
  }
  if (pre !== undefined) {
    for (const id of pre.split('.')) {
      if (!IDENT.test(id)) return 'pre-release identifiers must be non-empty and use [0-9A-Za-z-]';
      if (/^[0-9]+$/.test(id) && !NUM.test(id))
        return 'numeric pre-release identifiers must not have leading zeros';
    }
  }
  if (build !== undefined) {
    for (const id of build.split('.')) {
      if (!IDENT.test(id)) return 'build identifiers must be non-empty and use [0-9A-Za-z-]';
    }
  }
  return undefined;
}

/** Compares two valid semver strings by precedence; build metadata is ignored. */
export function compareSemver(a: string, b: string): number {
  const split = (v: string) => {
    const core = v.split('+')[0]!;
    const dash = core.indexOf('-');
    const main = (dash === -1 ? core : core.slice(0, dash)).split('.').map((x) => BigInt(x));
    const pre = dash === -1 ? [] : core.slice(dash + 1).split('.');
    return { main, pre };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i++) {
    const d = x.main[i]! - y.main[i]!;
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  if (x.pre.length === 0 || y.pre.length === 0)
    return y.pre.length - x.pre.length === 0 ? 0 : x.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    const pn = /^[0-9]+$/.test(p);
    const qn = /^[0-9]+$/.test(q);
    if (pn && qn) {
      const d = BigInt(p) - BigInt(q);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (pn !== qn) {
      return pn ? -1 : 1;
    } else if (p !== q) {
      return p < q ? -1 : 1;
    }
  }
  return 0;
}
