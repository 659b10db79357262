// The synchronous channel between the host thread and a plugin's worker thread: a few Int32
// state words plus a growable shared byte buffer for payloads. A payload is a list of values;
// lists of primitives, strings and byte arrays (most calls and results) are written straight
// into the buffer, anything else goes through v8.serialize, whose ~1-2 us per message was
// most of a small call's cost.
import { deserialize, serialize } from 'node:v8';

/** Who owns the payload buffer, and what it holds. */
export const State = {
  /** Nothing pending; the worker waits for a call. */
  Idle: 0,
  /**
   * Host → worker: a call `[index, ...args]` of the export at `index` in the ready report's
   * order ({@link LIFECYCLE_SHUTDOWN} for the instance's `shutdown`); while it runs, the
   * worker owns the channel.
   */
  Call: 1,
  /** Worker → host: `[value]`, the call's value. */
  Result: 2,
  /** Worker → host: `[report]`, how the call failed. */
  Failure: 3,
  /** Worker → host: a host-service request `[name, method, ...args]`, made by the guest mid-call. */
  Service: 4,
  /** Host → worker: the service's answer, `[true, value]` or `[false, thrown, isError]`. */
  ServiceDone: 5,
  /** Worker → host, once: `[report]`, the instance is ready (or failed to start). */
  Ready: 6,
} as const;

/** Function index of a call to the instance's own `shutdown`. */
export const LIFECYCLE_SHUTDOWN = -1;

/** Indexes of the state words. */
const Word = {
  State: 0,
  Length: 1,
  Encoding: 2,
  /** Set by the worker when it posted stdio records the host has not taken yet. */
  Stdio: 3,
} as const;

const Encoding = { Flat: 0, V8: 1 } as const;

/** Tags of values in a flat payload. */
const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Int32: 4,
  Float64: 5,
  String: 6,
  BigInt64: 7,
  BigUint64: 8,
  Bytes: 9,
} as const;

/** Shared memory of one channel. */
export interface ChannelMemory {
  readonly state: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

/** Creates the shared memory of a channel (payloads up to `maxBytes`). */
export function createChannelMemory(maxBytes = 256 * 1024 * 1024): ChannelMemory {
  return {
    state: new SharedArrayBuffer(16),
    data: new SharedArrayBuffer(64 * 1024, { maxByteLength: maxBytes }),
  };
}

// Node 22 has no Atomics.pause; there the spin is a plain loop.
const pause = (Atomics as { pause?: () => void }).pause?.bind(Atomics) ?? (() => {});

const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

/** Reads and writes one channel; used on both sides. */
export class Channel {
  readonly words: Int32Array;
  readonly #data: SharedArrayBuffer;
  #bytes: Buffer;
  #view: DataView;

  constructor(memory: ChannelMemory) {
    this.words = new Int32Array(memory.state);
    this.#data = memory.data;
    this.#bytes = Buffer.from(memory.data);
    this.#view = new DataView(memory.data);
  }

  get state(): number {
    return Atomics.load(this.words, Word.State);
  }

  /** Writes `items` as the payload, then publishes `state` and wakes the other side. */
  send(state: number, items: readonly unknown[]): void {
    let length = this.#writeFlat(items);
    let encoding: number = Encoding.Flat;
    if (length < 0) {
      const bytes = serialize(items);
      this.#reserve(bytes.length);
      this.#bytes.set(bytes);
      length = bytes.length;
      encoding = Encoding.V8;
    }
    Atomics.store(this.words, Word.Length, length);
    Atomics.store(this.words, Word.Encoding, encoding);
    this.signal(state);
  }

  /** Sets the state without a payload, and wakes the other side. */
  signal(state: number): void {
    Atomics.store(this.words, Word.State, state);
    Atomics.notify(this.words, Word.State);
  }

  /** Sets the state without waking anyone: for states the other side does not wait for. */
  set(state: number): void {
    Atomics.store(this.words, Word.State, state);
  }

