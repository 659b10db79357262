/**
 * WIT kebab-case names to Rust identifiers. Exported so code written against the bindings
 * (scaffolded plugins) names things exactly as the generator does.
 *
 * @module
 */

/** Rust keywords (all editions, reserved ones included): a `_` suffix makes them usable names. */
const KEYWORDS = new Set(
  (
    'as break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref ' +
    'return self Self static struct super trait true type unsafe use where while async await dyn abstract become ' +
    'box do final macro override priv typeof unsized virtual yield try gen union'
  ).split(' '),
);

function unreserved(name: string): string {
  return KEYWORDS.has(name) ? `${name}_` : name;
}

/** `list-keys` → `list_keys`: functions, fields, parameters, modules. */
export function snake(name: string): string {
  return unreserved(name.replace(/^%/, '').replace(/-/g, '_').toLowerCase());
}

/** `config-store` → `ConfigStore`: types, enum cases, traits. */
export function camel(name: string): string {
  return unreserved(
    name
      .replace(/^%/, '')
      .split('-')
      .map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
      .join(''),
  );
}

/**
 * Names the generated code uses unqualified (prelude types and traits, the `Guest` trait): a WIT
 * type that would take one of them gets a `_` suffix instead of shadowing it.
 */
const TAKEN_TYPE_NAMES = new Set(
  'Vec String Option Result Box Drop Some None Ok Err Clone Copy Debug Default Eq PartialEq Hash Ord PartialOrd Sized Send Sync Guest'.split(
    ' ',
  ),
);

/** `config-store` → `ConfigStore`, `vec` → `Vec_`: names of types, resources and their traits. */
export function typeName(name: string): string {
  const c = camel(name);
  return TAKEN_TYPE_NAMES.has(c) ? `${c}_` : c;
}

/** `read-config` → `READ_CONFIG`: flag constants. */
export function shouty(name: string): string {
  return unreserved(name.replace(/^%/, '').replace(/-/g, '_').toUpperCase());
}

/** A Rust string literal for `s` (export names, link names). */
export function rustString(s: string): string {
  return JSON.stringify(s);
}

/** `///` doc lines for WIT docs, indented by `indent`. */
export function docLines(docs: string | undefined, indent = ''): string[] {
  if (docs === undefined || docs.trim() === '') return [];
  return docs
    .replace(/\s+$/, '')
    .split(/\r?\n/)
    .map((l) => (l.trim() === '' ? `${indent}///` : `${indent}/// ${l.replace(/^ /, '')}`));
}
