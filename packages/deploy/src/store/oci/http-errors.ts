import { StoreError } from '../errors.js';

/** Which plugin and `oci://` reference a registry request serves, to name them in errors. */
export interface RequestContext {
  readonly plugin: string;
  readonly reference: string;
}

/**
 * The registry's own words from an error answer: the OCI `{"errors":[{code,message}]}` body as
 * `CODE: message`, else the first 300 characters of the text.
 */
export async function describeAnswer(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let detail = text.trim().slice(0, 300);
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      detail = body.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    }
  } catch {
    // Not JSON: keep the text.
  }
  return `${response.status} ${response.statusText}${detail ? ` (${detail})` : ''}`;
}

/** A `WITKIT_REGISTRY_ERROR` for an unexpected answer to `what`. */
export async function registryError(
  ctx: RequestContext,
  what: string,
  response: Response,
): Promise<StoreError> {
  return new StoreError(
    'WITKIT_REGISTRY_ERROR',
    ctx.plugin,
    `${what} failed: the registry answered ${await describeAnswer(response)}`,
    {
      reference: ctx.reference,
      status: response.status,
    },
  );
}

/** A `WITKIT_REGISTRY_ERROR` for a registry that could not be reached at all. */
export function unreachable(ctx: RequestContext, url: string, cause: unknown): StoreError {
  const reason =
    cause instanceof Error ? ((cause.cause as Error | undefined)?.message ?? cause.message) : String(cause);
  return new StoreError(
    'WITKIT_REGISTRY_ERROR',
    ctx.plugin,
    `cannot reach ${new URL(url).origin} (${reason}); check the registry address and that it is running`,
    { reference: ctx.reference, cause },
  );
}
