import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { DeployError } from '../errors.js';

/** How a canary advances and when it is rolled back. */
export interface CanaryPolicy {
  /** Percentages of traffic the candidate gets, in order; the last step before promotion. */
  readonly steps: readonly number[];
  /** Time each step lasts before the next one (if the gates hold). */
  readonly stepMs: number;
  /** Calls the candidate must have served in a step before its gates are judged. */
  readonly minCalls: number;
  /** Highest error rate (0-1) the candidate may have in a step, above the stable version's. */
  readonly maxErrorRateIncrease: number;
  /**
   * Highest ratio of the candidate's p99 latency to the stable version's in the same step. A
   * breach needs confidence: the lowest the candidate's p99 may be (95%) must exceed this many
   * times the highest the stable one's may be.
   */
  readonly maxP99Ratio: number;
  /**
   * p99 latencies below this many milliseconds count as equal, so the sub-millisecond jitter of
   * a fast plugin is never a breach.
   */
  readonly minP99Ms: number;
  /**
   * Calls a newly loaded candidate serves before its latency counts: its first calls run
   * unoptimised code (JIT and wasm tier-up) and would be judged as a slow release. Its errors
   * count from the first call.
   */
  readonly warmupCalls: number;
  /**
   * Calls (after warm-up) the candidate must have served in a step before its p99 is judged.
   * With fewer, the p99 is just the slowest call or two, and one scheduling hiccup would roll a
   * good release back. A step does not advance before both gates could be judged.
   */
  readonly minLatencyCalls: number;
  /** Promote automatically after the last step. */
  readonly autoPromote: boolean;
}

/**
 * The default canary: 10, 25, 50% for 30 s each; +5 points of errors, or a p99 over 2x the
 * stable one's (judged over at least 200 warm calls), rolls back.
 */
export const defaultCanaryPolicy: CanaryPolicy = {
  steps: [10, 25, 50],
  stepMs: 30_000,
  minCalls: 20,
  maxErrorRateIncrease: 0.05,
  maxP99Ratio: 2,
  minP99Ms: 1,
  warmupCalls: 20,
  minLatencyCalls: 200,
  autoPromote: true,
};

/** Figures of one version over a canary step, as the gates judged them. */
export interface GateFigures {
  readonly calls: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly p99Ms: number;
  /**
   * The range the true p99 lies in with 95% confidence, from the order statistics of the
   * window (distribution-free): with few calls it is wide, so a few slow calls decide nothing.
   */
  readonly p99RangeMs: readonly [low: number, high: number];
  /** Calls the p99 is over (the candidate's exclude its warm-up). */
  readonly latencyCalls: number;
}

/** One decision, kept in the plugin's history and in the deploy audit log. */
export interface RolloutDecision {
  readonly at: string;
  readonly plugin: string;
  readonly action: 'deploy' | 'canary' | 'step' | 'promote' | 'rollback' | 'refused';
  readonly from?: string;
  readonly to?: string;
  readonly percent?: number;
  readonly reason: string;
  readonly figures?: { readonly stable?: GateFigures; readonly candidate?: GateFigures };
  /** Who decided: the host's controller or a person through the API/CLI. */
  readonly by: 'controller' | 'operator';
}

/** A released version in a rollout. */
export interface Placed {
  readonly version: string;
  readonly sha256: string;
  /** When it took this role (ISO 8601). */
  readonly since: string;
}

/** A candidate version with its canary progress. */
export interface Candidate extends Placed {
  readonly percent: number;
  /** Index into the policy's steps. */
  readonly step: number;
  readonly stepStartedAt: string;
  readonly policy: CanaryPolicy;
  /** The latest gate figures the controller saw. */
  readonly figures?: { readonly stable?: GateFigures; readonly candidate?: GateFigures };
  /** What the gates said about them, while the step goes on (e.g. what they still wait for). */
  readonly verdict?: string;
}

/** What a running host last reported serving for a plugin. */
export interface Serving {
  readonly stable?: string;
  readonly candidate?: string;
  readonly percent?: number;
  /** When the host reached this (ISO 8601). */
  readonly at: string;
  /** Which host process: `pid@hostname`. */
  readonly host: string;
}

/** Where one plugin's rollout stands. */
export interface PluginRollout {
  readonly stable?: Placed;
  readonly candidate?: Candidate;
  /** What a running host serves; the CLI compares it with `stable`/`candidate` to wait. */
  readonly serving?: Serving;
  /** Newest last, bounded. */
  readonly history: readonly RolloutDecision[];
}

/** The whole persisted state: what should be serving, per plugin. */
export interface RolloutState {
  /** Bumped on every write, so readers notice changes. */
  readonly generation: number;
  readonly plugins: Readonly<Record<string, PluginRollout>>;
}

const HISTORY_LIMIT = 200;

/**
 * The rollout state file. Writes are atomic (temp file, fsync, rename), so a crash at any point
 * leaves the previous or the next state, never a torn one; read-modify-write sequences hold a
 * lock, so a CLI and a running host can both change it.
 */
export class RolloutStateFile {
  constructor(readonly file: string) {}

  /** The JSONL log every rollout decision is appended to, beside the state file. */
  get auditFile(): string {
    return join(dirname(this.file), 'deploy-audit.jsonl');
  }

  /** Appends `decision` to {@link auditFile} (one `O_APPEND` write per line). */
  audit(decision: RolloutDecision): void {
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.auditFile, `${JSON.stringify(decision)}\n`);
  }

  /** The current state; an empty one when the file does not exist yet. */
  read(): RolloutState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { generation: 0, plugins: {} };
      throw error;
    }
    try {
      return JSON.parse(text) as RolloutState;
    } catch (cause) {
      throw new DeployError(
        'WITKIT_ROLLOUT_CONFLICT',
        '*',
        `the rollout state \`${this.file}\` is not valid JSON; restore it from a backup or delete it to start over`,
        { cause },
      );
    }
  }

  /**
   * Changes one plugin's rollout under the lock and writes the result; `change` returns the
   * new rollout (or `undefined` to leave the state as it is).
   */
  async update(
    plugin: string,
    change: (current: PluginRollout) => PluginRollout | undefined,
  ): Promise<RolloutState> {
    mkdirSync(dirname(this.file), { recursive: true });
    const release = await lockfile.lock(dirname(this.file), {
      lockfilePath: `${this.file}.lock`,
      retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      stale: 10_000,
    });
    try {
      const state = this.read();
      const next = change(state.plugins[plugin] ?? { history: [] });
      if (next === undefined) return state;
      const written: RolloutState = {
        generation: state.generation + 1,
        plugins: { ...state.plugins, [plugin]: { ...next, history: next.history.slice(-HISTORY_LIMIT) } },
      };
      await writeFileAtomic(this.file, `${JSON.stringify(written, null, 2)}\n`, { fsync: true });
      return written;
    } finally {
      await release();
    }
  }
}
