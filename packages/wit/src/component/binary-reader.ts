const BRAND = Symbol.for('witkit.MalformedComponent');

/**
 * Thrown for bytes that do not follow the component binary format (or use a part of it this
 * reader does not understand). Recognise it with {@link isMalformedComponent}.
 */
export class MalformedComponent extends Error {
  /** Stable machine-readable code. */
  readonly code = 'WITKIT_WIT_MALFORMED_COMPONENT' as const;
  /** Byte offset the reader stopped at. */
  readonly offset: number;
  readonly [BRAND] = true;

  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'MalformedComponent';
    this.offset = offset;
  }
}

/** Whether `value` is a {@link MalformedComponent}, from this or any other copy of the package. */
export function isMalformedComponent(value: unknown): value is MalformedComponent {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A cursor over component bytes: the LEB128 integers, names and vectors of the binary format. */
export class BinaryReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    public readonly end: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string): never {
    throw new MalformedComponent(message, this.pos);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of data');
    return this.bytes[this.pos++]!;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
    }
    return this.fail('integer too long');
  }

  /** A signed LEB128 of at most 33 bits (how value types mix type indices and type codes). */
  s33(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (shift > 35) this.fail('integer too long');
      byte = this.u8();
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return byte & 0x40 ? result - 2 ** shift : result;
  }

  name(): string {
    const length = this.u32();
    if (this.pos + length > this.end) this.fail('name runs past the end of its section');
    const text = utf8.decode(this.bytes.subarray(this.pos, this.pos + length));
    this.pos += length;
    return text;
  }

  vec<T>(item: () => T): T[] {
    const count = this.u32();
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(item());
    return out;
  }

  /** `0x00` (absent) or `0x01 T` (present). */
  optional<T>(item: () => T): T | undefined {
    const flag = this.u8();
    if (flag === 0) return undefined;
    if (flag === 1) return item();
    return this.fail(`invalid optional marker 0x${flag.toString(16)}`);
  }

  /** A reader over the next `length` bytes, which this one skips. */
  sub(length: number): BinaryReader {
    if (this.pos + length > this.end) this.fail('section runs past the end of the component');
    const sub = new BinaryReader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }
}
