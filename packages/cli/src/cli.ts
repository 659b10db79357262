import { createRequire } from 'node:module';
import { isBindgenError } from '@witkit/bindgen-rust';
import { isBindgenTsError } from '@witkit/bindgen-ts';
import { isBuildError } from '@witkit/build';
import { isDeployError, isStoreError } from '@witkit/deploy';
import { isManifestError } from '@witkit/security';
import { isWitError } from '@witkit/wit';
import { Command } from 'commander';
import type { DeployFlags, DeployPlaces, PublishFlags } from './commands/deploy.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Streams the CLI writes to; injectable for tests. */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs the `witkit` command line with `argv` (without the node and script entries) and
 * resolves to the exit code: 0 success, 1 a user-facing failure, 2 bad usage, 70 a bug.
 */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let exitCode = 0;
  const program = new Command('witkit')
    .description('Build, check, publish and deploy WebAssembly component plugins')
    .version(version)
    .exitOverride()
    // So `witkit run x.wasm --flag` passes `--flag` to the command.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });

  program
    .command('doctor')
    .description('report each toolchain piece as found or missing, with the command that fixes it')
    .action(async () => {
      const { runDoctor, formatDoctor } = await import('./commands/doctor.js');
      const checks = await runDoctor();
      io.out(formatDoctor(checks));
      if (checks.some((c) => c.required && c.status === 'missing')) exitCode = 1;
    });

  program
    .command('build')
    .description('build plugin packages into WebAssembly components')
    .argument('[dirs...]', 'plugin folders (default: the current folder)')
    .action(async (dirs: string[]) => {
      const { runBuild } = await import('./commands/build.js');
      await runBuild(dirs, io.out);
    });

  const collect = (value: string, all: string[]) => [...all, value];
  program
    .command('run')
    .description('run a WASI command component (wasi:cli/run) with this stdin; exits with its exit code')
    .argument('<component>', 'the command component (.wasm)')
    .argument('[args...]', "the command's arguments (after its name)")
    .option('--env <KEY=VALUE>', 'set a variable for the command (repeatable)', collect, [])
    .option('--env-pass <NAME>', "pass this process's variable on (repeatable)", collect, [])
    .option('--dir <host[:ro]>', 'let the command use a directory, at its own path (repeatable)', collect, [])
    .option('--timeout <ms>', 'stop the command after this many milliseconds')
    .passThroughOptions()
    .action(async (component: string, args: string[], opts: import('./commands/run.js').RunFlags) => {
      const { runRun } = await import('./commands/run.js');
      exitCode = await runRun(component, args, opts, io);
    });

  const wit = program.command('wit').description('work with WIT packages');
  wit
    .command('resolve')
    .description('resolve a WIT folder or file and print its packages, worlds, interfaces and functions')
    .argument('<path>', 'a WIT folder (with deps/) or a .wit file')
    .option('--world <world>', 'print only this world, with its interfaces in full')
    .option('--json', 'print JSON instead of an outline')
    .action(async (path: string, opts: { world?: string; json?: boolean }) => {
      const { runWitResolve } = await import('./commands/wit-resolve.js');
      await runWitResolve(path, { world: opts.world, json: opts.json === true }, io);
    });

  wit
    .command('types')
    .description(
      'write typed host bindings (and with --guest, TS plugin declarations) for the worlds of a WIT package',
    )
    .argument('<path>', 'a WIT folder (with deps/) or a .wit file')
    .requiredOption('--out <dir>', 'the folder to write into (each file written atomically)')
    .option('--world <world...>', 'only these worlds of the root package (default: all)')
    .option('--guest', 'also write guest declarations for TypeScript plugins under <out>/guest/<world>/')
    .action(async (path: string, opts: { out: string; world?: string[]; guest?: boolean }) => {
      const { runWitTypes } = await import('./commands/wit-types.js');
      await runWitTypes(path, { out: opts.out, worlds: opts.world, guest: opts.guest === true }, io);
    });

  const create = program.command('new').description('scaffold new projects');
  create
    .command('plugin')
    .description('scaffold a plugin with typed stubs of every export of a world, and a test that loads it')
    .argument('<name>', 'the plugin name, kebab-case (e.g. `my-plugin`)')
    .requiredOption('--lang <lang>', 'the plugin language: `ts` or `rust`')
    .requiredOption('--world <world>', 'the world the plugin implements, e.g. `processor-plugin`')
    .option(
      '--wit <path>',
      "a WIT folder or file of your own the world comes from (default: witkit's contracts)",
    )
    .option('--dir <dir>', 'the folder to create (default: `plugins-js/<name>` or `plugins-rust/<name>`)')
    .action(async (name: string, opts: { lang: string; world: string; wit?: string; dir?: string }) => {
      const { runNewPlugin, isScaffoldError } = await import('./commands/new-plugin.js');
      try {
        await runNewPlugin(
          name,
          { lang: opts.lang as 'ts' | 'rust', world: opts.world, wit: opts.wit, dir: opts.dir },
          io,
        );
      } catch (error) {
        if (!isScaffoldError(error)) throw error;
        io.err(`error[${error.code}]: ${error.message}`);
        exitCode = 1;
      }
    });

  create
    .command('host')
    .description(
      'scaffold a Node host for a world of your own WIT: typed stubs of its imports, a main that loads components',
    )
    .argument('<name>', 'the host package name, kebab-case (e.g. `my-host`)')
    .requiredOption('--wit <path>', 'your WIT folder (with deps/) or .wit file')
    .requiredOption('--world <world>', 'the world the host loads plugins of')
    .option('--dir <dir>', 'the folder to create (default: `<name>` in the current folder)')
    .action(async (name: string, opts: { wit: string; world: string; dir?: string }) => {
      const { runNewHost } = await import('./commands/new-host.js');
      const { isScaffoldError } = await import('./commands/new-plugin.js');
      try {
        await runNewHost(name, { wit: opts.wit, world: opts.world, dir: opts.dir }, io);
      } catch (error) {
        if (!isScaffoldError(error)) throw error;
        io.err(`error[${error.code}]: ${error.message}`);
        exitCode = 1;
      }
    });

  const bindgen = program.command('bindgen').description('generate bindings for a WIT world');
  bindgen
    .command('rust')
    .description('write one dependency-free Rust file with the bindings of a world')
    .argument('<path>', 'a WIT folder (with deps/) or a .wit file')
    .requiredOption('--world <world>', 'the world to generate bindings for')
    .requiredOption('--out <file>', 'the Rust file to write (atomically)')
    .option('--with <tool>', 'generator: `witkit` (default) or `wit-bindgen` (a binary on PATH)')
    .action(async (path: string, opts: { world: string; out: string; with?: string }) => {
      const { runBindgenRust } = await import('./commands/bindgen.js');
      await runBindgenRust(
        path,
        { world: opts.world, out: opts.out, with: opts.with as 'witkit' | 'wit-bindgen' | undefined },
        io,
      );
    });

  const places = (cmd: Command) =>
    cmd
      .option(
        '--store <store>',
        'a release store: a folder or `oci://host[:port]/namespace` (default: $WITKIT_STORE or .witkit/releases)',
      )
      .option(
        '--state <dir>',
        'the rollout state a running host follows (default: $WITKIT_STATE or .witkit/deploy)',
      )
      .option('--trust <key.pub...>', 'public keys releases must be signed with');

  places(
    program
      .command('publish')
      .description('publish a plugin folder (with plugin.toml) or a component file as a release')
      .argument('<path>', 'a plugin folder or a .wasm component')
      .option('--manifest <file>', 'the plugin.toml (default: beside the component, or in the folder)')
      .option('--version <version>', "override the manifest's version")
      .option('--min-host <version>', 'the oldest @witkit/host version the release runs on')
      .option('--sign <key>', 'sign with this ed25519 private key (see `witkit keygen`)'),
  ).action(async (path: string, opts: PublishFlags) => {
    const { runPublish } = await import('./commands/deploy.js');
    await runPublish(path, opts, io);
  });

  program
    .command('keygen')
    .description('create an ed25519 key pair for signing releases')
    .option('--out <dir>', 'where to write witkit-signing.key and witkit-signing.pub', '.')
    .action(async (opts: { out: string }) => {
      const { runKeygen } = await import('./commands/deploy.js');
      await runKeygen(opts.out, io);
    });

  places(
    program
      .command('deploy')
      .description('serve the highest release matching a semver range: a hot swap, or a canary')
      .argument('<name@range>', 'e.g. `word-stats@^2` (default range `*`)')
      .option('--canary <pct>', 'start a canary at this percentage instead of switching all traffic', Number)
      .option('--steps <pcts>', 'later canary percentages, comma-separated (default 10,25,50)')
      .option(
        '--step-seconds <s>',
        'how long each canary step lasts while its gates hold (default 30)',
        Number,
      )
      .option(
        '--min-calls <n>',
        'calls the candidate must serve in a step before its error rate is judged (default 20)',
        Number,
      )
      .option(
        '--min-latency-calls <n>',
        'warm calls the candidate must serve in a step before its p99 is judged (default 200)',
        Number,
      )
      .option('--max-p99-ratio <x>', "highest candidate p99 over the stable one's (default 2)", Number)
      .option('--wait <seconds>', 'wait until a running host serves it, showing progress', Number),
  ).action(async (target: string, opts: DeployFlags) => {
    const { runDeploy } = await import('./commands/deploy.js');
    if (!(await runDeploy(target, opts, io))) exitCode = 1;
  });

  places(
    program.command('promote').description("make a canary's candidate the stable version").argument('<name>'),
  ).action(async (name: string, opts: DeployPlaces) => {
    const { runPromote } = await import('./commands/deploy.js');
    await runPromote(name, opts, io);
  });

  places(
    program
      .command('rollback')
      .description('stop a canary, or return to an earlier release (default: the previous stable one)')
      .argument('<name[@version]>'),
  ).action(async (target: string, opts: DeployPlaces) => {
    const { runRollback } = await import('./commands/deploy.js');
    await runRollback(target, opts, io);
  });

  places(
    program
      .command('status')
      .description('releases, stable and candidate versions, canary percentages and gate figures')
      .argument('[name]')
      .option('--json', 'print JSON'),
  ).action(async (name: string | undefined, opts: DeployPlaces & { json?: boolean }) => {
    const { runStatus } = await import('./commands/deploy.js');
    await runStatus(name, opts, io);
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
    }
    if (isWitError(error)) {
      io.err(`error[${error.code}]: ${error.formatted}`);
      return 1;
    }
    if (
      isBuildError(error) ||
      isBindgenError(error) ||
      isBindgenTsError(error) ||
      isDeployError(error) ||
      isStoreError(error) ||
      isManifestError(error)
    ) {
      io.err(`error[${error.code}]: ${error.message}`);
      return 1;
    }
    io.err(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    io.err('this is a bug in witkit; please report it with the command you ran');
    return 70;
  }
}
