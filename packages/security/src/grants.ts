import { posix } from 'node:path';

/** A filesystem grant: `read:/data` (read-only) or `write:/tmp/cache` (read and write). */
export interface FsGrant {
  readonly access: 'read' | 'write';
  /** Absolute host path, normalised (no `.`, `..` or repeated slashes). */
  readonly path: string;
}

/** A network grant: `connect:api.example.com:443`, `connect:*.example.com:*`, `listen:*`. */
export interface NetGrant {
  readonly access: 'connect' | 'listen';
  /** Host name or address; `*` for any, `*.example.com` for any subdomain. */
  readonly host: string;
  /** Port, or `*` for any. */
  readonly port: number | '*';
}

/**
 * Parses `read:/path` or `write:/path`.
 *
 * @returns the grant, or a message saying what is wrong
 */
export function parseFsGrant(text: string): FsGrant | string {
  const m = /^(read|write):(.+)$/.exec(text);
  if (!m) return `expected \`read:/absolute/path\` or \`write:/absolute/path\`, got \`${text}\``;
  const raw = m[2]!;
  if (!raw.startsWith('/')) return `path \`${raw}\` must be absolute`;
  return { access: m[1] as FsGrant['access'], path: posix.normalize(raw).replace(/(.)\/$/, '$1') };
}

/**
 * Parses `connect:host:port`, `listen:host:port` or `listen:*` (host and port may be `*`;
 * IPv6 hosts in brackets: `connect:[::1]:8080`).
 *
 * @returns the grant, or a message saying what is wrong
 */
export function parseNetGrant(text: string): NetGrant | string {
  const expected = `expected \`connect:host:port\` or \`listen:host:port\` (host and port may be \`*\`), got \`${text}\``;
  const m = /^(connect|listen):(.+)$/.exec(text);
  if (!m) return expected;
  const access = m[1] as NetGrant['access'];
  const rest = m[2]!;
  if (rest === '*') return { access, host: '*', port: '*' };
  const hp = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\*|\d{1,5})$/.exec(rest);
  if (!hp) return expected;
  const host = hp[1]!.toLowerCase();
  if (
    host !== '*' &&
    !/^\[.*\]$/.test(host) &&
    !/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)
  ) {
    return `\`${hp[1]}\` is not a host name, an address or a \`*.domain\` wildcard`;
  }
  const port = hp[2] === '*' ? '*' : Number(hp[2]);
  if (port !== '*' && (port < 1 || port > 65535)) return `port ${port} is outside 1-65535`;
  return { access, host, port };
}
