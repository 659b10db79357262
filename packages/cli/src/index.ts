/**
 * The `witkit` command line, also usable as a library.
 *
 * @packageDocumentation
 */
export { type CliIo, runCli } from './cli.js';
export {
  type DoctorCheck,
  type DoctorOptions,
  findWitkitMonorepo,
  formatDoctor,
  minimumNodeMajor,
  minimumNodeVersion,
  runDoctor,
  versionAtLeast,
} from './commands/doctor.js';
