// Standard Webhooks signatures (standardwebhooks.com): `v1,` + base64 of
// HMAC-SHA256 over `id.timestamp.body`, keyed with the base64-decoded part of
// the secret after `whsec_`. Pure; node:crypto's HMAC (native) rather than
// the standardwebhooks package's JavaScript SHA-256, which the tests use to
// verify what this signs, as receivers do.
import { createHmac } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** The contract: 24 to 64 random bytes. */
export const SECRET_BYTES = { min: 24, max: 64 } as const;

/** The key bytes of a `whsec_` secret, or null when it is not one. */
export function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= SECRET_BYTES.min && key.length <= SECRET_BYTES.max ? key : null;
}

/** A secret from random bytes (the caller draws them). */
export function formatSecret(bytes: Buffer): string {
  if (bytes.length < SECRET_BYTES.min || bytes.length > SECRET_BYTES.max) throw new Error('a webhook secret holds 24 to 64 bytes');
  return `${SECRET_PREFIX}${bytes.toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers of one attempt. Each secret adds a `v1,` entry, space
 * separated (the current one first; the previous one during a rotation).
 */
export function signMessage(secrets: readonly string[], id: string, timestampSeconds: number, body: string): SignedHeaders {
  const signed = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => {
    const key = secretKey(secret);
    if (key === null) throw new Error('not a webhook secret');
    return `v1,${createHmac('sha256', key).update(signed, 'utf8').digest('base64')}`;
  });
  if (signatures.length === 0) throw new Error('no secret to sign with');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
}
