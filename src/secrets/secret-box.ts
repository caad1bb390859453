// Secrets at rest (per-organisation Mailgun signing keys): AES-256-GCM with a
// random 12-byte nonce under SECRETS_ENCRYPTION_KEY. The stored value is
// version byte | nonce | tag | ciphertext. The caller's context (which row the
// secret belongs to) is authenticated as additional data, so a value copied
// into another row or organisation fails to open instead of being used there.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES + TAG_BYTES;

/** A sealed secret that is malformed, tampered with, or sealed for another context or key. */
export class SecretUnreadableError extends Error {
  constructor(reason: string) {
    // Never carries the secret or the ciphertext: only why it could not be opened.
    super(`stored secret cannot be decrypted: ${reason}`);
    this.name = 'SecretUnreadableError';
  }
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the secrets encryption key must be 32 bytes');
}

/** The additional data: the version byte and the context, so neither can be swapped. */
function additionalData(context: string): Buffer {
  return Buffer.concat([Buffer.from([VERSION]), Buffer.from(context, 'utf8')]);
}

export function sealSecret(key: Buffer, plaintext: string, context: string): Buffer {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

export function openSecret(key: Buffer, sealed: Buffer, context: string): string {
  checkKey(key);
  if (sealed.length < HEADER_BYTES) throw new SecretUnreadableError('too short');
  if (sealed[0] !== VERSION) throw new SecretUnreadableError(`unknown version ${sealed[0]}`);
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(1 + NONCE_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretUnreadableError('authentication failed (tampered, another row, or another encryption key)');
  }
}

/**
 * The context of a Mailgun signing key: its email_settings row. JSON keeps
 * the parts unambiguous ("a|b" + "c" never equals "a" + "b|c").
 */
export function signingKeyContext(orgId: string, teamId: string): string {
  return JSON.stringify(['email_settings.mailgun_signing_key', orgId, teamId]);
}
