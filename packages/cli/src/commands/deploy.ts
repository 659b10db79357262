import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type CanaryPolicy,
  createRelease,
  DeployError,
  defaultCanaryPolicy,
  generateSigningKeys,
  LocalStore,
  OciStore,
  type PluginRollout,
  parseOciReference,
  planDeploy,
  planPromote,
  planRollback,
  type ReleaseStore,
  RolloutStateFile,
  type StoreProgress,
  VersionManager,
} from '@witkit/deploy';
import { parseManifest } from '@witkit/security';
import type { CliIo } from '../cli.js';

/** Where releases and rollout state live, from the command's options and the environment. */
export interface DeployPlaces {
  /** A folder (local store) or `oci://host[:port]/namespace`. */
  readonly store?: string | undefined;
  /** The folder of the rollout state a running host follows. */
  readonly state?: string | undefined;
  /** Public keys (PEM files) releases must be signed with. */
  readonly trust?: readonly string[] | undefined;
}

const env = process.env;

/** The release store a spec names: `oci://...` or a local folder. Credentials come from the environment. */
export function openStore(spec = env.WITKIT_STORE ?? '.witkit/releases'): ReleaseStore {
  if (!spec.startsWith('oci://')) return new LocalStore(resolve(spec));
  // A store is a repository path without a plugin name: all of it is the namespace.
  const { registry, repository } = parseOciReference(spec.replace(/\/+$/, ''));
  return new OciStore({
    registry,
    namespace: repository,
    ...(env.WITKIT_REGISTRY_USERNAME
      ? {
          credentials: {
            username: env.WITKIT_REGISTRY_USERNAME,
            password: env.WITKIT_REGISTRY_PASSWORD ?? '',
          },
        }
      : {}),
  });
}

function stateFile(places: DeployPlaces): RolloutStateFile {
  return new RolloutStateFile(
    join(resolve(places.state ?? env.WITKIT_STATE ?? '.witkit/deploy'), 'rollouts.json'),
  );
}

function versionManager(places: DeployPlaces): VersionManager {
  const trust = places.trust ?? [];
  return new VersionManager({
    store: openStore(places.store),
    ...(trust.length ? { trustedKeys: trust.map((f) => readFileSync(f, 'utf8')) } : {}),
  });
}

/** Prints transfer progress at most every 10% per step. */
function progressPrinter(io: CliIo): (p: StoreProgress) => void {
  const last = new Map<string, number>();
  return ({ step, bytes, total }) => {
    const pct = total === 0 ? 100 : Math.floor((bytes / total) * 10) * 10;
    if ((last.get(step) ?? -1) >= pct) return;
    last.set(step, pct);
    io.out(
      `  ${step.padEnd(16)} ${String(pct).padStart(3)}%  ${(bytes / 1024).toFixed(0)}/${(total / 1024).toFixed(0)} KiB`,
    );
  };
}

/** Splits `name@range` (the range may be absent). */
export function parseTarget(target: string): { name: string; range?: string } {
  const at = target.indexOf('@');
  return at <= 0 ? { name: target } : { name: target.slice(0, at), range: target.slice(at + 1) };
}

/** The options of `witkit publish`, as commander parses them. */
export interface PublishFlags extends DeployPlaces {
  /** The plugin.toml, when not beside the component or in the folder. */
  readonly manifest?: string;
  /** An ed25519 private key (PEM file) to sign with. */
  readonly sign?: string;
  readonly minHost?: string;
  readonly version?: string;
}

/**
 * `witkit publish PATH`: a plugin folder with a `plugin.toml` (its `entrypoint` names the
 * component) or a component file (with `--manifest`), as a release in the store.
 */
