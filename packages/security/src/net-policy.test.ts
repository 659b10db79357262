import { describe, expect, it } from 'vitest';
import type { NetGrant } from './grants.js';
import { parseNetGrant } from './grants.js';
import { isNetAllowed } from './net-policy.js';

const g = (...rules: string[]) => rules.map((r) => parseNetGrant(r) as NetGrant);

describe('isNetAllowed', () => {
  const perms = {
    net: g('connect:api.example.com:443', 'connect:*.cdn.example.com:*', 'connect:127.0.0.1:*'),
    deny: { net: g('connect:127.0.0.1:22') },
  };

  it('allows exactly the granted host and port', () => {
    expect(isNetAllowed(perms, 'connect', 'api.example.com', 443)).toBe(true);
    expect(isNetAllowed(perms, 'connect', 'API.EXAMPLE.COM', 443)).toBe(true);
    expect(isNetAllowed(perms, 'connect', 'api.example.com', 80)).toBe(false);
    expect(isNetAllowed(perms, 'connect', 'evil.com', 443)).toBe(false);
  });

  it('matches subdomain wildcards but not the apex or look-alikes', () => {
    expect(isNetAllowed(perms, 'connect', 'img.cdn.example.com', 8443)).toBe(true);
    expect(isNetAllowed(perms, 'connect', 'cdn.example.com', 443)).toBe(false);
    expect(isNetAllowed(perms, 'connect', 'evilcdn.example.com', 443)).toBe(false);
  });

  it('lets deny rules win over grants, and never grants listen through connect', () => {
    expect(isNetAllowed(perms, 'connect', '127.0.0.1', 8080)).toBe(true);
    expect(isNetAllowed(perms, 'connect', '127.0.0.1', 22)).toBe(false);
    expect(isNetAllowed(perms, 'listen', '127.0.0.1', 8080)).toBe(false);
    expect(isNetAllowed({ net: [], deny: { net: [] } }, 'connect', 'api.example.com', 443)).toBe(false);
  });
});