  /** The current payload. */
  read(): unknown[] {
    const length = Atomics.load(this.words, Word.Length);
    if (length > this.#bytes.length) this.#fit();
    if (Atomics.load(this.words, Word.Encoding) === Encoding.V8) {
      // Copied out first: the buffer is shared, and deserialized byte arrays are views of
      // their input, which the next payload would overwrite.
      return deserialize(new Uint8Array(this.#bytes.subarray(0, length))) as unknown[];
    }
    return this.#readFlat(length);
  }

  /**
   * Spins while `busy(state)` holds, for up to `us` microseconds: an answer that comes
   * within microseconds is seen at once, where a sleeping thread takes tens of them to wake.
   *
   * @returns the last state seen
   */
  spinWhile(busy: (state: number) => boolean, us: number): number {
    let state = Atomics.load(this.words, Word.State);
    if (!busy(state) || us <= 0) return state;
    const until = performance.now() + us / 1000;
    for (let i = 1; ; i++) {
      pause();
      state = Atomics.load(this.words, Word.State);
      if (!busy(state)) return state;
      // The clock is read now and then only: it costs more than a load.
      if ((i & 63) === 0 && performance.now() >= until) return state;
    }
  }

  /** Sleeps (blocking this thread) while the state is `state`. Not for the host thread. */
  sleepWhile(state: number): void {
    Atomics.wait(this.words, Word.State, state);
  }

  /** Worker side: notes that stdio records were posted for the host to take. */
  markStdio(): void {
    Atomics.store(this.words, Word.Stdio, 1);
  }

  /** Host side: whether stdio records were posted since the last call; clears the mark. */
  takeStdioMark(): boolean {
    return Atomics.load(this.words, Word.Stdio) !== 0 && Atomics.exchange(this.words, Word.Stdio, 0) !== 0;
  }

  /**
   * The other side may have grown the buffer; views of it have a fixed length. Checked only
   * when a view is too small: reading a growable buffer's length is not free.
   */
  #fit(): void {
    if (this.#bytes.length !== this.#data.byteLength) {
      this.#bytes = Buffer.from(this.#data);
      this.#view = new DataView(this.#data);
    }
  }

  /** Grows the buffer to hold at least `bytes`, keeping what it holds. */
  #reserve(bytes: number): void {
    if (bytes <= this.#bytes.length) return;
    this.#fit();
    if (bytes <= this.#bytes.length) return;
    if (bytes > this.#data.maxByteLength) {
      throw new RangeError(`payload of ${bytes} bytes exceeds the channel's ${this.#data.maxByteLength}`);
    }
    this.#data.grow(Math.min(this.#data.maxByteLength, Math.max(bytes, this.#bytes.length * 2)));
    this.#fit();
  }

  /** Writes `items` in the flat encoding. @returns its length, or -1 when an item needs v8 */
  #writeFlat(items: readonly unknown[]): number {
    let at = 0;
    for (const item of items) {
      // Room for the largest fixed-size item; strings and bytes reserve their own.
      if (at + 9 > this.#bytes.length) this.#reserve(at + 9);
      const bytes = this.#bytes;
      switch (typeof item) {
        case 'undefined':
          bytes[at++] = Tag.Undefined;
          break;
        case 'boolean':
          bytes[at++] = item ? Tag.True : Tag.False;
          break;
        case 'number':
          if ((item | 0) === item && (item !== 0 || 1 / item > 0)) {
            bytes[at] = Tag.Int32;
            this.#view.setInt32(at + 1, item, true);
            at += 5;
          } else {
            bytes[at] = Tag.Float64;
            this.#view.setFloat64(at + 1, item, true);
            at += 9;
          }
          break;
        case 'string': {
          // UTF-8 cannot carry a lone surrogate; v8 keeps the string exactly.
          if (!item.isWellFormed()) return -1;
          if (at + 5 + item.length * 3 > this.#bytes.length) this.#reserve(at + 5 + item.length * 3);
          const written = this.#bytes.write(item, at + 5, 'utf8');
          this.#bytes[at] = Tag.String;
          this.#view.setUint32(at + 1, written, true);
          at += 5 + written;
          break;
        }
        case 'bigint':
          if (item < MIN_INT64 || item > MAX_UINT64) return -1;
          bytes[at] = item < 0n ? Tag.BigInt64 : Tag.BigUint64;
          if (item < 0n) this.#view.setBigInt64(at + 1, item, true);
          else this.#view.setBigUint64(at + 1, item, true);
          at += 9;
          break;
        case 'object':
          if (item === null) {
            bytes[at++] = Tag.Null;
            break;
          }
          if (!(item instanceof Uint8Array)) return -1;
          this.#reserve(at + 5 + item.length);
          this.#bytes[at] = Tag.Bytes;
          this.#view.setUint32(at + 1, item.length, true);
          this.#bytes.set(item, at + 5);
          at += 5 + item.length;
          break;
        default:
          return -1;
      }
    }
    return at;
  }

  #readFlat(length: number): unknown[] {
    const bytes = this.#bytes;
    const view = this.#view;
    const items: unknown[] = [];
    for (let at = 0; at < length; ) {
      const tag = bytes[at]!;
      switch (tag) {
        case Tag.Undefined:
          items.push(undefined);
          at += 1;
          break;
        case Tag.Null:
          items.push(null);
          at += 1;
          break;
        case Tag.False:
        case Tag.True:
          items.push(tag === Tag.True);
          at += 1;
          break;
        case Tag.Int32:
          items.push(view.getInt32(at + 1, true));
          at += 5;
          break;
        case Tag.Float64:
          items.push(view.getFloat64(at + 1, true));
          at += 9;
          break;
        case Tag.BigInt64:
          items.push(view.getBigInt64(at + 1, true));
          at += 9;
          break;
        case Tag.BigUint64:
          items.push(view.getBigUint64(at + 1, true));
          at += 9;
          break;
        case Tag.String:
        case Tag.Bytes: {
          const end = at + 5 + view.getUint32(at + 1, true);
          // Bytes are copied out: the next payload reuses the buffer.
          items.push(
            tag === Tag.String
              ? bytes.toString('utf8', at + 5, end)
              : new Uint8Array(bytes.subarray(at + 5, end)),
          );
          at = end;
          break;
        }
        default:
          throw new Error(`corrupt channel payload: tag ${tag} at byte ${at}`);
      }
    }
    return items;
  }
}
