// Organisation-wide records through instrumentEmail (contract section 2,
// issue 22 finding 4): owner, admin and service rename campaigns and
// templates, re-address contacts and re-point enrollments; partner,
// sales_rep and member only create what does not exist yet, their send
// keeping what they gave it, and learn nothing about contacts they cannot see.
import type { Role } from '../../src/auth/viewer';
import { ContactDocument, ForgetContactDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { emailInput, instrument, storedSend } from '../support/instrument';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const CHANGES_SHARED: Role[] = ['owner', 'admin', 'service'];
const CREATES_ONLY: Role[] = ['partner', 'sales_rep', 'member'];

interface Organisation {
  orgId: string;
  admin: string;
}

/** What an admin set up: campaign "c1", template "t1", contact "x" at x@example.com enrolled as "e1", contact "gone" erased. */
async function organisation(): Promise<Organisation> {
  const orgId = uniqueOrg('records');
  const admin = await tokenFor(orgId, 'admin-1', 'admin');
  const setUp = await instrument(
    t.url,
    admin,
    emailInput({ senderId: 'admin-1', contactId: 'x', recipientEmail: 'x@example.com', campaignId: 'c1', campaignName: 'Spring', templateId: 't1', templateName: 'Welcome', enrollmentId: 'e1' }),
  );
  expect(setUp.errors).toBeUndefined();
  await instrument(t.url, admin, emailInput({ senderId: 'admin-1', contactId: 'gone', recipientEmail: 'gone@example.com' }));
  expect((await gql(t.url, ForgetContactDocument, { contactId: 'gone' }, admin)).errors).toBeUndefined();
  return { orgId, admin };
}

async function records(orgId: string) {
  const one = async (sql: string) => ((await t.app.db.query(sql, [orgId])) as Record<string, unknown>[])[0];
  return {
    campaign: (await one(`SELECT name FROM campaigns WHERE org_id = $1 AND id = 'c1'`))?.name,
    template: (await one(`SELECT name FROM templates WHERE org_id = $1 AND id = 't1'`))?.name,
    contactEmail: (await one(`SELECT email FROM contacts WHERE org_id = $1 AND id = 'x'`))?.email,
    enrollment: await one(`SELECT contact_id, campaign_id FROM enrollments WHERE org_id = $1 AND id = 'e1'`),
    newCampaign: (await one(`SELECT name FROM campaigns WHERE org_id = $1 AND id = 'c-new'`))?.name,
    newEnrollment: await one(`SELECT contact_id, campaign_id FROM enrollments WHERE org_id = $1 AND id = 'e-new'`),
  };
}

describe.each([...CHANGES_SHARED, ...CREATES_ONLY])('as %s', (role) => {
  const changes = CHANGES_SHARED.includes(role);

  it(changes ? 'renames, re-addresses and re-points existing records' : 'changes no existing record, creates missing ones, and its send keeps what it gave', async () => {
    const { orgId } = await organisation();
    const caller = await tokenFor(orgId, 'me', role);
    const renaming = await instrument(
      t.url,
      caller,
      emailInput({ senderId: 'me', contactId: 'x', recipientEmail: 'me@attacker.example', campaignId: 'c1', campaignName: 'Renamed', templateId: 't1', templateName: 'Renamed' }),
    );
    expect(renaming.errors).toBeUndefined();
    const repointing = await instrument(t.url, caller, emailInput({ senderId: 'me', contactId: 'w', recipientEmail: 'w@example.com', campaignId: 'c-new', campaignName: 'Mine', enrollmentId: 'e1' }));
    expect(repointing.errors).toBeUndefined();
    await instrument(t.url, caller, emailInput({ senderId: 'me', contactId: 'w', recipientEmail: 'w@example.com', campaignId: 'c-new', enrollmentId: 'e-new' }));

    expect(await records(orgId)).toEqual({
      campaign: changes ? 'Renamed' : 'Spring',
      template: changes ? 'Renamed' : 'Welcome',
      contactEmail: changes ? 'me@attacker.example' : 'x@example.com',
      enrollment: changes ? { contact_id: 'w', campaign_id: 'c-new' } : { contact_id: 'x', campaign_id: 'c1' },
      newCampaign: 'Mine',
      newEnrollment: { contact_id: 'w', campaign_id: 'c-new' },
    });
    // the send itself is recorded as the caller gave it
    const sent = await storedSend(t.app.db, orgId, renaming.data!.instrumentEmail.sendId);
    expect(sent).toEqual(expect.objectContaining({ contact_id: 'x', recipient_email: 'me@attacker.example', campaign_id: 'c1', template_id: 't1' }));
  });

  it(changes ? 'reads any contact' : 'reads a contact only when it sent to it at its address', async () => {
    const { orgId } = await organisation();
    const caller = await tokenFor(orgId, 'me', role);
    await instrument(t.url, caller, emailInput({ senderId: 'me', contactId: 'x', recipientEmail: 'me@attacker.example' }));
    await instrument(t.url, caller, emailInput({ senderId: 'me', contactId: 'w', recipientEmail: 'w@example.com' }));
    const x = await gql(t.url, ContactDocument, { id: 'x' }, caller);
    expect(x.data?.contact?.email ?? null).toBe(changes ? 'me@attacker.example' : null);
    const w = await gql(t.url, ContactDocument, { id: 'w' }, caller);
    expect(w.data?.contact?.email).toBe('w@example.com');
  });

  it(changes ? 'is told why a contact is suppressed' : 'is told a contact is suppressed, not why', async () => {
    const { orgId } = await organisation();
    const refused = await instrument(t.url, await tokenFor(orgId, 'me', role), emailInput({ senderId: 'me', contactId: 'gone', recipientEmail: 'gone@example.com' }));
    expect(errorCodes(refused)).toEqual(['CONTACT_SUPPRESSED']);
    expect(refused.errors![0]!.message).toBe(changes ? 'Contact "gone" is suppressed (ERASED): no email may be sent to it' : 'Contact "gone" is suppressed: no email may be sent to it');
  });
});
