import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { DeployError } from './errors.js';
import type { Release, ReleaseSignature } from './release.js';

/** A PEM text or a Node key object. */
export type KeyInput = string | KeyObject;

/** A new ed25519 key pair in PEM (PKCS#8 private, SPKI public), with the public key's id. */
export interface SigningKeys {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/** Generates an ed25519 key pair for signing releases. */
export function generateSigningKeys(): SigningKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

function publicKeyOf(key: KeyInput): KeyObject {
  const object = typeof key === 'string' ? createPublicKey(key) : key;
  const pub = object.type === 'private' ? createPublicKey(object) : object;
  if (pub.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`release keys are ed25519, not ${pub.asymmetricKeyType ?? 'symmetric'}`);
  }
  return pub;
}

/** Id of a public (or private) ed25519 key: first 16 hex digits of the sha256 of its 32 raw bytes. */
export function keyIdOf(key: KeyInput): string {
  const raw = Buffer.from(publicKeyOf(key).export({ format: 'jwk' }).x!, 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The bytes a release signature covers: the release record as JSON with keys sorted at every
 * level. The component is covered through its sha256, which loads are checked against.
 */
export function releaseSigningPayload(release: Release): Buffer {
  return Buffer.from(JSON.stringify(canonical(release)), 'utf8');
}

/** Signs `release` with an ed25519 private key. */
export function signRelease(release: Release, privateKey: KeyInput): ReleaseSignature {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return {
    algorithm: 'ed25519',
    keyId: keyIdOf(key),
    signature: sign(null, releaseSigningPayload(release), key).toString('base64'),
  };
}

/**
 * Checks that `release` carries a valid signature by one of `trusted` public keys.
 *
 * @throws {DeployError} `WITKIT_SIGNATURE_REJECTED`: unsigned, signed by an unknown key, or a
 *   signature that does not match the record (it was changed after signing)
 */
export function verifyReleaseSignature(
  release: Release,
  signature: ReleaseSignature | undefined,
  trusted: readonly KeyInput[],
): void {
  const where = `release ${release.version}`;
  if (!signature) {
    throw new DeployError(
      'WITKIT_SIGNATURE_REJECTED',
      release.name,
      `${where} is unsigned, and this host only accepts releases signed by a trusted key; publish it with a signing key`,
    );
  }
  const key = trusted.map(publicKeyOf).find((k) => keyIdOf(k) === signature.keyId);
  if (!key) {
    throw new DeployError(
      'WITKIT_SIGNATURE_REJECTED',
      release.name,
      `${where} is signed by key ${signature.keyId}, which is not among this host's trusted keys (${trusted.map(keyIdOf).join(', ') || 'none'})`,
    );
  }
  const ok =
    signature.algorithm === 'ed25519' &&
    verify(null, releaseSigningPayload(release), key, Buffer.from(signature.signature, 'base64'));
  if (!ok) {
    throw new DeployError(
      'WITKIT_SIGNATURE_REJECTED',
      release.name,
      `${where}: the signature by key ${signature.keyId} does not match the release record; it was changed after signing`,
    );
  }
}
