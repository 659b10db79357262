/**
 * Immediates of the canonical built-ins (every `canon` definition but `lift`, `lower` and
 * `task.return`), by opcode: `u` a u32, `b` a byte, `o` canonical options, `r` a result list.
 */
export const builtinImmediates: Readonly<Record<number, string>> = {
  ...Object.fromEntries([0x02, 0x03, 0x04, 0x07, 0x0e, 0x13, 0x14, 0x15, 0x1a, 0x1b].map((op) => [op, 'u'])),
  ...Object.fromEntries(
    [0x05, 0x08, 0x0d, 0x1e, 0x1f, 0x22, 0x23, 0x24, 0x25, 0x26, 0x28].map((op) => [op, '']),
  ),
  ...Object.fromEntries([0x06, 0x0c, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x42].map((op) => [op, 'b'])),
  ...Object.fromEntries([0x0a, 0x0b, 0x20, 0x21, 0x40].map((op) => [op, 'bu'])),
  ...Object.fromEntries([0x0f, 0x10, 0x16, 0x17].map((op) => [op, 'uo'])),
  ...Object.fromEntries([0x11, 0x12, 0x18, 0x19].map((op) => [op, 'ub'])),
  28: 'o',
  29: 'o',
  39: 'uu',
  65: 'buu',
};
