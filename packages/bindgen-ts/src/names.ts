/**
 * WIT kebab-case names to the JS names jco's glue uses (heck's lower camel and upper camel case).
 *
 * @module
 */

/** JS reserved words: not usable as parameter or binding names, so they get a `_` suffix. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally ' +
    'for function if import in instanceof new null return super switch this throw true try typeof var void ' +
    'while with yield let static implements interface package private protected public await arguments eval'
  ).split(' '),
);

function words(name: string): string[] {
  return name
    .replace(/^%/, '')
    .split('-')
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** `get-note` → `getNote`: functions, methods, fields, flags, parameters, interface keys. */
export function camelName(name: string): string {
  return words(name)
    .map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1)))
    .join('');
}

/** `host-store` → `HostStore`: types, resources, namespaces. */
export function pascalName(name: string): string {
  return words(name)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** A name usable as a JS binding or parameter: reserved words get a `_` suffix. */
export function bindingName(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

/** A property key: bare when it is an identifier, quoted otherwise (`'acme:notes/store@0.1.0'`). */
export function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `'${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
