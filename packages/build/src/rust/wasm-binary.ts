// The few bits of the core wasm binary format the Rust pipeline reads and rewrites itself.

/** Reads an unsigned LEB128 number at `at`; returns it and the offset after it. */
export function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new RangeError('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, i];
    shift += 7;
  }
}

/** Encodes an unsigned LEB128 number. */
export function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v % 128;
    v = Math.floor(v / 128);
    out.push(v > 0 ? byte | 0x80 : byte);
  } while (v > 0);
  return out;
}

/** One section of a core module: its id, and where its id byte, body and end are. */
export interface CoreSection {
  readonly id: number;
  readonly header: number;
  readonly start: number;
  readonly end: number;
}

/** The sections of a core module, in order (the 8-byte preamble is skipped, not checked). */
export function* coreSections(module: Uint8Array): Generator<CoreSection> {
  let at = 8;
  while (at < module.length) {
    const [size, start] = readLeb(module, at + 1);
    yield { id: module[at]!, header: at, start, end: start + size };
    at = start + size;
  }
}
