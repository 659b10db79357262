import { describe, expect, it } from 'vitest';
import { workerExecArgv } from './worker-exec-argv.js';

describe('workerExecArgv', () => {
  it('drops --input-type in both its forms and keeps every other flag', () => {
    expect(workerExecArgv(['--input-type=module', '--no-warnings'])).toEqual(['--no-warnings']);
    expect(workerExecArgv(['--input-type', 'module', '--stack-size=2000'])).toEqual(['--stack-size=2000']);
    expect(workerExecArgv(['--enable-source-maps', '--conditions', 'dev'])).toEqual([
      '--enable-source-maps',
      '--conditions',
      'dev',
    ]);
  });
});
