// A plugin's WASI stdout and stderr, turned into log records instead of reaching the host
// process's own streams: split into lines, capped, and flushed at the end of every call.
import { io } from '@bytecodealliance/preview2-shim';
import type { Logger as PinoLogger } from 'pino';

/** Which standard stream output came from. */
export type StdioStream = 'stdout' | 'stderr';

/**
 * What a plugin wrote, as the host logs it: a line (without its newline), or how many bytes
 * over {@link stdioLimits}`.maxBytesPerCall` were dropped.
 */
export type StdioRecord =
  | { readonly stream: StdioStream; readonly text: string; readonly truncated?: true }
  | { readonly stream: StdioStream; readonly dropped: number };

/**
 * Caps on what one plugin instance can put in the host's log, so a plugin that prints in a
 * loop cannot flood it.
 */
export const stdioLimits = {
  /** A longer line is cut here and logged with `truncated: true`; the rest of it is dropped. */
  maxLineBytes: 16 * 1024,
  /**
   * Bytes of stdout and stderr together that one call (or `initialize`, or `shutdown`) may
   * log; the rest is dropped and one record per stream says how many bytes were.
   */
  maxBytesPerCall: 256 * 1024,
} as const;

const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/** One stream's partial line and its share of the call's budget. */
class LineBuffer {
  readonly #chunks: Uint8Array[] = [];
  #bytes = 0;
  #truncated = false;
  #dropped = 0;

  constructor(
    readonly stream: StdioStream,
    readonly emit: (record: StdioRecord) => void,
  ) {}

  get pending(): boolean {
    return this.#bytes > 0 || this.#truncated || this.#dropped > 0;
  }

  /** Takes `bytes` of output; `room` is what is left of the call's budget. @returns bytes kept */
  write(bytes: Uint8Array, room: number): number {
    const kept = Math.min(bytes.length, room);
    this.#dropped += bytes.length - kept;
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl !== -1 && nl < kept; nl = bytes.indexOf(NEWLINE, start)) {
      this.#append(bytes.subarray(start, nl));
      this.#endLine();
      start = nl + 1;
    }
    if (start < kept) this.#append(bytes.subarray(start, kept));
    return kept;
  }

  #append(part: Uint8Array): void {
    const room = stdioLimits.maxLineBytes - this.#bytes;
    if (part.length > room) this.#truncated = true;
    const kept = part.subarray(0, Math.max(0, room));
    if (kept.length === 0) return;
    // Copied: the guest's buffer is reused for its next write.
    this.#chunks.push(kept.slice());
    this.#bytes += kept.length;
  }

  #endLine(): void {
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : concat(this.#chunks, this.#bytes);
    let text = decoder.decode(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    // A cut can split a UTF-8 sequence; its remains decode as U+FFFD and mean nothing.
    if (this.#truncated && text.endsWith('\uFFFD')) text = text.slice(0, -1);
    this.emit(
      this.#truncated ? { stream: this.stream, text, truncated: true } : { stream: this.stream, text },
    );
    this.#chunks.length = 0;
    this.#bytes = 0;
    this.#truncated = false;
  }

  /** Emits the partial line and the dropped-bytes count, if any. */
  flush(): void {
    if (this.#bytes > 0 || this.#truncated) this.#endLine();
    if (this.#dropped > 0) {
      this.emit({ stream: this.stream, dropped: this.#dropped });
      this.#dropped = 0;
    }
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

// jco's glue accepts only instances of the shim's own class, whose type marks its constructor private.
const ShimOutputStream = io.streams.OutputStream as unknown as new () => object;

/** A `wasi:io/streams` output stream that hands what the guest writes to a {@link LineBuffer}. */
export class CapturedStream extends ShimOutputStream {
  readonly #write: (bytes: Uint8Array) => void;

  constructor(write: (bytes: Uint8Array) => void) {
    super();
    this.#write = write;
  }

  checkWrite(): bigint {
    return BigInt(stdioLimits.maxLineBytes);
  }

  write(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  flush(): void {}

  blockingFlush(): void {}

  writeZeroes(length: bigint): void {
    this.#write(new Uint8Array(Number(length)));
  }

  blockingWriteZeroesAndFlush(length: bigint): void {
    this.#write(new Uint8Array(Number(length)));
  }

  splice(): never {
    throw { tag: 'closed' };
  }

  blockingSplice(): never {
    throw { tag: 'closed' };
  }
}

/**
 * Captures one plugin instance's stdout and stderr. Complete lines are emitted as they are
 * written; {@link flush} (at the end of every call) emits a partial last line and resets the
 * per-call budget.
 */
export class StdioCapture {
  /**
   * The `wasi:cli` interfaces to instantiate the plugin with in place of the shim's: stdout
   * and stderr captured, and neither a terminal (it is a log, so guests that colour their
   * output for terminals do not).
   */
  readonly interfaces: object;
  readonly #buffers: readonly [LineBuffer, LineBuffer];
  #used = 0;

  constructor(emit: (record: StdioRecord) => void) {
    const out = new LineBuffer('stdout', emit);
    const err = new LineBuffer('stderr', emit);
    this.#buffers = [out, err];
    const capture = (buffer: LineBuffer) => (bytes: Uint8Array) => {
      this.#used += buffer.write(bytes, Math.max(0, stdioLimits.maxBytesPerCall - this.#used));
    };
    const stdout = new CapturedStream(capture(out));
    const stderr = new CapturedStream(capture(err));
    this.interfaces = {
      stdout: { getStdout: () => stdout },
      stderr: { getStderr: () => stderr },
      terminalStdout: { getTerminalStdout: () => undefined },
      terminalStderr: { getTerminalStderr: () => undefined },
    };
  }

  /** Emits what is pending (a partial line, a count of dropped bytes) and starts a new budget. */
  flush(): void {
    // Nothing was written since the last flush: the common case, on every call.
    if (this.#used === 0) return;
    this.#used = 0;
    for (const buffer of this.#buffers) if (buffer.pending) buffer.flush();
  }
}

/**
 * Writes stdio records to `logger` (a child already tagged with the plugin): stdout lines
 * at `info`, stderr lines at `warn`, each tagged with its `stream`.
 */
export function logStdio(logger: PinoLogger): (record: StdioRecord) => void {
  const streams = {
    stdout: logger.child({ stream: 'stdout' }),
    stderr: logger.child({ stream: 'stderr' }),
  };
  return (record) => {
    const log = streams[record.stream];
    if ('dropped' in record) {
      log.warn(
        { droppedBytes: record.dropped },
        `plugin output over ${stdioLimits.maxBytesPerCall} bytes in one call was dropped`,
      );
    } else if (record.truncated) {
      log[record.stream === 'stdout' ? 'info' : 'warn']({ truncated: true }, record.text);
    } else if (record.stream === 'stdout') {
      log.info(record.text);
    } else {
      log.warn(record.text);
    }
  };
}
