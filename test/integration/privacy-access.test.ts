// Who may change consent, erase, and read the audit trail of both; and what
// that trail holds (contract sections 2 and 7).
import type { Role } from '../../src/auth/viewer';
import { ContactPrivacyActionsDocument, ForgetContactDocument, SetContactTrackingConsentDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { TRACKING_ORIGIN } from '../support/instrument';
import { contactStatus } from '../support/mailgun';
import { forget, openPixel, sendTrackedEmail, setConsent } from '../support/privacy';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t.close();
});

async function auditTrail(orgId: string, variables: { contactId?: string; limit?: number; after?: string } = {}, role: Role = 'admin') {
  return gql(t.url, ContactPrivacyActionsDocument, variables, await tokenFor(orgId, `${role}-1`, role, 'team-1'));
}

describe.each<Role>(['partner', 'sales_rep', 'member'])('a %s', (role) => {
  it('may neither change consent, nor erase, nor read the audit trail, and changes nothing', async () => {
    const orgId = uniqueOrg('privacy');
    const send = await sendTrackedEmail(t, orgId, { senderId: `${role}-1` });
    const token = await tokenFor(orgId, `${role}-1`, role, 'team-1');
    expect(errorCodes(await gql(t.url, SetContactTrackingConsentDocument, { contactId: send.contactId, consent: false }, token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(t.url, ForgetContactDocument, { contactId: send.contactId }, token))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await auditTrail(orgId, {}, role))).toEqual(['FORBIDDEN']);
    expect(await contactStatus(t.app.db, orgId, send.contactId)).toBe('ACTIVE');
    const [contact]: { tracking_consent: boolean }[] = await t.app.db.query(`SELECT tracking_consent FROM contacts WHERE org_id = $1 AND id = $2`, [orgId, send.contactId]);
    expect(contact!.tracking_consent).toBe(true);
    expect((await auditTrail(orgId)).data?.contactPrivacyActions).toEqual([]);
  });
});

it('a service (the CRM) acts, but does not read the audit trail', async () => {
  const orgId = uniqueOrg('privacy');
  expect((await setConsent(t, orgId, 'c-1', false, 'service')).errors).toBeUndefined();
  expect(errorCodes(await auditTrail(orgId, {}, 'service'))).toEqual(['FORBIDDEN']);
  expect((await auditTrail(orgId, {}, 'owner')).data?.contactPrivacyActions).toHaveLength(1);
});

it('refuses callers without a token, and contact ids no CRM could send', async () => {
  expect(errorCodes(await gql(t.url, ForgetContactDocument, { contactId: 'c-1' }))).toEqual(['UNAUTHENTICATED']);
  expect(errorCodes(await gql(t.url, ContactPrivacyActionsDocument, {}))).toEqual(['UNAUTHENTICATED']);
  const orgId = uniqueOrg('privacy');
  expect(errorCodes(await forget(t, orgId, ' '))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await setConsent(t, orgId, 'x'.repeat(201), false))).toEqual(['BAD_USER_INPUT']);
});

describe('the audit trail', () => {
  it('says who did what to which contact and when, newest first, without any address', async () => {
    const orgId = uniqueOrg('privacy');
    const send = await sendTrackedEmail(t, orgId, { recipientEmail: 'ada@example.com' });
    await openPixel(t, send);
    await t.app.recorder.flush();
    const started = Date.now();
    await setConsent(t, orgId, send.contactId, false, 'admin');
    await setConsent(t, orgId, send.contactId, true, 'service');
    await forget(t, orgId, send.contactId, 'owner');
    await forget(t, orgId, send.contactId, 'admin');
    // Refused (the contact is erased): rolled back with its audit row.
    expect(errorCodes(await setConsent(t, orgId, send.contactId, true))).toEqual(['CONTACT_SUPPRESSED']);
    await setConsent(t, orgId, 'someone-else', false);

    const result = await auditTrail(orgId, { contactId: send.contactId }, 'owner');
    const rows = result.data!.contactPrivacyActions;
    expect(rows.map(({ action, actorId, actorRole, contactId, sendsErased, eventsDeleted }) => ({ action, actorId, actorRole, contactId, sendsErased, eventsDeleted }))).toEqual([
      { action: 'ERASED', actorId: 'admin-1', actorRole: 'admin', contactId: send.contactId, sendsErased: 0, eventsDeleted: 0 },
      { action: 'ERASED', actorId: 'owner-1', actorRole: 'owner', contactId: send.contactId, sendsErased: 1, eventsDeleted: 1 },
      { action: 'CONSENT_GIVEN', actorId: 'service-1', actorRole: 'service', contactId: send.contactId, sendsErased: null, eventsDeleted: null },
      { action: 'CONSENT_WITHDRAWN', actorId: 'admin-1', actorRole: 'admin', contactId: send.contactId, sendsErased: null, eventsDeleted: null },
    ]);
    for (const row of rows) expect(new Date(row.at).getTime()).toBeGreaterThanOrEqual(started - 1_000);
    expect(JSON.stringify(result)).not.toMatch(/example\.com/);
    const [{ n }]: { n: number }[] = await t.app.db.query(`SELECT count(*)::int AS n FROM contact_privacy_actions WHERE org_id = $1 AND contact_id = $2`, [orgId, send.contactId]);
    expect(n).toBe(4);

    const everyone = (await auditTrail(orgId)).data!.contactPrivacyActions;
    expect(everyone.map((row) => row.contactId)).toEqual(['someone-else', ...rows.map(() => send.contactId)]);
    expect((await auditTrail(uniqueOrg('other'))).data?.contactPrivacyActions).toEqual([]);
  });

  it('pages with limit and after, and bounds the limit', async () => {
    const orgId = uniqueOrg('privacy');
    for (const contactId of ['a', 'b', 'c', 'd', 'e']) await setConsent(t, orgId, contactId, false);
    const first = (await auditTrail(orgId, { limit: 2 })).data!.contactPrivacyActions;
    expect(first.map((row) => row.contactId)).toEqual(['e', 'd']);
    const second = (await auditTrail(orgId, { limit: 2, after: first[1]!.id })).data!.contactPrivacyActions;
    expect(second.map((row) => row.contactId)).toEqual(['c', 'b']);
    const last = (await auditTrail(orgId, { limit: 2, after: second[1]!.id })).data!.contactPrivacyActions;
    expect(last.map((row) => row.contactId)).toEqual(['a']);
    for (const limit of [0, 501]) expect(errorCodes(await auditTrail(orgId, { limit }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await auditTrail(orgId, { after: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
  });
});
