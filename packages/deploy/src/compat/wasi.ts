import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';

/**
 * An interface the host serves without a WIT description it can read: WASI, implemented in
 * JavaScript by preview2-shim. Its functions are known by name (read off the shim itself);
 * their signatures are the shim's own business, so they are not compared.
 */
export interface NamedProvision {
  /** The version line served: imports of any `<line>.x` version are accepted (e.g. `0.2`). */
  readonly versionLine: string;
  /** Component-level names of the functions served (`get-stdin`, `[method]output-stream.write`). */
  readonly functions: readonly string[];
}

/**
 * Interface families the host leaves out even though the shim implements them: plugins get no
 * sockets and no raw HTTP (outbound HTTP goes through `witkit:host-api`, limited per manifest).
 */
const withheld = /^wasi:(sockets|http)\//;

/** preview2-shim implements WASI 0.2 (preview 2); jco binds any 0.2.x import to it. */
const shimVersionLine = '0.2';

const kebab = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

const builtIns = new Set(['length', 'name', 'prototype', 'constructor']);

/** Component-level function names for one interface object of the shim, as jco binds them. */
function functionNames(members: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(members)) {
    if (typeof value !== 'function') continue;
    // jco binds a resource to a class named in UpperCamelCase, a function to a lowerCamelCase one.
    if (!/^[A-Z]/.test(key)) {
      out.push(kebab(key));
      continue;
    }
    const resource = kebab(key);
    out.push(`[constructor]${resource}`);
    for (const method of Object.getOwnPropertyNames(value.prototype ?? {})) {
      if (!builtIns.has(method)) out.push(`[method]${resource}.${kebab(method)}`);
    }
    for (const fn of Object.getOwnPropertyNames(value)) {
      if (!builtIns.has(fn)) out.push(`[static]${resource}.${kebab(fn)}`);
    }
  }
  return out.sort();
}

let cached: Readonly<Record<string, NamedProvision>> | undefined;

/**
 * The WASI interfaces the host gives plugins, by unversioned id (`wasi:cli/stdout`), derived from
 * the preview2-shim the host runs on, minus sockets and HTTP.
 */
export function wasiProvisions(): Readonly<Record<string, NamedProvision>> {
  if (cached) return cached;
  const imports = new WASIShim().getImportObject() as unknown as Record<
    string,
    Record<string, unknown> | undefined
  >;
  const out: Record<string, NamedProvision> = {};
  for (const [id, members] of Object.entries(imports)) {
    if (!members || withheld.test(id)) continue;
    out[id] = { versionLine: shimVersionLine, functions: functionNames(members) };
  }
  cached = out;
  return out;
}
