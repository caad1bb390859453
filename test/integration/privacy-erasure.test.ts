// forgetContact (contract section 7): the raw events and every copy of the
// address go, the aggregates stay exactly as they were, and the contact is
// never sent to or recorded again.
import { compactSendStats } from '../../src/stats/compaction';
import { ContactPrivacyDocument, ErasureFiguresDocument, SendDocument } from '../generated/graphql';
import { startTestApp, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { errorCodes, gql } from '../support/graphql-client';
import { emailInput, instrument, TRACKING_ORIGIN } from '../support/instrument';
import { PLATFORM_KEY, contactStatus, eventData, jsonBody, postJson, sendStatus } from '../support/mailgun';
import { LINKS, followLink, forget, openPixel, rawEventCount, sendTrackedEmail, setConsent, type TrackedEmail } from '../support/privacy';
import { linkCounters, sendCounters } from '../support/sends';
import { getTestDatabase } from '../support/test-database-state';

let t: TestApp;
beforeAll(async () => {
  // Each request comes from an address of its own (X-Forwarded-For): one reader's two clicks are not a scanner's burst.
  t = await startTestApp({ PUBLIC_BASE_URL: TRACKING_ORIGIN, MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY, TRUST_PROXY: '1' });
});
afterAll(async () => {
  await t.close();
});

const CAMPAIGN = { campaignId: 'spring', templateId: 'news-v3' };

async function engage(send: TrackedEmail): Promise<void> {
  await openPixel(t, send);
  await followLink(t, send, 0);
  await followLink(t, send, 1);
  await fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
  await t.app.recorder.flush();
  await postJson(t.url, jsonBody(PLATFORM_KEY, eventData('clicked', { sendId: send.sendId, orgId: send.orgId, url: LINKS[0], ip: '203.0.113.50' })));
}

/** Two emails to the contact to be erased and one to someone else, all read and clicked. */
async function campaignWithReaders(orgId: string) {
  const first = await sendTrackedEmail(t, orgId, { ...CAMPAIGN, recipientEmail: 'ada@example.com' });
  const second = await sendTrackedEmail(t, orgId, { ...CAMPAIGN, contactId: first.contactId, recipientEmail: 'ada.l@example.com' });
  const someoneElse = await sendTrackedEmail(t, orgId, { ...CAMPAIGN, recipientEmail: 'grace@example.com' });
  // Per email: 1 counted open, 2 counted clicks (the webhook's repeats the redirect's), 1 bot open; 5 raw events.
  for (const send of [first, second, someoneElse]) await engage(send);
  return { erased: [first, second], kept: someoneElse, contactId: first.contactId };
}

async function figures(orgId: string) {
  const result = await gql(t.url, ErasureFiguresDocument, { campaignId: CAMPAIGN.campaignId }, await tokenFor(orgId, 'admin-1', 'admin'));
  expect(result.errors).toBeUndefined();
  return result.data!;
}

it('deletes the raw events and every copy of the address, and moves no figure', async () => {
  const orgId = uniqueOrg('erase');
  const { erased, kept, contactId } = await campaignWithReaders(orgId);
  await compactSendStats(t.app.db);
  const before = await figures(orgId);
  const counters = await Promise.all([...erased, kept].map(async (send) => [await sendCounters(t.app.db, send), await linkCounters(t.app.db, send)]));
  expect(before.overview).toMatchObject({ sends: 3, opened: 3, clicked: 3, opens: 3, clicks: 6 });
  expect(await rawEventCount(t.app.db, erased)).toBe(10);

  expect((await forget(t, orgId, contactId, 'service')).data?.forgetContact).toBe(true);

  expect(await rawEventCount(t.app.db, erased)).toBe(0);
  expect(await rawEventCount(t.app.db, [kept])).toBe(5);
  const emails: { id: string; recipient_email: string }[] = await t.app.db.query(`SELECT id, recipient_email FROM sends WHERE org_id = $1 ORDER BY id`, [orgId]);
  expect(emails.map((row) => [row.id, row.recipient_email])).toEqual(
    [...erased.map((send) => [send.sendId, '']), [kept.sendId, 'grace@example.com']].sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
  const admin = await tokenFor(orgId, 'admin-1', 'admin');
  expect((await gql(t.url, ContactPrivacyDocument, { id: contactId }, admin)).data?.contact).toEqual({ id: contactId, email: '', status: 'ERASED', trackingConsent: false });
  expect((await gql(t.url, SendDocument, { id: erased[1]!.sendId }, admin)).data?.send).toMatchObject({ email: '', opens: 1, clicks: 2, events: [] });

  // Every figure, read from the compacted rollups plus whatever deltas the erasure wrote, is as it was.
  const blank = (row: { sendId: string; email: string }) => (erased.some((send) => send.sendId === row.sendId) ? { ...row, email: '' } : row);
  expect(await figures(orgId)).toEqual({ ...before, campaign: { ...before.campaign!, recipients: before.campaign!.recipients.map(blank) } });
  expect(await Promise.all([...erased, kept].map(async (send) => [await sendCounters(t.app.db, send), await linkCounters(t.app.db, send)]))).toEqual(counters);
});

it('refuses later sends, writes no address back, and records nothing of the earlier emails', async () => {
  const orgId = uniqueOrg('erase');
  const { erased, contactId } = await campaignWithReaders(orgId);
  await forget(t, orgId, contactId);
  const counters = await sendCounters(t.app.db, erased[0]!);

  const refused = await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), emailInput({ contactId, recipientEmail: 'ada.new@example.com' }));
  expect(errorCodes(refused)).toEqual(['CONTACT_SUPPRESSED']);
  const pixel = await openPixel(t, erased[0]!);
  expect([pixel.status, Buffer.from(await pixel.arrayBuffer()).length]).toEqual([200, 43]);
  const click = await followLink(t, erased[0]!, 1);
  expect([click.status, click.headers.get('location')]).toEqual([302, LINKS[1]]);
  await t.app.recorder.flush();
  // Late Mailgun events: an open, and a bounce, complaint and unsubscribe that would move the send and the contact.
  for (const [event, options] of [['opened', {}], ['failed', { severity: 'permanent' }], ['complained', {}], ['unsubscribed', {}]] as const) {
    const response = await postJson(t.url, jsonBody(PLATFORM_KEY, eventData(event, { sendId: erased[0]!.sendId, orgId, recipient: 'ada@example.com', ...options })));
    expect([response.status, await response.json()]).toEqual([200, { status: 'ignored' }]);
  }
  expect(await sendStatus(t.app.db, orgId, erased[0]!.sendId)).toBe('SENT');

  expect(await rawEventCount(t.app.db, erased)).toBe(0);
  expect(await sendCounters(t.app.db, erased[0]!)).toEqual(counters);
  expect(await contactStatus(t.app.db, orgId, contactId)).toBe('ERASED');
  const [contact]: { email: string }[] = await t.app.db.query(`SELECT email FROM contacts WHERE org_id = $1 AND id = $2`, [orgId, contactId]);
  expect(contact!.email).toBe('');
  const [{ n }]: { n: number }[] = await t.app.db.query(`SELECT count(*)::int AS n FROM sends WHERE org_id = $1 AND contact_id = $2`, [orgId, contactId]);
  expect(n).toBe(2);
});

