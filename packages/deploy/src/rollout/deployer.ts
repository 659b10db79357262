import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { LatencyHistogram, PluginHost, VersionRouter } from '@witkit/host';
import { parseManifest } from '@witkit/security';
import { findWorld } from '@witkit/wit-types';
import semver from 'semver';
import writeFileAtomic from 'write-file-atomic';
import { releaseCompatibilityCheck } from '../compat/release-check.js';
import { DeployError } from '../errors.js';
import type { ReleaseBundle } from '../release.js';
import type { VersionManager } from '../version-manager.js';
import { judgeStep, quantileRange } from './gates.js';
import { type DeployOptions, planDeploy, planPromote, planRollback } from './plan.js';
import { canaryRouter } from './router.js';
import {
  type CanaryPolicy,
  defaultCanaryPolicy,
  type GateFigures,
  type Placed,
  type PluginRollout,
  type RolloutDecision,
  RolloutStateFile,
} from './state.js';

/** Checks a release against the host and its previous release before it may load. */
export type CompatibilityCheck = (input: {
  readonly bundle: ReleaseBundle;
  readonly previous?: ReleaseBundle;
}) => Promise<void>;

/** Options of {@link Deployer}. */
export interface DeployerOptions {
  readonly host: PluginHost;
  readonly versions: VersionManager;
  /** Holds `rollouts.json`, `deploy-audit.jsonl` and the staged components. */
  readonly stateDir: string;
  /** How often the controller judges canaries and looks for state changes. @default 1000 */
  readonly tickMs?: number;
  /** How long a retired version may finish its in-flight calls. @default 10000 */
  readonly drainMs?: number;
  /**
   * Run before a release loads; throw to refuse it. `false` skips it.
   * @default {@link releaseCompatibilityCheck}: the release's WIT, structurally, against the
   *   host's contract for its world and against the release it replaces
   */
  readonly checkCompatibility?: CompatibilityCheck | false;
}

/** A version the host serves, with the metrics baseline of the current canary step. */
interface Window {
  readonly calls: number;
  readonly errors: number;
  readonly latency: LatencyHistogram;
}

/** What the host serves for one plugin right now. */
interface LiveRoute {
  /** The stable release (its record, so a refused switch can put it back in the state). */
  stable?: Placed | undefined;
  candidate?: string | undefined;
  percent?: number | undefined;
  step?: number | undefined;
  windows?: { stable: Window; candidate: Window } | undefined;
  /** The candidate once it has served its warm-up calls (its latency counts from then on). */
  warm?: string | undefined;
}

/** One plugin in {@link Deployer.status}. */
export interface PluginStatusReport extends PluginRollout {
  readonly name: string;
  /** Versions this host has loaded for the plugin. */
  readonly loaded: readonly string[];
}

/**
 * The rollout controller of a running host: brings the host in line with the rollout state
 * (which the API and the `witkit` CLI change), hot-swaps versions without failing a call,
 * steps canaries up while their gates hold and rolls them back when a gate breaks. Every
 * decision is persisted, audited (`deploy-audit.jsonl`, the `deploy.decision` event) and
 * survives a restart: `start()` resumes where the state says.
 */
