// Caps the linear memories of core wasm modules by rewriting their declared maximum before
// compiling, so the engine itself refuses `memory.grow` beyond the cap: no polling, no
// per-call cost, and a plugin cannot outgrow it between checks.

/** Bytes per wasm page. */
export const PAGE = 65_536;

interface Leb {
  value: number;
  next: number;
}

function readLeb(bytes: Uint8Array, at: number): Leb {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new RangeError('truncated LEB128');
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i };
    shift += 7;
  }
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** A memory a module defines itself (not an imported one). */
export interface DefinedMemory {
  /** Initial size in pages. */
  readonly initialPages: number;
  /** Declared maximum in pages, if any. */
  readonly maximumPages: number | undefined;
  /** Shared or 64-bit memories are left alone. */
  readonly plain: boolean;
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

function sections(bytes: Uint8Array): Array<{ id: number; start: number; end: number; header: number }> {
  if (!MAGIC.every((b, i) => bytes[i] === b))
    throw new TypeError('not a core wasm module (bad magic or version)');
  const out: Array<{ id: number; start: number; end: number; header: number }> = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const size = readLeb(bytes, at + 1);
    out.push({ id, header: at, start: size.next, end: size.next + size.value });
    at = size.next + size.value;
  }
  return out;
}

interface MemoryEntry extends DefinedMemory {
  readonly flags: number;
}

/** Reads the memory section's entries, and where the section's entries end. */
function readMemorySection(
  bytes: Uint8Array,
  section: { start: number },
): { entries: MemoryEntry[]; end: number } {
  let at = section.start;
  const count = readLeb(bytes, at);
  at = count.next;
  const entries: MemoryEntry[] = [];
  for (let i = 0; i < count.value; i++) {
    const flags = bytes[at++]!;
    const initial = readLeb(bytes, at);
    at = initial.next;
    let maximum: number | undefined;
    if (flags & 0x01) {
      const max = readLeb(bytes, at);
      at = max.next;
      maximum = max.value;
    }
    entries.push({ flags, initialPages: initial.value, maximumPages: maximum, plain: (flags & ~0x01) === 0 });
  }
  return { entries, end: at };
}

/** The memories a core module defines, in order. */
export function definedMemories(bytes: Uint8Array): DefinedMemory[] {
  const section = sections(bytes).find((s) => s.id === 5);
  if (!section) return [];
  return readMemorySection(bytes, section).entries.map(({ initialPages, maximumPages, plain }) => ({
    initialPages,
    maximumPages,
    plain,
  }));
}

/**
 * Rewrites the memory section so that memory `i` declares at most `maxPages[i]` pages (an
 * existing lower maximum is kept). Returns the module unchanged when it defines no memory.
 *
 * @throws {RangeError} when a cap is below a memory's initial size: the module could not even start
 */
export function capMemories(bytes: Uint8Array, maxPages: readonly number[]): Uint8Array {
  const section = sections(bytes).find((s) => s.id === 5);
  if (!section) return bytes;
  const { entries, end: at } = readMemorySection(bytes, section);
  const body: number[] = [...writeLeb(entries.length)];
  entries.forEach((m, i) => {
    const cap = maxPages[i];
    if (!m.plain || cap === undefined) {
      // Shared or 64-bit memory, or no cap for it: copy as it was.
      body.push(
        m.flags,
        ...writeLeb(m.initialPages),
        ...(m.maximumPages === undefined ? [] : writeLeb(m.maximumPages)),
      );
      return;
    }
    if (cap < m.initialPages) {
      throw new RangeError(`memory ${i} starts at ${m.initialPages} pages, above the cap of ${cap} pages`);
    }
    const newMax = m.maximumPages === undefined ? cap : Math.min(m.maximumPages, cap);
    body.push(0x01, ...writeLeb(m.initialPages), ...writeLeb(newMax));
  });
  const tail = bytes.subarray(at, section.end);
  const payload = new Uint8Array(body.length + tail.length);
  payload.set(body, 0);
  payload.set(tail, body.length);
  const header = [5, ...writeLeb(payload.length)];
  const out = new Uint8Array(section.header + header.length + payload.length + (bytes.length - section.end));
  out.set(bytes.subarray(0, section.header), 0);
  out.set(header, section.header);
  out.set(payload, section.header + header.length);
  out.set(bytes.subarray(section.end), section.header + header.length + payload.length);
  return out;
}

/**
 * Splits a byte budget over the memories of a component's core modules so that together
 * they never exceed it: each memory keeps its initial size, and the rest of the budget is
 * shared in proportion to initial sizes (the big memory of the main module gets the most).
 *
 * @param modules - the defined memories of each core module
 * @returns maximum pages per module, per memory
 * @throws {RangeError} when the initial sizes alone exceed the budget
 */
export function splitMemoryBudget(
  modules: readonly (readonly DefinedMemory[])[],
  budgetBytes: number,
): number[][] {
  const budget = Math.floor(budgetBytes / PAGE);
  const plain = modules.flatMap((m) => m.filter((d) => d.plain));
  const initial = plain.reduce((n, d) => n + d.initialPages, 0);
  if (initial > budget) {
    throw new RangeError(
      `the component needs ${initial} pages (${(initial * PAGE) / 2 ** 20} MiB) at start, more than the ${budgetBytes / 2 ** 20} MiB limit`,
    );
  }
  const spare = budget - initial;
  const weight = Math.max(1, initial);
  let left = spare;
  return modules.map((mems) =>
    mems.map((d) => {
      if (!d.plain) return d.maximumPages ?? budget;
      const share = Math.min(left, Math.floor((spare * Math.max(d.initialPages, 1)) / weight));
      left -= share;
      return d.initialPages + share;
    }),
  );
}
