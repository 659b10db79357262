const sizeUnits: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a memory size such as `"128MB"`, `"64 MiB"` or `"1GB"` into bytes. Like the reference
 * design, `MB` means 2^20 bytes (the unit Wasm pages are counted in), same as `MiB`.
 *
 * @returns the size in bytes, or `undefined` when `text` is not a size
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = sizeUnits[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000 };

/**
 * Parses a duration such as `"30s"`, `"500ms"` or `"2m"` into milliseconds.
 *
 * @returns milliseconds, or `undefined` when `text` is not a duration
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = durationUnits[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}