export class Deployer {
  readonly state: RolloutStateFile;
  readonly #options: DeployerOptions;
  readonly #host: PluginHost;
  readonly #compatible: CompatibilityCheck | undefined;
  readonly #serving = new Map<string, LiveRoute>();
  readonly #follows = new Map<string, { range: string; options: DeployOptions; refused: Set<string> }>();
  #generation = -1;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DeployerOptions) {
    this.#options = options;
    this.#host = options.host;
    this.#compatible =
      options.checkCompatibility === false
        ? undefined
        : (options.checkCompatibility ?? releaseCompatibilityCheck());
    this.state = new RolloutStateFile(join(resolve(options.stateDir), 'rollouts.json'));
  }

  /** Resumes the persisted rollouts and starts the controller loop. */
  async start(): Promise<void> {
    await this.#serial(() => this.#reconcileAll());
    this.#timer = setInterval(() => void this.tick().catch(() => {}), this.#options.tickMs ?? 1000);
    this.#timer.unref();
  }

  /** Stops the controller loop (the host keeps serving what it serves). */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Deploys `name@range`: a full switch (load the new version, switch, drain the old one) or a
   * canary. Resolves once the host serves it.
   *
   * @throws {DeployError} `WITKIT_DEPLOY_FAILED` (with the cause) when the release cannot load;
   *   the previous version keeps serving
   */
  async deploy(name: string, range = '*', options: DeployOptions = {}): Promise<RolloutDecision> {
    const { decision } = await planDeploy(this.state, this.#options.versions, name, range, options);
    this.#publish(decision);
    await this.#serial(() => this.#reconcileAll());
    this.#throwIfRefused(name, decision);
    return decision;
  }

  /** Makes the running canary's candidate the stable version. */
  async promote(name: string): Promise<RolloutDecision> {
    const decision = await planPromote(this.state, name);
    this.#publish(decision);
    await this.#serial(() => this.#reconcileAll());
    return decision;
  }

  /** Stops a canary, or returns to `version` (default: the previous stable version). */
  async rollback(name: string, version?: string): Promise<RolloutDecision> {
    const decision = await planRollback(
      this.state,
      this.#options.versions,
      name,
      version === undefined ? {} : { version },
    );
    this.#publish(decision);
    await this.#serial(() => this.#reconcileAll());
    this.#throwIfRefused(name, decision);
    return decision;
  }

  /**
   * Deploys each newly published release of `name` that satisfies `range` (checked every tick):
   * as a canary when `options.canary` is set. A release that was refused is not tried again.
   */
  follow(name: string, range = '*', options: DeployOptions = {}): void {
    this.#follows.set(name, { range, options: { ...options, by: 'controller' }, refused: new Set() });
  }

  /** Rollouts as persisted, with the versions this host has loaded. */
  status(): PluginStatusReport[] {
    const loaded = this.#host.list();
    return Object.entries(this.state.read().plugins).map(([name, rollout]) => ({
      name,
      ...rollout,
      loaded: loaded.filter((p) => p.name === name).map((p) => p.version),
    }));
  }

  /** One controller step: pick up state changes, follow publications, judge canaries. */
  tick(): Promise<void> {
    return this.#serial(async () => {
      await this.#reconcileAll();
      for (const [name, follow] of this.#follows) await this.#follow(name, follow);
      for (const [name, serving] of this.#serving) if (serving.candidate) await this.#judge(name, serving);
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #throwIfRefused(name: string, decision: RolloutDecision): void {
    const history = this.state.read().plugins[name]?.history ?? [];
    const refusal = history
      .slice(history.findIndex((d) => d.at === decision.at && d.to === decision.to) + 1)
      .find((d) => d.action === 'refused' && d.to === decision.to);
    if (refusal) throw new DeployError('WITKIT_DEPLOY_FAILED', name, refusal.reason);
  }

  async #follow(name: string, follow: { range: string; options: DeployOptions; refused: Set<string> }) {
    const latest = await this.#options.versions.resolve(name, follow.range).catch(() => undefined);
    const rollout = this.state.read().plugins[name];
    if (!latest || follow.refused.has(latest.version)) return;
    const current = rollout?.candidate?.version ?? rollout?.stable?.version;
    if (current !== undefined && !semver.gt(latest.version, current)) return;
    try {
      const { decision } = await planDeploy(
        this.state,
        this.#options.versions,
        name,
        latest.version,
        follow.options,
      );
      this.#publish(decision);
      await this.#reconcileAll();
      this.#throwIfRefused(name, decision);
    } catch {
      follow.refused.add(latest.version);
    }
  }

  async #reconcileAll(): Promise<void> {
    const state = this.state.read();
    if (state.generation === this.#generation) return;
    // What was read is what gets reconciled: a change written meanwhile (by the CLI, or by
    // deploy() while a drain is awaited) has a later generation and is picked up next.
    this.#generation = state.generation;
    for (const [name, rollout] of Object.entries(state.plugins)) await this.#reconcile(name, rollout);
  }

  /**
   * Writes this host's own bookkeeping (what it serves, gate figures, a refusal that puts the
   * state back to what serves). Such a write needs no reconciling, unless someone else wrote
   * since this host last reconciled.
   */
  async #record(name: string, change: (current: PluginRollout) => PluginRollout | undefined): Promise<void> {
    const reconciled = this.#generation;
    let wrote = false;
    const after = await this.state.update(name, (current) => {
      const next = change(current);
      wrote = next !== undefined;
      return next;
    });
    if (wrote && after.generation === reconciled + 1) this.#generation = after.generation;
  }

  /** Brings what the host serves for `name` in line with `want`. */
  async #reconcile(name: string, want: PluginRollout): Promise<void> {
    const serving = this.#serving.get(name) ?? {};
    this.#serving.set(name, serving);
    const retire: string[] = [];
    const serves = serving.stable;
    if (want.stable && want.stable.version !== serves?.version) {
      try {
        await this.#ensureLoaded(name, want.stable.version, serves?.version);
        if (serves !== undefined) retire.push(serves.version);
        serving.stable = want.stable;
      } catch (error) {
        // The version that serves now stays the stable one.
        await this.#refuse(name, want.stable.version, error, ({ stable: _failed, ...rest }) =>
          serves ? { ...rest, stable: serves } : rest,
        );
      }
    } else if (want.stable) {
      serving.stable = want.stable;
    }
    const wantCandidate = want.candidate?.version;
    if (wantCandidate !== serving.candidate) {
      if (serving.candidate !== undefined && serving.candidate !== serving.stable?.version)
        retire.push(serving.candidate);
      serving.candidate = undefined;
      serving.windows = undefined;
      serving.warm = undefined;
      if (wantCandidate !== undefined) {
        try {
          await this.#ensureLoaded(name, wantCandidate, serving.stable?.version);
          serving.candidate = wantCandidate;
        } catch (error) {
          await this.#refuse(name, wantCandidate, error, ({ candidate: _failed, ...rest }) => rest);
        }
      }
    }
    if (serving.candidate !== undefined && want.candidate) {
      if (serving.step !== want.candidate.step || !serving.windows) {
        serving.windows = {
          stable: this.#window(name, serving.stable?.version),
          candidate: this.#window(name, serving.candidate),
        };
      }
      serving.percent = want.candidate.percent;
      serving.step = want.candidate.step;
    }
    this.#route(name, serving);
    for (const version of retire) {
      if (version === serving.stable?.version || version === serving.candidate) continue;
      await this.#host.unload(name, { version, deadlineMs: this.#options.drainMs ?? 10_000 }).catch(() => {});
    }
    await this.#reportServing(name, serving);
  }

  /** Records in the state what this host now serves, when it changed. */
  async #reportServing(name: string, live: LiveRoute): Promise<void> {
    const now = {
      ...(live.stable === undefined ? {} : { stable: live.stable.version }),
      ...(live.candidate === undefined ? {} : { candidate: live.candidate, percent: live.percent ?? 0 }),
    };
    await this.#record(name, (r) => {
      const had = r.serving;
      if (had && had.stable === now.stable && had.candidate === now.candidate && had.percent === now.percent)
        return undefined;
      return {
        ...r,
        serving: { ...now, at: new Date().toISOString(), host: `${process.pid}@${hostname()}` },
      };
    });
  }

  #route(name: string, serving: LiveRoute): void {
    const { candidate, percent } = serving;
    const stable = serving.stable?.version;
    let router: VersionRouter | undefined;
    if (stable === undefined) router = candidate === undefined ? undefined : () => candidate;
    else if (candidate === undefined || !percent) router = () => stable;
    else router = canaryRouter(name, stable, candidate, percent);
    this.#host.route(name, router);
  }

  /** Fetches, checks, stages and loads `name@version` and health-checks it, unless it is loaded. */
  async #ensureLoaded(name: string, version: string, previousVersion: string | undefined): Promise<void> {
    if (this.#host.list().some((p) => p.name === name && p.version === version)) return;
    const versions = this.#options.versions;
    const bundle = await versions.fetch(name, version);
    if (this.#compatible) {
      const previous =
        previousVersion === undefined
          ? undefined
          : await versions.store.get(name, previousVersion).catch(() => undefined);
      await this.#compatible({ bundle, ...(previous ? { previous } : {}) });
    }
    const dir = join(resolve(this.#options.stateDir), 'components');
    const path = join(dir, `${bundle.release.sha256}.wasm`);
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      await writeFileAtomic(path, Buffer.from(bundle.component), { fsync: true });
    }
    const plugin = await this.#host.load({
      path,
      name,
      version,
      sha256: bundle.release.sha256,
      ...(bundle.manifest === undefined
        ? {}
        : { manifest: parseManifest(bundle.manifest, `${name}@${version}/plugin.toml`) }),
    });
    try {
      // A version only serves once it answers: the first export of every contracts world
      // is `get-metadata`.
      const probe = findWorld(plugin.world)?.exports[0];
      if (probe) await plugin.call(probe, 'getMetadata', []);
    } catch (cause) {
      await this.#host.unload(name, { version }).catch(() => {});
      throw new DeployError('WITKIT_DEPLOY_FAILED', name, `version ${version} failed its health check`, {
        cause,
      });
    }
  }

  async #refuse(
    name: string,
    version: string,
    error: unknown,
    revert: (rollout: PluginRollout) => PluginRollout,
  ): Promise<void> {
    // The messages already name the plugin; the decision names it too.
    const unprefixed = (e: unknown) =>
      (e instanceof Error ? e.message : String(e)).replace(/^(plugin `[^`]*`: )+/, '');
    const message = unprefixed(error);
    const cause = (error as { cause?: unknown }).cause;
    const decision: RolloutDecision = {
      at: new Date().toISOString(),
      plugin: name,
      action: 'refused',
      to: version,
      reason:
        cause === undefined || message.includes(unprefixed(cause))
          ? message
          : `${message}: ${unprefixed(cause)}`,
      by: 'controller',
    };
    await this.#record(name, (r) => {
      const reverted = revert(r);
      return { ...reverted, history: [...reverted.history, decision] };
    });
    this.state.audit(decision);
    this.#publish(decision);
  }

  #window(name: string, version: string | undefined): Window {
    const m = this.#host.get(name, version === undefined ? {} : { version }).metrics;
    return { calls: m.calls, errors: m.errors, latency: m.latency.clone() };
  }

  #figures(name: string, version: string, since: Window, warm = true): GateFigures {
    const m = this.#host.get(name, { version }).metrics;
    const calls = m.calls - since.calls;
    const errors = m.errors - since.errors;
    const latency = m.latency.since(since.latency);
    const [low, high] = quantileRange(latency.count, 0.99);
    return {
      calls,
      errors,
      errorRate: calls === 0 ? 0 : errors / calls,
      p99Ms: latency.quantile(0.99),
      p99RangeMs: [latency.quantile(low), latency.quantile(high)],
      latencyCalls: warm ? latency.count : 0,
    };
  }

  /** Starts the candidate's latency window anew once it has served its warm-up calls. */
  #warmUp(name: string, version: string, serving: LiveRoute, policy: CanaryPolicy): boolean {
    if (serving.warm === version) return true;
    const windows = serving.windows!;
    const m = this.#host.get(name, { version }).metrics;
    const warmupCalls = policy.warmupCalls ?? defaultCanaryPolicy.warmupCalls;
    if (m.calls - windows.candidate.calls < warmupCalls) return false;
    // The window restarts at the first tick after the warm-up (a histogram cannot tell which
    // of its calls came first), so a few more calls than `warmupCalls` may go uncounted.
    if (warmupCalls > 0) windows.candidate = { ...windows.candidate, latency: m.latency.clone() };
    serving.warm = version;
    return true;
  }

  async #judge(name: string, serving: LiveRoute): Promise<void> {
    const rollout = this.state.read().plugins[name];
    const candidate = rollout?.candidate;
    if (
      !candidate ||
      candidate.version !== serving.candidate ||
      !serving.windows ||
      serving.stable === undefined
    )
      return;
    const warm = this.#warmUp(name, candidate.version, serving, candidate.policy);
    const figures = {
      stable: this.#figures(name, serving.stable.version, serving.windows.stable),
      candidate: this.#figures(name, candidate.version, serving.windows.candidate, warm),
    };
    const elapsed = Date.now() - Date.parse(candidate.stepStartedAt);
    const verdict = judgeStep(candidate.policy, figures.stable, figures.candidate, elapsed);
    if (verdict.verdict === 'rollback') {
      const decision = await planRollback(this.state, this.#options.versions, name, {
        reason: `gate breached at ${candidate.percent}%: ${verdict.reason}`,
        by: 'controller',
        figures,
      });
      this.#publish(decision);
    } else if (verdict.verdict === 'advance') {
      const next = candidate.policy.steps[candidate.step + 1];
      if (next === undefined) {
        if (!candidate.policy.autoPromote) return;
        this.#publish(
          await planPromote(this.state, name, `every step held: ${verdict.reason}`, 'controller'),
        );
      } else {
        let decision: RolloutDecision | undefined;
        await this.state.update(name, (r) => {
          if (r.candidate?.version !== candidate.version) return undefined;
          const { verdict: _lastStep, ...current } = r.candidate;
          decision = {
            at: new Date().toISOString(),
            plugin: name,
            action: 'step',
            ...(r.stable ? { from: r.stable.version } : {}),
            to: candidate.version,
            percent: next,
            reason: `${candidate.percent}% -> ${next}%: ${verdict.reason}`,
            figures,
            by: 'controller',
          };
          return {
            ...r,
            candidate: {
              ...current,
              percent: next,
              step: current.step + 1,
              stepStartedAt: decision.at,
              figures,
            },
            history: [...r.history, decision],
          };
        });
        if (decision) {
          this.state.audit(decision);
          this.#publish(decision);
        }
      }
    } else {
      await this.#record(name, (r) =>
        r.candidate?.version === candidate.version
          ? { ...r, candidate: { ...r.candidate, figures, verdict: verdict.reason } }
          : undefined,
      );
      return;
    }
    await this.#reconcileAll();
  }

  /** Publishes a decision on the host's event bus as `deploy.decision`. */
  #publish(decision: RolloutDecision): void {
    this.#host.publish('deploy.decision', JSON.stringify(decision), 'deployer');
  }
}