export async function runPublish(path: string, options: PublishFlags, io: CliIo): Promise<void> {
  const target = resolve(path);
  const isComponent = target.endsWith('.wasm');
  const manifestFile =
    options.manifest ?? (isComponent ? join(dirname(target), 'plugin.toml') : join(target, 'plugin.toml'));
  const manifestText = existsSync(manifestFile) ? await readFile(manifestFile, 'utf8') : undefined;
  const componentFile = isComponent
    ? target
    : join(
        target,
        manifestText
          ? parseManifest(manifestText, manifestFile).plugin.entrypoint
          : `${basename(target)}.wasm`,
      );
  if (!existsSync(componentFile)) {
    throw new DeployError(
      'WITKIT_INVALID_RELEASE',
      manifestText ? parseManifest(manifestText, manifestFile).plugin.name : basename(target),
      `no component at \`${componentFile}\`: build the plugin first (\`witkit build\`), or fix \`entrypoint\` in ${manifestFile}`,
    );
  }
  const bundle = await createRelease({
    component: await readFile(componentFile),
    ...(manifestText === undefined ? {} : { manifest: manifestText, manifestFile }),
    ...(options.version ? { version: options.version } : {}),
    ...(options.minHost ? { minHostVersion: options.minHost } : {}),
    ...(options.sign ? { signingKey: await readFile(options.sign, 'utf8') } : {}),
  });
  const { release } = bundle;
  const store = openStore(options.store);
  io.out(
    `publishing ${release.name}@${release.version} (${(release.size / 1024).toFixed(0)} KiB, ${release.world})`,
  );
  const onProgress = progressPrinter(io);
  let where = '';
  if (store instanceof OciStore) where = ` as ${(await store.push(bundle, { onProgress })).reference}`;
  else await store.put(bundle, { onProgress });
  io.out(
    `published ${release.name}@${release.version}${where} (component sha256:${release.sha256}${bundle.signature ? `, signed by key ${bundle.signature.keyId}` : ''})`,
  );
}

/** `witkit keygen`: an ed25519 key pair for signing releases. */
export async function runKeygen(out: string, io: CliIo): Promise<void> {
  const keys = generateSigningKeys();
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'witkit-signing.key'), keys.privateKeyPem, { mode: 0o600, flag: 'wx' });
  await writeFile(join(out, 'witkit-signing.pub'), keys.publicKeyPem, { flag: 'wx' });
  io.out(
    `key ${keys.keyId}: ${join(out, 'witkit-signing.key')} (keep secret), ${join(out, 'witkit-signing.pub')} (give to hosts)`,
  );
}

/** Waits until a running host serves what the state asks for `name`, or refuses it. */
async function waitForHost(
  state: RolloutStateFile,
  name: string,
  since: string,
  timeoutMs: number,
  io: CliIo,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let dots = 0;
  while (Date.now() < deadline) {
    const r = state.read().plugins[name];
    const refused = r?.history.find((d) => d.at >= since && d.action === 'refused');
    if (refused) {
      io.err(`error[WITKIT_DEPLOY_FAILED]: ${refused.reason}`);
      return false;
    }
    if (
      r?.serving &&
      r.serving.at >= since &&
      r.serving.stable === r.stable?.version &&
      r.serving.candidate === r.candidate?.version
    ) {
      io.out(`serving on ${r.serving.host}: ${describeServing(r)}`);
      return true;
    }
    if (++dots % 10 === 0)
      io.out(`  waiting for a host to apply it (${Math.round((deadline - Date.now()) / 1000)} s left)`);
    await new Promise((r) => setTimeout(r, 200));
  }
  io.err(
    'no running host applied the change in time; it stays recorded and a host applies it when it starts',
  );
  return false;
}

/** The options of `witkit deploy`, as commander parses them. */
export interface DeployFlags extends DeployPlaces {
  readonly canary?: number;
  /** Later percentages, comma-separated. */
  readonly steps?: string;
  readonly stepSeconds?: number;
  readonly minCalls?: number;
  readonly minLatencyCalls?: number;
  readonly maxP99Ratio?: number;
  /** Seconds to wait for a running host to serve the change. */
  readonly wait?: number;
}

