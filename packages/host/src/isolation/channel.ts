// The synchronous channel between the host thread and a plugin's worker thread: one Int32
// state word plus a growable shared byte buffer for payloads, encoded with v8.serialize
// (structured clone: Uint8Array, bigint, Map, nested records all survive).
import { deserialize, serialize } from 'node:v8';

/** Who owns the payload buffer, and what it holds. */
export const State = {
  /** Nothing pending; the worker waits for a call. */
  Idle: 0,
  /** Host → worker: a call `[iface, fn, args]`; while it runs, the worker owns the channel. */
  Call: 1,
  /** Worker → host: the call's value. */
  Result: 2,
  /** Worker → host: the call failed; payload describes how. */
  Failure: 3,
  /** Worker → host: a host-service request `[name, method, args]`, made by the guest mid-call. */
  Service: 4,
  /** Host → worker: the service's answer `{ ok, value | thrown }`. */
  ServiceDone: 5,
  /** Worker → host, once: the instance is ready; payload lists its functions. */
  Ready: 6,
} as const;

/** Shared memory of one channel. */
export interface ChannelMemory {
  readonly state: SharedArrayBuffer;
  readonly data: SharedArrayBuffer;
}

/** Creates the shared memory of a channel (payloads up to `maxBytes`). */
export function createChannelMemory(maxBytes = 256 * 1024 * 1024): ChannelMemory {
  return {
    state: new SharedArrayBuffer(8),
    data: new SharedArrayBuffer(64 * 1024, { maxByteLength: maxBytes }),
  };
}

/** Reads and writes one channel; used on both sides. */
export class Channel {
  readonly words: Int32Array;
  readonly #data: SharedArrayBuffer;

  constructor(memory: ChannelMemory) {
    this.words = new Int32Array(memory.state);
    this.#data = memory.data;
  }

  get state(): number {
    return Atomics.load(this.words, 0);
  }

  /** Writes `value` as the payload, then publishes `state` and wakes the other side. */
  send(state: number, value: unknown): void {
    const bytes = serialize(value);
    if (bytes.length > this.#data.byteLength)
      this.#data.grow(Math.min(this.#data.maxByteLength, bytes.length * 2));
    if (bytes.length > this.#data.byteLength) {
      throw new RangeError(
        `payload of ${bytes.length} bytes exceeds the channel's ${this.#data.maxByteLength}`,
      );
    }
    new Uint8Array(this.#data, 0, bytes.length).set(bytes);
    Atomics.store(this.words, 1, bytes.length);
    Atomics.store(this.words, 0, state);
    Atomics.notify(this.words, 0);
  }

  /** Sets the state without a payload, and wakes the other side. */
  signal(state: number): void {
    Atomics.store(this.words, 0, state);
    Atomics.notify(this.words, 0);
  }

  /** The current payload. */
  read(): unknown {
    const length = Atomics.load(this.words, 1);
    // Copy out first: the buffer is shared, and deserialize must not see it change.
    return deserialize(Buffer.from(new Uint8Array(this.#data, 0, length)));
  }
}
