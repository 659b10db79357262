import type { NetGrant } from './grants.js';

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

function matches(rule: NetGrant, access: NetGrant['access'], host: string, port: number): boolean {
  return rule.access === access && hostMatches(rule.host, host) && (rule.port === '*' || rule.port === port);
}

/**
 * Whether a plugin may open `access` to `host:port`: some grant matches and no deny rule
 * does (deny rules win). `host` is compared lowercased; IPv6 addresses in brackets.
 */
export function isNetAllowed(
  permissions: { readonly net: readonly NetGrant[]; readonly deny: { readonly net: readonly NetGrant[] } },
  access: NetGrant['access'],
  host: string,
  port: number,
): boolean {
  const h = host.toLowerCase();
  if (permissions.deny.net.some((rule) => matches(rule, access, h, port))) return false;
  return permissions.net.some((rule) => matches(rule, access, h, port));
}
