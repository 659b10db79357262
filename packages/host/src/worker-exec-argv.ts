/**
 * The Node flags a worker thread of the host starts with: the process's own, less those a
 * worker refuses. A worker inherits `process.execArgv`, and one started from a file fails with
 * `ERR_INPUT_TYPE_NOT_ALLOWED` when the host was run as `node --input-type=module -e ...`, so
 * `--input-type` is dropped, in both its `--input-type=module` and `--input-type module` forms.
 *
 * @param execArgv - the flags to filter. @default `process.execArgv`
 */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    if (flag === '--input-type') {
      // The value is the next argument.
      i++;
      continue;
    }
    if (flag.startsWith('--input-type=')) continue;
    kept.push(flag);
  }
  return kept;
}
