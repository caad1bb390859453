// What one instrumentEmail call writes: the send with its attribution, the
// contact, campaign, template and enrollment; and the suppressed contacts it
// refuses, also when the suppression lands while the call is under way.
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes } from '../support/graphql-client';
import { emailInput, instrument, sendCount, storedSend } from '../support/instrument';
import type { InstrumentEmailInput } from '../generated/graphql';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function asService(orgId: string, input: InstrumentEmailInput) {
  return instrument(t.url, await tokenFor(orgId, 'crm', 'service'), input);
}

async function names(orgId: string): Promise<Record<string, string | null>> {
  const rows: { kind: string; id: string; name: string | null }[] = await t.app.db.query(
    `SELECT 'campaign' AS kind, id, name FROM campaigns WHERE org_id = $1
     UNION ALL SELECT 'template', id, name FROM templates WHERE org_id = $1`,
    [orgId],
  );
  return Object.fromEntries(rows.map((row) => [`${row.kind}:${row.id}`, row.name]));
}

describe('the recorded send', () => {
  it('keeps the attribution, the contact and the enrollment', async () => {
    const orgId = uniqueOrg();
    const input = emailInput({
      senderId: 'rep-7',
      senderTeamId: 'team-east',
      contactId: 'c-42',
      recipientEmail: 'grace@example.org',
      subject: 'Step two ✉',
      campaignId: 'camp-1',
      campaignName: 'Onboarding',
      templateId: 'tpl-1',
      templateName: 'Welcome',
      enrollmentId: 'enr-1',
      stepIndex: 2,
      messageId: 'abc.123@crm.example.com',
    });
    const email = (await asService(orgId, input)).data!.instrumentEmail;
    expect(await storedSend(t.app.db, orgId, email.sendId)).toEqual({
      sender_id: 'rep-7',
      sender_team_id: 'team-east',
      contact_id: 'c-42',
      recipient_email: 'grace@example.org',
      subject: 'Step two ✉',
      campaign_id: 'camp-1',
      template_id: 'tpl-1',
      enrollment_id: 'enr-1',
      step_index: 2,
      message_id: 'abc.123@crm.example.com',
      tracked: true,
      tracked_links: 1,
    });
    expect(await t.app.db.query(`SELECT id, email, status FROM contacts WHERE org_id = $1`, [orgId])).toEqual([
      { id: 'c-42', email: 'grace@example.org', status: 'ACTIVE' },
    ]);
    expect(await t.app.db.query(`SELECT id, contact_id, campaign_id, status FROM enrollments WHERE org_id = $1`, [orgId])).toEqual([
      { id: 'enr-1', contact_id: 'c-42', campaign_id: 'camp-1', status: 'ACTIVE' },
    ]);
  });

  it('updates the contact email, and never erases a known campaign or template name with null', async () => {
    const orgId = uniqueOrg();
    const base = { contactId: 'c-1', campaignId: 'camp', templateId: 'tpl' };
    await asService(orgId, emailInput({ ...base }));
    expect(await names(orgId)).toEqual({ 'campaign:camp': null, 'template:tpl': null });
    await asService(orgId, emailInput({ ...base, campaignName: 'Spring', templateName: 'Hero' }));
    expect(await names(orgId)).toEqual({ 'campaign:camp': 'Spring', 'template:tpl': 'Hero' });
    await asService(orgId, emailInput({ ...base, recipientEmail: 'new@example.com', campaignName: null }));
    expect(await names(orgId)).toEqual({ 'campaign:camp': 'Spring', 'template:tpl': 'Hero' });
    expect(await t.app.db.query(`SELECT email FROM contacts WHERE org_id = $1`, [orgId])).toEqual([{ email: 'new@example.com' }]);
    await asService(orgId, emailInput({ ...base, campaignName: 'Spring 2', templateName: 'Hero' }));
    expect(await names(orgId)).toEqual({ 'campaign:camp': 'Spring 2', 'template:tpl': 'Hero' });
    expect(await sendCount(t.app.db, orgId)).toBe(4);
  });

  it('keeps the enrollment status and known campaign when a later send omits the campaign', async () => {
    const orgId = uniqueOrg();
    await asService(orgId, emailInput({ contactId: 'c-1', campaignId: 'camp', enrollmentId: 'enr' }));
    await t.app.db.query(`UPDATE enrollments SET status = 'UNENROLLED' WHERE org_id = $1`, [orgId]);
    await asService(orgId, emailInput({ contactId: 'c-1', enrollmentId: 'enr', stepIndex: 0 }));
    expect(await t.app.db.query(`SELECT campaign_id, status FROM enrollments WHERE org_id = $1`, [orgId])).toEqual([
      { campaign_id: 'camp', status: 'UNENROLLED' },
    ]);
  });

  it('records concurrent sends of one campaign and one contact without losing any', async () => {
    const orgId = uniqueOrg();
    const calls = Array.from({ length: 20 }, (_, i) =>
      asService(orgId, emailInput({ contactId: 'c-1', campaignId: 'camp', campaignName: `Name ${i % 2}`, templateId: 'tpl' })),
    );
    const results = await Promise.all(calls);
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    expect(await sendCount(t.app.db, orgId)).toBe(20);
  });
});

