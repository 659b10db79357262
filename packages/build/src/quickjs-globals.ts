/**
 * Web globals that QuickJS lacks but plugin code commonly uses, injected by the bundler
 * into QuickJS builds only where the plugin references them (esbuild `inject`).
 * UTF-8 only, as the Component Model's strings are.
 */

const REPLACEMENT = 0xfffd;

/** UTF-8 encoder with the WHATWG `TextEncoder` surface. */
export class TextEncoder {
  readonly encoding = 'utf-8';

  encode(input = ''): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < input.length; i++) {
      let cp = input.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < input.length) {
        const next = input.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
          i++;
        }
      }
      // A lone surrogate is not a scalar value; WHATWG encodes it as U+FFFD.
      if (cp >= 0xd800 && cp <= 0xdfff) cp = REPLACEMENT;
      if (cp < 0x80) out.push(cp);
      else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
      else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      else
        out.push(
          0xf0 | (cp >> 18),
          0x80 | ((cp >> 12) & 0x3f),
          0x80 | ((cp >> 6) & 0x3f),
          0x80 | (cp & 0x3f),
        );
    }
    return new Uint8Array(out);
  }
}

/** UTF-8 decoder with the WHATWG `TextDecoder` surface (`fatal` and `ignoreBOM` honoured). */
export class TextDecoder {
  readonly encoding = 'utf-8';
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;

  constructor(label = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } = {}) {
    if (!/^utf-?8$/i.test(label.trim()))
      throw new RangeError(`unsupported encoding \`${label}\`; only utf-8`);
    this.fatal = options.fatal ?? false;
    this.ignoreBOM = options.ignoreBOM ?? false;
  }

  /** Follows the WHATWG UTF-8 decoder step by step, so invalid input decodes exactly as in browsers. */
  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return '';
    const bytes = ArrayBuffer.isView(input)
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input);
    let i = !this.ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const units: number[] = [];
    let needed = 0;
    let seen = 0;
    let cp = 0;
    let lower = 0x80;
    let upper = 0xbf;
    const fail = () => {
      if (this.fatal) throw new TypeError('the encoded data was not valid utf-8');
      units.push(REPLACEMENT);
    };
    for (; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (needed === 0) {
        if (b <= 0x7f) units.push(b);
        else if (b >= 0xc2 && b <= 0xdf) [needed, cp] = [1, b & 0x1f];
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          [needed, cp] = [2, b & 0x0f];
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          [needed, cp] = [3, b & 0x07];
        } else fail();
        continue;
      }
      if (b < lower || b > upper) {
        [needed, seen, cp, lower, upper] = [0, 0, 0, 0x80, 0xbf];
        fail();
        i--; // The byte starts over as a possible lead byte.
        continue;
      }
      [lower, upper] = [0x80, 0xbf];
      cp = (cp << 6) | (b & 0x3f);
      if (++seen === needed) {
        if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else units.push(cp);
        [needed, seen, cp] = [0, 0, 0];
      }
    }
    if (needed !== 0) fail();
    let out = '';
    // Chunked, to stay below engines' argument-count limits on large inputs.
    for (let k = 0; k < units.length; k += 8192) out += String.fromCharCode(...units.slice(k, k + 8192));
    return out;
  }
}
