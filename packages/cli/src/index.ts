/**
 * The `witkit` command line, also usable as a library.
 *
 * @packageDocumentation
 */
export { type CliIo, runCli } from './cli.js';
export { type DoctorCheck, formatDoctor, minimumNodeMajor, runDoctor } from './commands/doctor.js';