it("is idempotent and never touches another organisation's contact with the same id", async () => {
  const [orgId, otherOrg] = [uniqueOrg('erase'), uniqueOrg('other')];
  const { contactId } = await campaignWithReaders(orgId);
  const theirs = await sendTrackedEmail(t, otherOrg, { contactId, recipientEmail: 'ada@example.org' });
  await engage(theirs);
  expect((await forget(t, orgId, contactId, 'owner')).data?.forgetContact).toBe(true);
  expect((await forget(t, orgId, contactId)).data?.forgetContact).toBe(true);
  expect(await contactStatus(t.app.db, orgId, contactId)).toBe('ERASED');

  expect(await rawEventCount(t.app.db, [theirs])).toBe(5);
  const seen = await gql(t.url, ContactPrivacyDocument, { id: contactId }, await tokenFor(otherOrg, 'admin-1', 'admin'));
  expect(seen.data?.contact).toEqual({ id: contactId, email: 'ada@example.org', status: 'ACTIVE', trackingConsent: true });
  await sendTrackedEmail(t, otherOrg, { contactId });
});

it('an unknown contact is recorded as erased, so it is never sent to', async () => {
  const orgId = uniqueOrg('erase');
  expect((await forget(t, orgId, 'never-seen')).data?.forgetContact).toBe(true);
  expect(await contactStatus(t.app.db, orgId, 'never-seen')).toBe('ERASED');
  const refused = await instrument(t.url, await tokenFor(orgId, 'crm', 'service'), emailInput({ contactId: 'never-seen' }));
  expect(errorCodes(refused)).toEqual(['CONTACT_SUPPRESSED']);
});