describe('suppressed contacts', () => {
  it.each(['BOUNCED', 'COMPLAINED', 'UNSUBSCRIBED'])('refuses a %s contact with CONTACT_SUPPRESSED and records nothing', async (status) => {
    const orgId = uniqueOrg();
    await asService(orgId, emailInput({ contactId: 'c-1' }));
    await t.app.db.query(`UPDATE contacts SET status = $2, status_changed_at = now() WHERE org_id = $1 AND id = 'c-1'`, [orgId, status]);
    const refused = await asService(orgId, emailInput({ contactId: 'c-1', campaignId: 'new-camp', enrollmentId: 'new-enr', recipientEmail: 'other@example.com' }));
    expect(errorCodes(refused)).toEqual(['CONTACT_SUPPRESSED']);
    expect(refused.errors![0]!.message).toContain(status);
    expect(refused.data).toBeNull();
    expect(await sendCount(t.app.db, orgId)).toBe(1);
    // the whole transaction was rolled back: no campaign, enrollment or email change
    expect(await t.app.db.query(`SELECT count(*)::int AS n FROM campaigns WHERE org_id = $1`, [orgId])).toEqual([{ n: 0 }]);
    expect(await t.app.db.query(`SELECT count(*)::int AS n FROM enrollments WHERE org_id = $1`, [orgId])).toEqual([{ n: 0 }]);
    expect(await t.app.db.query(`SELECT email FROM contacts WHERE org_id = $1`, [orgId])).toEqual([{ email: 'ada@example.com' }]);
  });

  it('suppresses by contact in its own organisation only', async () => {
    const [suppressedOrg, otherOrg] = [uniqueOrg(), uniqueOrg()];
    await asService(suppressedOrg, emailInput({ contactId: 'c-1' }));
    await t.app.db.query(`UPDATE contacts SET status = 'BOUNCED' WHERE org_id = $1`, [suppressedOrg]);
    expect((await asService(otherOrg, emailInput({ contactId: 'c-1' }))).errors).toBeUndefined();
  });

  it('waits for a suppression being written at the same moment, then refuses', async () => {
    const orgId = uniqueOrg();
    await asService(orgId, emailInput({ contactId: 'c-1' }));
    const webhook = t.app.db.createQueryRunner();
    await webhook.connect();
    try {
      await webhook.startTransaction();
      await webhook.query(`UPDATE contacts SET status = 'COMPLAINED' WHERE org_id = $1 AND id = 'c-1'`, [orgId]);
      let settled = false;
      const call = asService(orgId, emailInput({ contactId: 'c-1' })).finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false); // held by the contact row lock
      await webhook.commitTransaction();
      expect(errorCodes(await call)).toEqual(['CONTACT_SUPPRESSED']);
      expect(await sendCount(t.app.db, orgId)).toBe(1);
    } finally {
      await webhook.release();
    }
  });
});
