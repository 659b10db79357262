import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextDecoder as PolyDecoder, TextEncoder as PolyEncoder } from './quickjs-globals.js';

// Node's own implementations are the reference: the polyfill must agree with them byte for byte.
describe('QuickJS TextEncoder/TextDecoder polyfill', () => {
  it('encodes every string exactly as the WHATWG encoder does, lone surrogates included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(new PolyEncoder().encode(s)).toEqual(new TextEncoder().encode(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes arbitrary bytes exactly as the WHATWG decoder does, with replacement characters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(new PolyDecoder().decode(bytes)).toBe(new TextDecoder().decode(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips text beyond the BMP', () => {
    const text = 'añ€😀𝄞';
    expect(new PolyDecoder().decode(new PolyEncoder().encode(text))).toBe(text);
  });

  it('throws on invalid input in fatal mode and skips a BOM unless told not to', () => {
    expect(() => new PolyDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xc3, 0x28]))).toThrow(
      TypeError,
    );
    expect(new PolyDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('A');
    expect(new PolyDecoder('utf8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf]))).toBe(
      '\ufeff',
    );
    expect(() => new PolyDecoder('latin1')).toThrow(/only utf-8/);
  });
});
