/**
 * WASI `error-code`s (wasi:filesystem/types@0.2) and the mapping from Node's errno codes,
 * for the syscalls the sandbox makes itself (preview2-shim keeps its own mapping private).
 */

/** The `error-code` variant of `wasi:filesystem/types`, as jco represents it: a kebab-case string. */
export type WasiErrorCode =
  | 'access'
  | 'would-block'
  | 'already'
  | 'bad-descriptor'
  | 'busy'
  | 'deadlock'
  | 'quota'
  | 'exist'
  | 'file-too-large'
  | 'illegal-byte-sequence'
  | 'in-progress'
  | 'interrupted'
  | 'invalid'
  | 'io'
  | 'is-directory'
  | 'loop'
  | 'too-many-links'
  | 'message-size'
  | 'name-too-long'
  | 'no-device'
  | 'no-entry'
  | 'no-lock'
  | 'insufficient-memory'
  | 'insufficient-space'
  | 'not-directory'
  | 'not-empty'
  | 'not-recoverable'
  | 'unsupported'
  | 'no-tty'
  | 'no-such-device'
  | 'overflow'
  | 'not-permitted'
  | 'pipe'
  | 'read-only'
  | 'invalid-seek'
  | 'text-file-busy'
  | 'cross-device';

const byErrno: Readonly<Record<string, WasiErrorCode>> = {
  EACCES: 'access',
  EAGAIN: 'would-block',
  EWOULDBLOCK: 'would-block',
  EALREADY: 'already',
  EBADF: 'bad-descriptor',
  EBUSY: 'busy',
  EDEADLK: 'deadlock',
  EDQUOT: 'quota',
  EEXIST: 'exist',
  EFBIG: 'file-too-large',
  EILSEQ: 'illegal-byte-sequence',
  EINPROGRESS: 'in-progress',
  EINTR: 'interrupted',
  EINVAL: 'invalid',
  EIO: 'io',
  EISDIR: 'is-directory',
  ELOOP: 'loop',
  EMLINK: 'too-many-links',
  EMSGSIZE: 'message-size',
  ENAMETOOLONG: 'name-too-long',
  ENODEV: 'no-device',
  ENOENT: 'no-entry',
  ENOLCK: 'no-lock',
  ENOMEM: 'insufficient-memory',
  ENOSPC: 'insufficient-space',
  ENOTDIR: 'not-directory',
  ENOTEMPTY: 'not-empty',
  ENOTRECOVERABLE: 'not-recoverable',
  ENOTSUP: 'unsupported',
  EOPNOTSUPP: 'unsupported',
  ENOTTY: 'no-tty',
  ENXIO: 'no-such-device',
  EOVERFLOW: 'overflow',
  EPERM: 'not-permitted',
  EPIPE: 'pipe',
  EROFS: 'read-only',
  ESPIPE: 'invalid-seek',
  ETXTBSY: 'text-file-busy',
  EXDEV: 'cross-device',
};

/**
 * Ends a WASI call with `code`. jco lowers a thrown string as the `err` case of the call's
 * `result<_, error-code>`, which is how preview2-shim reports errors too.
 */
export function fail(code: WasiErrorCode): never {
  throw code;
}

/** Whether `value` is an error code thrown by {@link fail} or by preview2-shim. */
export function isWasiErrorCode(value: unknown): value is WasiErrorCode {
  return typeof value === 'string';
}

/**
 * The WASI error code for a Node fs error. Anything that is not an fs error is a bug of ours
 * or of Node and is rethrown as is, so that jco turns it into a trap rather than a fake errno.
 */
export function toWasiError(error: unknown): WasiErrorCode {
  if (isWasiErrorCode(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const mapped = typeof code === 'string' ? byErrno[code] : undefined;
  if (mapped === undefined) throw error;
  return mapped;
}

/** Runs a syscall, turning a Node fs error into the matching WASI error code. */
export function sys<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    return fail(toWasiError(error));
  }
}
