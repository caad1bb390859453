// One organisation per writer transaction (on Citus, one organisation's
// shard): the recorder cuts its batches per organisation, the webhooks'
// group commit runs a transaction per organisation, and the writer refuses a
// batch that mixes them rather than spread one transaction over several.
import { statementTiming } from '../../src/db/statement-timing';
import type { TrackingEventInput } from '../../src/events/event';
import { writeEvents } from '../../src/events/write-events';
import { startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { eventData, jsonBody, PLATFORM_KEY, postJson, sendStatus } from '../support/mailgun';
import { insertSend, sendCounters, type TestSend } from '../support/sends';

let t: TestApp;
beforeAll(async () => {
  // A long linger gathers every organisation's hits into one journal batch.
  t = await startTestApp({ TRUST_PROXY: '1', MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY }, { recorder: { lingerMs: 500 } });
});
afterAll(async () => {
  statementTiming.observe = null;
  await t.close();
});

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15';

/** The organisation ($1) of every execution of the writer's lock statement while `work` runs. */
async function lockedOrganisations(work: () => Promise<void>): Promise<unknown[]> {
  const orgs: unknown[] = [];
  statementTiming.observe = (statement) => {
    if (statement.name.startsWith('events_lock_sends')) orgs.push(statement.values[0]);
  };
  try {
    await work();
  } finally {
    statementTiming.observe = null;
  }
  return orgs;
}

async function sendsOfThreeOrganisations(): Promise<TestSend[]> {
  return Promise.all([uniqueOrg('one'), uniqueOrg('two'), uniqueOrg('three')].map((orgId) => insertSend(t.app.db, { orgId })));
}

describe('one organisation per transaction', () => {
  it('the recorder writes a batch holding three organisations as three transactions', async () => {
    const sends = await sendsOfThreeOrganisations();
    const failures = t.app.recorder.counters.writeFailures;
    const orgs = await lockedOrganisations(async () => {
      await Promise.all(
        sends.flatMap((send, index) =>
          [1, 2].map((hit) => fetch(`${t.url}/track/open/${send.openToken}.gif`, { headers: { 'user-agent': UA, 'x-forwarded-for': `198.51.100.${index * 10 + hit}` } })),
        ),
      );
      await t.app.recorder.flush();
    });
    // A mixed batch would be refused, then written event by event: a write failure each time.
    expect(t.app.recorder.counters.writeFailures).toBe(failures);
    expect(new Set(orgs)).toEqual(new Set(sends.map((send) => send.orgId)));
    for (const send of sends) expect((await sendCounters(t.app.db, send)).opens).toBe(2);
  });

  it('the webhooks commit events of three organisations arriving together, each in its own transaction', async () => {
    const sends = await sendsOfThreeOrganisations();
    const orgs = await lockedOrganisations(async () => {
      const answers = await Promise.all(
        sends.flatMap((send) => [
          postJson(t.url, jsonBody(PLATFORM_KEY, eventData('opened', { sendId: send.sendId, orgId: send.orgId }))),
          postJson(t.url, jsonBody(PLATFORM_KEY, eventData('failed', { sendId: send.sendId, orgId: send.orgId, severity: 'permanent' }))),
        ]),
      );
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    });
    expect(new Set(orgs)).toEqual(new Set(sends.map((send) => send.orgId)));
    for (const send of sends) {
      expect((await sendCounters(t.app.db, send)).opens).toBe(1);
      expect(await sendStatus(t.app.db, send.orgId, send.sendId)).toBe('FAILED');
    }
  });

  it('the writer refuses a batch that mixes organisations, and stores nothing of it', async () => {
    const [a, b] = await sendsOfThreeOrganisations();
    const open = (send: TestSend): TrackingEventInput => ({
      orgId: send.orgId, sendId: send.sendId, kind: 'OPEN', source: 'PIXEL', occurredAt: new Date(), countable: true, bot: false, botReason: null,
      mpp: false, linkPosition: null, url: null, userAgent: UA, ipHash: null,
    });
    await expect(t.app.db.transaction((manager) => writeEvents(manager, [open(a), open(b)]))).rejects.toThrow(/one organisation/);
    for (const send of [a, b]) expect((await sendCounters(t.app.db, send)).opens).toBe(0);
  });
});
