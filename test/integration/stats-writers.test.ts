// Writers and the stats: writers of sends in one rollup bucket never wait on
// each other, the real recorder's counting shows in the figures, and deleting
// a whole organisation is quick.
import type { EntityManager } from 'typeorm';
import { CampaignsDocument, OverviewDocument } from '../generated/graphql';
import type { TrackingEventInput } from '../../src/events/event';
import { writeEvents } from '../../src/events/write-events';
import { deleteAllSends } from '../../src/rollups/move-sends';
import { compactSendStats } from '../../src/stats/compaction';
import { applyDeliveryEffects } from '../../src/webhooks/apply-effects';
import type { MailgunEvent } from '../../src/webhooks/map-mailgun-event';
import { lockWebhookSends } from '../../src/webhooks/send-lookup';
import { startTestApp, TEST_ENV, tokenFor, uniqueOrg, type TestApp } from '../support/app';
import { spawnServer } from '../support/processes';
import { getTestDatabase } from '../support/test-database-state';
import { gql } from '../support/graphql-client';
import { writeAlongside } from '../support/concurrent-writers';
import { insertSend } from '../support/sends';
import { directFigures, insertSends } from './stats-fixtures';

let t: TestApp;
const org = uniqueOrg('writers');
const DAY = 86_400_000;
const START = Date.parse('2025-01-01T00:00:00Z');
let admin: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await tokenFor(org, 'boss', 'admin');
});
afterAll(async () => {
  await t.close();
});

const open = (sendId: string): TrackingEventInput => ({
  orgId: org, sendId, kind: 'OPEN', source: 'PIXEL', occurredAt: new Date(), countable: true, bot: false, botReason: null, mpp: false,
  linkPosition: null, url: null, userAgent: 'Mozilla/5.0 (Macintosh)', ipHash: null,
});

/** A permanent failure of the send, as the webhooks apply it in their transaction. */
async function bounce(manager: EntityManager, sendId: string): Promise<void> {
  const send = (await lockWebhookSends(manager, org, [sendId])).get(sendId);
  const event: MailgunEvent = {
    id: `bounce-${sendId}`, type: 'failed', name: 'failed', severity: 'permanent', occurredAt: new Date(), sendId, orgId: org, messageId: null,
    recipient: null, url: null, ip: null, userAgent: null, clientBot: null, deviceType: null,
  };
  if (send) await applyDeliveryEffects(manager, org, [{ event, send }]);
}

describe('writers', () => {
  it('never wait on each other for sends in the same rollup bucket, nor on compaction', async () => {
    const [first, second] = await insertSends(t.app.db, org, [
      { sentAt: '2025-05-30T10:00:00Z', sender: 'u2', campaign: 'hot', template: 't1' },
      { sentAt: '2025-05-30T11:00:00Z', sender: 'u2', campaign: 'hot', template: 't1' },
    ]);
    // Were a writer to update a shared rollup row, the second would wait for the first and time out.
    const folded = await writeAlongside(
      t.app.db,
      (manager) => writeEvents(manager, [open(first)]),
      async (manager) => {
        await bounce(manager, second);
        await writeEvents(manager, [open(second)]);
      },
    );
    expect(folded).toBeGreaterThanOrEqual(0);
    const hot = await directFigures(t.app.db, org, { to: new Date(), campaign: 'hot' });
    expect(hot).toEqual(expect.objectContaining({ sends: 2, opened: 2, failed: 1, opens: 2 }));
    const result = await gql(t.url, CampaignsDocument, { range: { from: '2025-05-30T00:00:00Z', to: '2025-05-31T00:00:00Z' } }, admin);
    expect(result.data?.campaigns.find((row) => row.id === 'hot')?.stats).toEqual(hot);
  });

  it('count what the real recorder counts from concurrent pixel hits', async () => {
    const liveOrg = uniqueOrg('live');
    const sends = await Promise.all(Array.from({ length: 10 }, () => insertSend(t.app.db, { orgId: liveOrg, campaignId: 'live', templateId: 't-live' })));
    const hits = sends.flatMap((send, index) =>
      Array.from({ length: 1 + (index % 4) }, (_, hit) =>
        fetch(`${t.url}/track/open/${send.openToken}.gif`, {
          headers: { 'user-agent': index % 3 === 0 ? 'Mozilla/5.0' : 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15', 'x-forwarded-for': `203.0.113.${index * 10 + hit}` },
        }),
      ),
    );
    await Promise.all(hits);
    await t.app.recorder.flush();
    const token = await tokenFor(liveOrg, 'boss', 'admin');
    const overview = await gql(t.url, OverviewDocument, {}, token);
    const direct = await directFigures(t.app.db, liveOrg, { to: new Date(Date.now() + 1000), from: new Date(Date.now() - 30 * DAY) });
    expect(direct.opens).toBeGreaterThan(0);
    expect(overview.data?.overview).toEqual(direct);
  });

  it('let every send of an organisation be deleted at once, figures and all', async () => {
    const leaving = uniqueOrg('leaving');
    const specs = Array.from({ length: 20_000 }, (_, index) => ({
      sentAt: new Date(START + (index % 150) * DAY + index * 1000),
      sender: `u${index % 7}`,
      campaign: `c${index % 40}`,
      template: `t${index % 9}`,
    }));
    await insertSends(t.app.db, leaving, specs);
    await compactSendStats(t.app.db);
    expect(await deleteAllSends(t.app.db, leaving)).toBe(20_000);
    const token = await tokenFor(leaving, 'boss', 'admin');
    const overview = await gql(t.url, OverviewDocument, { range: { preset: 'ALL_TIME' } }, token);
    expect(overview.data?.overview).toEqual(expect.objectContaining({ sends: 0, lastSentAt: null }));
    expect((await gql(t.url, CampaignsDocument, { range: { preset: 'ALL_TIME' } }, token)).data?.campaigns).toEqual([]);
  });

  it('npm run sends moves sends with their figures, and deletes every send of an organisation', async () => {
    const moving = uniqueOrg('cli');
    const [first, second] = await insertSends(t.app.db, moving, [
      { sentAt: '2025-02-10T10:00:00Z', campaign: 'old', opens: 2 },
      { sentAt: '2025-02-11T10:00:00Z', campaign: 'old', clicks: 1 },
    ]);
    const sends = (...args: string[]) => spawnServer({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url }, 'dist/src/cli/sends.js', args);
    const moved = sends('move', '--org', moving, '--sends', `${first},${second}`, '--campaign', 'new', '--sent-at', '2025-03-01T08:00:00Z');
    expect(await moved.exited).toBe(0);
    expect(moved.output()).toBe(`Moved 2 sends of ${moving}, with their figures.\n`);
    const token = await tokenFor(moving, 'boss', 'admin');
    const range = { range: { preset: 'ALL_TIME' as const } };
    const campaigns = (await gql(t.url, CampaignsDocument, range, token)).data?.campaigns ?? [];
    expect(campaigns.map((row) => [row.id, row.stats.sends, row.stats.opened, row.stats.clicked, row.stats.lastSentAt])).toEqual([
      ['new', 2, 2, 1, '2025-03-01T08:00:00.000Z'],
    ]);
    const deleted = sends('delete', '--org', moving, '--sends', 'all');
    expect(await deleted.exited).toBe(0);
    expect(deleted.output()).toBe(`Deleted 2 sends of ${moving}, with their figures.\n`);
    expect((await gql(t.url, OverviewDocument, range, token)).data?.overview).toEqual(expect.objectContaining({ sends: 0, opened: 0, lastSentAt: null }));
  });
});
