// Which key verifies an event: the sending team's key if it has one, else
// the organisation's, else the platform's MAILGUN_WEBHOOK_SIGNING_KEY. A
// specific key, once set, is the only one accepted for its sends; an event
// whose send is unknown can only be verified with the platform key.
import { openSecret, signingKeyContext } from '../secrets/secret-box';
import type { WebhookSend } from './send-lookup';

export type KeyChoice =
  /** owner: the organisation whose key it is, '' for the platform key (the scope of its tokens) */
  | { key: string; owner: string; source: 'team' | 'org' | 'platform' }
  | { key: null; reason: 'no key configured' | 'stored key unreadable' };

/**
 * Opens sealed keys once per batch: the same organisation's key verifies
 * many events, and AES-GCM per event would be wasted work.
 */
export class KeyOpener {
  private readonly opened = new Map<string, string | null>();

  constructor(private readonly encryptionKey: Buffer) {}

  /** The key, or null when it cannot be opened (tampered, copied from another row, another encryption key). */
  open(sealed: Buffer, orgId: string, teamId: string): string | null {
    const context = signingKeyContext(orgId, teamId);
    const cacheKey = `${context}\n${sealed.toString('base64')}`;
    let key = this.opened.get(cacheKey);
    if (key === undefined) {
      try {
        key = openSecret(this.encryptionKey, sealed, context);
      } catch {
        key = null;
      }
      this.opened.set(cacheKey, key);
    }
    return key;
  }
}

export function chooseSigningKey(send: WebhookSend | null, platformKey: string | null, opener: KeyOpener): KeyChoice {
  if (send !== null && send.teamKey !== null && send.senderTeamId !== null) {
    const key = opener.open(send.teamKey, send.orgId, send.senderTeamId);
    return key === null ? { key: null, reason: 'stored key unreadable' } : { key, owner: send.orgId, source: 'team' };
  }
  if (send !== null && send.orgKey !== null) {
    const key = opener.open(send.orgKey, send.orgId, '');
    return key === null ? { key: null, reason: 'stored key unreadable' } : { key, owner: send.orgId, source: 'org' };
  }
  return platformKey === null ? { key: null, reason: 'no key configured' } : { key: platformKey, owner: '', source: 'platform' };
}
