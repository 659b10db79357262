import { StoreError } from '../errors.js';
import { describeAnswer, type RequestContext, unreachable } from './http-errors.js';

/** A registry account for basic auth, or for asking a token service for a token. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  readonly scheme: 'basic' | 'bearer';
  readonly params: Readonly<Record<string, string>>;
}

/** Reads the first Basic or Bearer challenge of a `WWW-Authenticate` header. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const match = header === null ? null : /^\s*(basic|bearer)\b(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const [, key, quoted, bare] of match[2]!.matchAll(
    /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g,
  )) {
    params[key!.toLowerCase()] = quoted === undefined ? bare! : quoted.replace(/\\(.)/g, '$1');
  }
  return { scheme: match[1]!.toLowerCase() as Challenge['scheme'], params };
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/**
 * Holds what a registry asked for: basic credentials, or bearer tokens from its token service,
 * one per scope (`repository:witkit/x:pull`), reused until they are about to expire.
 */
export class Authenticator {
  private useBasic = false;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly credentials: RegistryCredentials | undefined) {}

  private basicHeader(): string {
    const { username, password } = this.credentials!;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** The `Authorization` header to send for a request needing `scope`, if one is known yet. */
  header(scope: string): string | undefined {
    const cached = this.tokens.get(scope);
    if (cached && cached.expiresAt > Date.now()) return `Bearer ${cached.token}`;
    if (this.useBasic && this.credentials) return this.basicHeader();
    return undefined;
  }

  /**
   * Prepares to answer a `401` challenge: switches to basic auth, or fetches a bearer token for
   * `scope` (plus the scope the registry named) from the challenge's realm. Returns `false` when
   * there is nothing new to try.
   *
   * @throws {StoreError} `WITKIT_REGISTRY_AUTH` when the token service refuses the credentials
   */
  async answer(challenge: Challenge, scope: string, ctx: RequestContext): Promise<boolean> {
    if (challenge.scheme === 'basic') {
      if (!this.credentials) return false;
      this.useBasic = true;
      return true;
    }
    const realm = challenge.params.realm;
    if (!realm) return false;
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const wanted of new Set([challenge.params.scope, scope])) {
      if (wanted) url.searchParams.append('scope', wanted);
    }
    if (this.credentials) url.searchParams.set('account', this.credentials.username);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.credentials) headers.authorization = this.basicHeader();
    let response: Response;
    try {
      response = await fetch(url, { headers });
    } catch (cause) {
      throw unreachable(ctx, url.href, cause);
    }
    if (response.status === 401 || response.status === 403) {
      throw new StoreError(
        'WITKIT_REGISTRY_AUTH',
        ctx.plugin,
        `the registry's token service ${url.origin}${url.pathname} refused ${this.credentials ? `user \`${this.credentials.username}\`` : 'anonymous access'}: ${await describeAnswer(response)}; check the username and password`,
        { reference: ctx.reference, status: response.status },
      );
    }
    if (!response.ok) {
      throw new StoreError(
        'WITKIT_REGISTRY_ERROR',
        ctx.plugin,
        `the registry's token service ${url.origin}${url.pathname} answered ${await describeAnswer(response)}`,
        { reference: ctx.reference, status: response.status },
      );
    }
    const body = (await response.json()) as { token?: string; access_token?: string; expires_in?: number };
    const token = body.token ?? body.access_token;
    if (!token) {
      throw new StoreError(
        'WITKIT_REGISTRY_ERROR',
        ctx.plugin,
        `the registry's token service ${url.origin} sent no token`,
        {
          reference: ctx.reference,
        },
      );
    }
    // The distribution spec's default lifetime is 60 s; renew a little early.
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    this.tokens.set(scope, { token, expiresAt: Date.now() + lifetimeMs - Math.min(10_000, lifetimeMs / 2) });
    return true;
  }
}
