import type { CanaryPolicy, GateFigures } from './state.js';

/** What the gates say about a canary step. */
export type GateVerdict =
  | { readonly verdict: 'wait'; readonly reason: string }
  | { readonly verdict: 'advance'; readonly reason: string }
  | { readonly verdict: 'rollback'; readonly reason: string };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x.toFixed(3)} ms`;

/**
 * Judges one canary step from the figures of both versions over the same window: a breach of
 * either gate rolls back as soon as the candidate has served `minCalls`; otherwise the step
 * advances once it has lasted `stepMs`. p99 latencies below `minP99Ms` count as equal, so
 * microsecond noise of a fast plugin does not roll it back.
 */
export function judgeStep(
  policy: CanaryPolicy & { readonly minP99Ms?: number },
  stable: GateFigures,
  candidate: GateFigures,
  elapsedMs: number,
): GateVerdict {
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
  const p99Limit = policy.maxP99Ratio * Math.max(stable.p99Ms, policy.minP99Ms ?? 1);
  if (candidate.p99Ms > p99Limit) {
    return {
      verdict: 'rollback',
      reason: `p99 ${ms(candidate.p99Ms)} exceeds ${policy.maxP99Ratio}x stable p99 ${ms(stable.p99Ms)} (limit ${ms(p99Limit)})`,
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
