/**
 * TOML's names for values, so manifest errors speak the file's language (`integer`, `table`)
 * rather than JavaScript's or zod's (`number`, `object`).
 */

/** The TOML type of a value smol-toml parsed: `string`, `integer`, `float`, `boolean`, `datetime`, `array`, `table`. */
export function tomlTypeOf(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (typeof value === 'boolean') return 'boolean';
  if (value instanceof Date) return 'datetime';
  if (Array.isArray(value)) return 'array';
  return 'table';
}

// zod's `expected` of an invalid_type issue, as a TOML type with its article.
const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'a table',
  record: 'a table',
  date: 'a datetime',
};

/** `expected a string, got integer `1``: what a key needs and what the file gave it. */
export function describeWrongType(expected: string, value: unknown): string {
  const want = EXPECTED[expected] ?? expected;
  return `expected ${want}, got ${tomlTypeOf(value)}${showValue(value)}`;
}

/** A short rendering of a scalar (`` `1` ``), or nothing for arrays and tables. */
function showValue(value: unknown): string {
  if (typeof value === 'string') return ` \`${JSON.stringify(value)}\``;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return ` \`${String(value)}\``;
  if (value instanceof Date) return ` \`${value.toISOString()}\``;
  return '';
}
