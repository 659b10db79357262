import semver from 'semver';
import { DeployError } from '../errors.js';
import type { Release } from '../release.js';
import type { VersionManager } from '../version-manager.js';
import {
  type CanaryPolicy,
  defaultCanaryPolicy,
  type PluginRollout,
  type RolloutDecision,
  type RolloutStateFile,
} from './state.js';

/** How a deploy rolls out. */
export interface DeployOptions {
  /**
   * Start a canary at this percentage (1-99) instead of switching all traffic at once, or a
   * full policy (its first step is the starting percentage).
   */
  readonly canary?: number | Partial<CanaryPolicy>;
  /** Who asks. @default `operator` */
  readonly by?: RolloutDecision['by'];
}

const policyRules: { readonly [K in keyof CanaryPolicy]: readonly [(v: unknown) => boolean, string] } = {
  steps: [
    (v) =>
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((s, i) => typeof s === 'number' && s > 0 && s <= 100 && (i === 0 || s > v[i - 1])),
    'a non-empty list of rising percentages within 1-100',
  ],
  stepMs: [(v) => Number.isFinite(v) && (v as number) >= 0, 'milliseconds, 0 or more'],
  minCalls: [(v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number, 0 or more'],
  maxErrorRateIncrease: [(v) => typeof v === 'number' && v >= 0 && v <= 1, 'a fraction within 0-1'],
  maxP99Ratio: [(v) => Number.isFinite(v) && (v as number) >= 1, 'a ratio, 1 or more'],
  minP99Ms: [(v) => Number.isFinite(v) && (v as number) >= 0, 'milliseconds, 0 or more'],
  warmupCalls: [(v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number, 0 or more'],
  minLatencyCalls: [(v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number, 0 or more'],
  autoPromote: [(v) => typeof v === 'boolean', 'true or false'],
};

/** The full policy for a canary request, checked field by field. */
function policyOf(name: string, canary: number | Partial<CanaryPolicy>): CanaryPolicy {
  const invalid = (field: string, value: unknown, expected: string) =>
    new DeployError(
      'WITKIT_INVALID_CANARY_POLICY',
      name,
      `canary policy: \`${field}\` is ${typeof value === 'number' ? value : (JSON.stringify(value) ?? value)}; it must be ${expected}`,
    );
  if (typeof canary === 'number') {
    if (!(canary > 0 && canary < 100)) throw invalid('canary', canary, 'a percentage within 1-99');
    return {
      ...defaultCanaryPolicy,
      steps: [canary, ...defaultCanaryPolicy.steps.filter((s) => s > canary)],
    };
  }
  const policy = { ...defaultCanaryPolicy, ...canary };
  for (const [field, value] of Object.entries(policy)) {
    const rule = policyRules[field as keyof CanaryPolicy];
    if (!rule) {
      throw invalid(field, value, `left out: the policy's fields are ${Object.keys(policyRules).join(', ')}`);
    }
    if (!rule[0](value)) throw invalid(field, value, rule[1]);
  }
  return policy;
}

const now = () => new Date().toISOString();

/**
 * Records that `name@range` should serve: its highest matching release becomes the stable
 * version, or the candidate of a canary when `canary` is given and a stable version exists.
 * The release is fetched and checked (checksum, host version, signature) before anything is
 * written. A running host's `Deployer` carries the change out.
 *
 * @returns the release chosen and the decision recorded
 * @throws {DeployError} `WITKIT_INVALID_CANARY_POLICY` naming the field of `canary` that is wrong
 */
export async function planDeploy(
  state: RolloutStateFile,
  versions: VersionManager,
  name: string,
  range: string,
  options: DeployOptions = {},
): Promise<{ release: Release; decision: RolloutDecision }> {
  const policy = options.canary === undefined ? undefined : policyOf(name, options.canary);
  const release = await versions.resolve(name, range);
  await versions.fetch(name, release.version);
  const placed = { version: release.version, sha256: release.sha256, since: now() };
  let decision: RolloutDecision | undefined;
  await state.update(name, (current) => {
    const by = options.by ?? 'operator';
    if (policy !== undefined && current.stable && current.stable.version !== release.version) {
      decision = {
        at: placed.since,
        plugin: name,
        action: 'canary',
        from: current.stable.version,
        to: release.version,
        percent: policy.steps[0]!,
        reason: `canary of ${release.version} at ${policy.steps[0]}% (steps ${policy.steps.join(', ')}%)`,
        by,
      };
      return {
        ...current,
        candidate: { ...placed, percent: policy.steps[0]!, step: 0, stepStartedAt: placed.since, policy },
        history: [...current.history, decision],
      };
    }
    decision = {
      at: placed.since,
      plugin: name,
      action: 'deploy',
      ...(current.stable ? { from: current.stable.version } : {}),
      to: release.version,
      reason: current.stable ? `switch from ${current.stable.version} to ${release.version}` : `first deploy`,
      by,
    };
    const { candidate: _dropped, ...rest } = current;
    return { ...rest, stable: placed, history: [...current.history, decision] };
  });
  state.audit(decision!);
  return { release, decision: decision! };
}

/**
 * Makes the candidate the stable version.
 *
 * @throws {DeployError} `WITKIT_ROLLOUT_CONFLICT` when there is no candidate
 */
export async function planPromote(
  state: RolloutStateFile,
  name: string,
  reason = 'promoted by an operator',
  by: RolloutDecision['by'] = 'operator',
): Promise<RolloutDecision> {
  let decision: RolloutDecision | undefined;
  await state.update(name, (current) => {
    const { candidate, ...rest } = current;
    if (!candidate) {
      throw new DeployError('WITKIT_ROLLOUT_CONFLICT', name, 'has no canary candidate to promote');
    }
    decision = {
      at: now(),
      plugin: name,
      action: 'promote',
      ...(current.stable ? { from: current.stable.version } : {}),
      to: candidate.version,
      reason,
      ...(candidate.figures ? { figures: candidate.figures } : {}),
      by,
    };
    return {
      ...rest,
      stable: { version: candidate.version, sha256: candidate.sha256, since: decision.at },
      history: [...current.history, decision],
    };
  });
  state.audit(decision!);
  return decision!;
}

/** The stable version before the current one, from the history. */
function previousStable(rollout: PluginRollout): string | undefined {
  const current = rollout.stable?.version;
  for (let i = rollout.history.length - 1; i >= 0; i--) {
    const d = rollout.history[i]!;
    if (
      (d.action === 'deploy' || d.action === 'promote' || d.action === 'rollback') &&
      d.to === current &&
      d.from
    )
      return d.from;
  }
  return undefined;
}

/**
 * Rolls back: with a canary running, the candidate is dropped; otherwise the plugin returns to
 * `version`, or to the stable version before the current one. The target release is checked
 * like any deploy.
 *
 * @throws {DeployError} `WITKIT_ROLLOUT_CONFLICT` when there is nothing to roll back to
 */
export async function planRollback(
  state: RolloutStateFile,
  versions: VersionManager,
  name: string,
  options: {
    version?: string;
    reason?: string;
    by?: RolloutDecision['by'];
    figures?: RolloutDecision['figures'];
  } = {},
): Promise<RolloutDecision> {
  const current = state.read().plugins[name] ?? { history: [] };
  const by = options.by ?? 'operator';
  if (options.version === undefined && current.candidate) {
    let decision: RolloutDecision | undefined;
    await state.update(name, (latest) => {
      const { candidate, ...rest } = latest;
      if (!candidate) return undefined;
      decision = {
        at: now(),
        plugin: name,
        action: 'rollback',
        from: candidate.version,
        ...(latest.stable ? { to: latest.stable.version } : {}),
        percent: candidate.percent,
        reason: options.reason ?? 'canary stopped by an operator',
        ...(options.figures ? { figures: options.figures } : {}),
        by,
      };
      return { ...rest, history: [...latest.history, decision] };
    });
    if (decision) {
      state.audit(decision);
      return decision;
    }
  }
  const target = options.version ?? previousStable(current);
  if (target === undefined || semver.valid(target) === null) {
    throw new DeployError(
      'WITKIT_ROLLOUT_CONFLICT',
      name,
      target === undefined
        ? 'has no earlier stable version to roll back to; name one (`witkit rollback NAME@VERSION`)'
        : `\`${target}\` is not a version`,
    );
  }
  const release = await versions.resolve(name, target);
  await versions.fetch(name, release.version);
  const decision: RolloutDecision = {
    at: now(),
    plugin: name,
    action: 'rollback',
    ...(current.stable ? { from: current.stable.version } : {}),
    to: release.version,
    reason: options.reason ?? `rolled back to ${release.version} by an operator`,
    by,
  };
  await state.update(name, (latest) => {
    const { candidate: _dropped, ...rest } = latest;
    return {
      ...rest,
      stable: { version: release.version, sha256: release.sha256, since: decision.at },
      history: [...latest.history, decision],
    };
  });
  state.audit(decision);
  return decision;
}
