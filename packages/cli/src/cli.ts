import { createRequire } from 'node:module';
import { isBuildError } from '@witkit/build';
import { Command } from 'commander';

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
    .description('Build, inspect and check WebAssembly component plugins')
    .version(version)
    .exitOverride()
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

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' ? 0 : 2;
    }
    if (isBuildError(error)) {
      io.err(`error[${error.code}]: ${error.message}`);
      return 1;
    }
    io.err(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    io.err('this is a bug in witkit; please report it with the command you ran');
    return 70;
  }
}
