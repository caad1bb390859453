// Endpoint signing secrets at rest: drawn here, shown once, sealed with
// SECRETS_ENCRYPTION_KEY for their own row (secrets/secret-box.ts), opened
// only to sign. A rotated-out secret keeps signing for a day beside the new one.
import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret } from '../secrets/secret-box';
import { formatSecret } from './signer';

/** The contract: after a rotation the old secret signs too, for 24 hours. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const SECRET_LENGTH = 32;

export const newEndpointSecret = (): string => formatSecret(randomBytes(SECRET_LENGTH));

/** The row a secret belongs to, authenticated with it: a sealed secret copied elsewhere does not open. */
export function endpointSecretContext(orgId: string, endpointId: string): string {
  return JSON.stringify(['webhook_endpoints.secret', orgId, endpointId]);
}

export const sealEndpointSecret = (key: Buffer, secret: string, orgId: string, endpointId: string): Buffer =>
  sealSecret(key, secret, endpointSecretContext(orgId, endpointId));

export interface SealedSecrets {
  orgId: string;
  endpointId: string;
  current: Buffer;
  previous: Buffer | null;
  previousUntil: Date | null;
}

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(key: Buffer, sealed: SealedSecrets, now: number): string[] {
  const context = endpointSecretContext(sealed.orgId, sealed.endpointId);
  const secrets = [openSecret(key, sealed.current, context)];
  if (sealed.previous && sealed.previousUntil && sealed.previousUntil.getTime() > now) secrets.push(openSecret(key, sealed.previous, context));
  return secrets;
}