/** `witkit deploy NAME@RANGE [--canary PCT]`. */
export async function runDeploy(target: string, options: DeployFlags, io: CliIo): Promise<boolean> {
  const { name, range = '*' } = parseTarget(target);
  const state = stateFile(options);
  const canary: Partial<CanaryPolicy> | undefined =
    options.canary === undefined
      ? undefined
      : {
          steps: [
            options.canary,
            ...(options.steps?.split(',').map(Number) ?? defaultCanaryPolicy.steps).filter(
              (s) => s > options.canary!,
            ),
          ],
          ...(options.stepSeconds === undefined ? {} : { stepMs: options.stepSeconds * 1000 }),
          ...(options.minCalls === undefined ? {} : { minCalls: options.minCalls }),
          ...(options.minLatencyCalls === undefined ? {} : { minLatencyCalls: options.minLatencyCalls }),
          ...(options.maxP99Ratio === undefined ? {} : { maxP99Ratio: options.maxP99Ratio }),
        };
  const { release, decision } = await planDeploy(state, versionManager(options), name, range, {
    ...(canary === undefined ? {} : { canary }),
  });
  io.out(`${name}: ${decision.reason} (release ${release.version}, sha256:${release.sha256.slice(0, 12)})`);
  return options.wait === undefined || waitForHost(state, name, decision.at, options.wait * 1000, io);
}

/** `witkit promote NAME`. */
export async function runPromote(name: string, options: DeployPlaces, io: CliIo): Promise<void> {
  const decision = await planPromote(stateFile(options), name);
  io.out(`${name}: ${decision.to} is stable (was ${decision.from ?? 'none'})`);
}

/** `witkit rollback NAME[@VERSION]`. */
export async function runRollback(target: string, options: DeployPlaces, io: CliIo): Promise<void> {
  const { name, range } = parseTarget(target);
  const decision = await planRollback(
    stateFile(options),
    versionManager(options),
    name,
    range === undefined ? {} : { version: range },
  );
  io.out(
    `${name}: rolled back from ${decision.from ?? 'none'} to ${decision.to ?? 'none'}: ${decision.reason}`,
  );
}

function describeServing(r: PluginRollout): string {
  const s = r.serving;
  if (!s) return 'no host has reported';
  return s.candidate === undefined ? `${s.stable}` : `${s.stable} + canary ${s.candidate} at ${s.percent}%`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `witkit status [NAME]`: releases, stable and candidate versions, canary figures. */
export async function runStatus(
  name: string | undefined,
  options: DeployPlaces & { json?: boolean },
  io: CliIo,
): Promise<void> {
  const plugins = Object.entries(stateFile(options).read().plugins).filter(
    ([n]) => name === undefined || n === name,
  );
  const versions = versionManager(options);
  const rows = await Promise.all(
    plugins.map(async ([n, r]) => ({
      name: n,
      ...r,
      releases: (await versions.list(n).catch(() => [])).map((x) => x.version),
    })),
  );
  if (options.json) {
    io.out(JSON.stringify(rows, null, 2));
    return;
  }
  if (rows.length === 0) io.out('no rollouts yet: `witkit deploy NAME@RANGE` starts one');
  for (const r of rows) {
    io.out(`${r.name}`);
    io.out(`  releases   ${r.releases.join(', ') || '(none in the store)'}`);
    io.out(`  stable     ${r.stable ? `${r.stable.version} since ${r.stable.since}` : '(none)'}`);
    if (r.candidate) {
      const c = r.candidate;
      io.out(
        `  candidate  ${c.version} at ${c.percent}% (step ${c.step + 1} of ${c.policy.steps.length}, since ${c.stepStartedAt})`,
      );
      const f = c.figures;
      if (f?.candidate && f.stable) {
        io.out(
          `  gates      errors ${pct(f.candidate.errorRate)} vs ${pct(f.stable.errorRate)} (max +${pct(c.policy.maxErrorRateIncrease)}) over ${f.candidate.calls} calls, p99 ${f.candidate.p99Ms.toFixed(3)} vs ${f.stable.p99Ms.toFixed(3)} ms (max ${c.policy.maxP99Ratio}x) over ${f.candidate.latencyCalls ?? 0} warm calls`,
        );
      }
      if (c.verdict) io.out(`  verdict    ${c.verdict}`);
    }
    io.out(`  serving    ${describeServing(r)}${r.serving ? ` (${r.serving.host}, ${r.serving.at})` : ''}`);
    for (const d of r.history.slice(-5)) {
      const move = d.from === undefined ? (d.to ?? '') : `${d.from} -> ${d.to ?? '(none)'}`;
      io.out(`  ${d.at}  ${d.action.padEnd(8)} ${move}  ${d.reason}`);
    }
  }
}