it('an erased contact cannot be given tracking consent again; withdrawing it again is harmless', async () => {
  const orgId = uniqueOrg('erase');
  await forget(t, orgId, 'gone');
  expect(errorCodes(await setConsent(t, orgId, 'gone', true))).toEqual(['CONTACT_SUPPRESSED']);
  const withdrawn = await setConsent(t, orgId, 'gone', false);
  expect(withdrawn.data?.setContactTrackingConsent).toEqual({ id: 'gone', email: '', status: 'ERASED', trackingConsent: false });
});

it('logs what it deleted as counts, never the address', async () => {
  const orgId = uniqueOrg('erase');
  const { contactId } = await campaignWithReaders(orgId);
  const info = jest.spyOn(t.app.log, 'info');
  try {
    await forget(t, orgId, contactId);
    const calls = info.mock.calls.filter(([, message]) => message === 'contact erased');
    expect(calls).toEqual([[{ orgId, contactId, sendsErased: 2, eventsDeleted: 10 }, 'contact erased']]);
    expect(JSON.stringify(info.mock.calls)).not.toMatch(/@example\.com/);
  } finally {
    info.mockRestore();
  }
});

describe('serialised with the event writer on the send rows', () => {
  /**
   * Backends of this database waiting, directly or not, on any of these
   * backends. On Citus the rows are locked on a worker: the waits are read
   * from citus_lock_waits, by global backend id (citus_backend_gpid()).
   */
  async function waitersOn(pids: number[]): Promise<number[]> {
    const rows: { pid: string | number }[] = getTestDatabase().citus
      ? await t.app.db.query(`SELECT DISTINCT waiting_gpid AS pid FROM citus_lock_waits WHERE blocking_gpid = ANY($1::bigint[]) AND NOT waiting_gpid = ANY($1::bigint[])`, [pids])
      : await t.app.db.query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pg_blocking_pids(pid) && $1::int[] AND NOT pid = ANY($1::int[])`,
          [pids],
        );
    return rows.map((row) => Number(row.pid));
  }

  async function nextWaiter(pids: number[]): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const [pid] = await waitersOn(pids);
      if (pid !== undefined) return pid;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('nothing came to wait on the held send');
  }

  // Whichever of the two reaches the send first, the other waits for it; either
  // way, no event of the erased contact is left behind.
  it.each(['erasure', 'event batch'])('the %s reaching the send first', async (first) => {
    const orgId = uniqueOrg('erase');
    const send = await sendTrackedEmail(t, orgId);
    const holder = t.app.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM sends WHERE org_id = $1 AND id = $2 FOR UPDATE`, [orgId, send.sendId]);
      const [{ pid }]: { pid: number }[] = await holder.query(`SELECT ${getTestDatabase().citus ? 'citus_backend_gpid()' : 'pg_backend_pid()'}::bigint::float8 AS pid`);
      const steps = [() => forget(t, orgId, send.contactId), () => openPixel(t, send).then(() => t.app.recorder.flush())];
      const [firstStep, secondStep] = first === 'erasure' ? steps : [steps[1]!, steps[0]!];
      const done = [firstStep!()];
      const waiting = await nextWaiter([pid]);
      done.push(secondStep!());
      await nextWaiter([pid, waiting]);
      await holder.commitTransaction();
      await Promise.all(done);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    await t.app.recorder.flush();
    expect(await contactStatus(t.app.db, orgId, send.contactId)).toBe('ERASED');
    expect(await rawEventCount(t.app.db, [send])).toBe(0);
    expect((await sendCounters(t.app.db, send)).opens).toBe(first === 'erasure' ? 0 : 1);
  });
});
