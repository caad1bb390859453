// Endpoint signing secrets at rest: drawn here, shown once, sealed with
// SECRETS_ENCRYPTION_KEY for their own row (secrets/secret-box.ts), opened
// only to sign. A rotated-out secret keeps signing for a day beside the new one.
import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret } from '../secrets/secret-box';
import { formatSecret } from './signer';

/** The contract: after a rotation the old secret signs too, for 24 hours. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const SECRET_LENGTH = 32;
/** Endpoints whose opened secrets a process keeps at most. */
const MAX_OPENED = 10_000;

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

/**
 * The opened secrets of the endpoints this process delivers to, kept while
 * their sealed values are the same bytes (a rotation changes them): opening
 * them at every attempt took about 4 % of a delivering process's time (a
 * profile of `npm run bench -- outbound`, loaded machine). Only in this
 * process's memory, where every attempt holds them anyway; forgotten all at
 * once past MAX_OPENED endpoints (deleted ones are never asked for again).
 */
export class OpenedSecrets {
  private readonly byEndpoint = new Map<string, { current: Buffer; previous: Buffer | null; opened: string[] }>();

  constructor(private readonly key: Buffer) {}

  /** As signingSecrets, from the cache when the endpoint's sealed secrets are unchanged. */
  signing(sealed: SealedSecrets, now: number): string[] {
    const overlapping = sealed.previous !== null && sealed.previousUntil !== null && sealed.previousUntil.getTime() > now;
    const previous = overlapping ? sealed.previous : null;
    const row = endpointSecretContext(sealed.orgId, sealed.endpointId);
    const known = this.byEndpoint.get(row);
    if (known && known.current.equals(sealed.current) && (known.previous === null ? previous === null : previous !== null && known.previous.equals(previous))) return known.opened;
    const opened = signingSecrets(this.key, sealed, now);
    if (this.byEndpoint.size >= MAX_OPENED) this.byEndpoint.clear();
    this.byEndpoint.set(row, { current: sealed.current, previous, opened });
    return opened;
  }
}
