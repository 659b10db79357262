import { type CanaryPolicy, defaultCanaryPolicy, type GateFigures } from './state.js';

/** What the gates say about a canary step. */
export type GateVerdict =
  | { readonly verdict: 'wait'; readonly reason: string }
  | { readonly verdict: 'advance'; readonly reason: string }
  | { readonly verdict: 'rollback'; readonly reason: string };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

/**
 * Judges one canary step from the figures of both versions over the same window. The error
 * gate rolls back as soon as the candidate has served `minCalls`; the latency gate once its p99
 * is over `minLatencyCalls` warm calls. The step advances once it has lasted `stepMs` and both
 * gates were judged and held.
 */
export function judgeStep(
  given: CanaryPolicy,
  stable: GateFigures,
  candidate: GateFigures,
  elapsedMs: number,
): GateVerdict {
  // A rollout persisted by an older release may lack the newer policy fields.
  const policy = { ...defaultCanaryPolicy, ...given };
  if (candidate.calls < policy.minCalls) {
    return { verdict: 'wait', reason: `${candidate.calls} of ${policy.minCalls} calls needed to judge` };
  }
  const errorLimit = stable.errorRate + policy.maxErrorRateIncrease;
  if (candidate.errorRate > errorLimit) {
    return {
      verdict: 'rollback',
      reason: `error rate ${pct(candidate.errorRate)} (${candidate.errors}/${candidate.calls}) exceeds stable ${pct(stable.errorRate)} + ${pct(policy.maxErrorRateIncrease)}`,
    };
  }
  if (candidate.latencyCalls < policy.minLatencyCalls) {
    return {
      verdict: 'wait',
      reason: `${candidate.latencyCalls} of ${policy.minLatencyCalls} warm calls needed to judge p99`,
    };
  }
  // Compare what each p99 could be: the candidate's at its lowest, the stable one's at its
  // highest. Identical releases on a shared machine differ by 2-3x in raw p99 over a few
  // hundred calls (one descheduled worker); a slow release is slower in every call.
  const p99Limit = policy.maxP99Ratio * Math.max(stable.p99RangeMs[1], policy.minP99Ms);
  if (candidate.p99RangeMs[0] > p99Limit) {
    return {
      verdict: 'rollback',
      reason: `p99 ${ms(candidate.p99Ms)} (at least ${ms(candidate.p99RangeMs[0])}) over ${candidate.latencyCalls} calls exceeds ${policy.maxP99Ratio}x stable p99 ${ms(stable.p99Ms)} (at most ${ms(stable.p99RangeMs[1])}; limit ${ms(p99Limit)})`,
    };
  }
  if (elapsedMs < policy.stepMs) {
    return {
      verdict: 'wait',
      reason: `gates hold; step ends in ${Math.ceil((policy.stepMs - elapsedMs) / 1000)} s`,
    };
  }
  return {
    verdict: 'advance',
    reason: `gates held for ${Math.round(elapsedMs / 1000)} s: error rate ${pct(candidate.errorRate)} vs ${pct(stable.errorRate)}, p99 ${ms(candidate.p99Ms)} vs ${ms(stable.p99Ms)}`,
  };
}

/**
 * The fractions of a window's `n` sorted latencies between which its true `q` quantile lies
 * with 95% confidence: the rank of the quantile is binomial(n, q), taken here in its normal
 * approximation. Read the window's quantiles at these fractions for the range.
 */
export function quantileRange(n: number, q: number): readonly [low: number, high: number] {
  if (n === 0) return [q, q];
  const spread = 1.96 * Math.sqrt(n * q * (1 - q));
  return [Math.max(0, (n * q - spread) / n), Math.min(1, (n * q + spread + 1) / n)];
}
