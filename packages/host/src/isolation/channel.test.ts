import { describe, expect, it } from 'vitest';
import { Channel, createChannelMemory, State } from './channel.js';

/** Both ends of one channel: what `from` sends, `to` reads, through the same shared memory. */
function pair(maxBytes?: number) {
  const memory = createChannelMemory(maxBytes);
  return { from: new Channel(memory), to: new Channel(memory) };
}

const roundTrip = (items: unknown[], ends = pair()) => {
  ends.from.send(State.Call, items);
  expect(ends.to.state).toBe(State.Call);
  return ends.to.read();
};

describe('the worker channel', () => {
  it('carries primitives, strings and bytes exactly', () => {
    const items = [
      undefined,
      null,
      true,
      false,
      0,
      -0,
      1,
      -1,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      2 ** 32 - 1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.MIN_VALUE,
      0n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 64n - 1n,
      '',
      'plain',
      'ünïcödé ✓ 😀',
      new Uint8Array(),
      new Uint8Array([0, 1, 255]),
    ];
    const read = roundTrip(items);
    expect(read).toEqual(items);
    expect(Object.is(read[5], -0)).toBe(true);
    expect(read.at(-1)).toBeInstanceOf(Uint8Array);
  });

  it('falls back to structured clone for everything else, losing nothing', () => {
    const items = [
      { output: new Uint8Array([1, 2]), contentType: 'text/plain', itemsProcessed: 1 },
      [['mode', 'upper']],
      new Map([['k', 1n]]),
      2n ** 64n,
      -(2n ** 63n) - 1n,
      // A lone surrogate has no UTF-8 form.
      '\ud800x',
      new Uint16Array([1, 2]),
    ];
    expect(roundTrip(items)).toEqual(items);
  });

  it('hands out copies: the next payload does not change what was read', () => {
    const ends = pair();
    const [bytes] = roundTrip([new Uint8Array([7, 7, 7])], ends) as [Uint8Array];
    const [record] = roundTrip([{ body: new Uint8Array([8, 8, 8]) }], ends) as [{ body: Uint8Array }];
    roundTrip([new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])], ends);
    roundTrip([{ body: new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]) }], ends);
    expect(bytes).toEqual(new Uint8Array([7, 7, 7]));
    expect(record.body).toEqual(new Uint8Array([8, 8, 8]));
    expect(bytes.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(record.body.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('grows for large payloads, seen from both ends, up to its limit', () => {
    const ends = pair(4 * 1024 * 1024);
    // Past the 64 KiB it starts with: grown by the sender, found by the reader.
    const big = 'é'.repeat(100_000);
    const bytes = new Uint8Array(300_000).fill(3);
    const [text, read] = roundTrip([big, bytes], ends) as [string, Uint8Array];
    expect(text === big).toBe(true);
    expect(Buffer.compare(read, bytes)).toBe(0);
    const list = Array.from({ length: 100_000 }, (_, i) => i);
    expect((roundTrip([list], ends)[0] as number[]).every((n, i) => n === i)).toBe(true);
    expect(() => ends.from.send(State.Call, [new Uint8Array(5 * 1024 * 1024)])).toThrow(
      /exceeds the channel's 4194304/,
    );
  });

  it('passes the stdio mark once', () => {
    const { from, to } = pair();
    expect(to.takeStdioMark()).toBe(false);
    from.markStdio();
    expect(to.takeStdioMark()).toBe(true);
    expect(to.takeStdioMark()).toBe(false);
  });
});
