// The webhook's look-up and the event writer lock the same send rows; each
// must find every send even while the other holds and updates them.
import { writeEvents } from '../../src/events/write-events';
import type { MailgunEvent } from '../../src/webhooks/map-mailgun-event';
import { lockWebhookSends, resolveWebhookSends } from '../../src/webhooks/send-lookup';
import { openTestDataSource, uniqueOrg } from '../support/app';
import { insertSend } from '../support/sends';
import type { DataSource } from 'typeorm';

let db: DataSource;
beforeAll(async () => {
  db = await openTestDataSource();
});
afterAll(async () => {
  await db.destroy();
});

/** Runs `work` in a transaction that has to wait for another transaction updating the send, then commits that one. */
async function behindAConcurrentUpdate<T>(orgId: string, sendId: string, work: () => Promise<T>): Promise<T> {
  const holder = db.createQueryRunner();
  await holder.connect();
  await holder.startTransaction();
  try {
    await holder.query(`UPDATE sends SET opens = opens + 1 WHERE org_id = $1 AND id = $2`, [orgId, sendId]);
    const waiting = work();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await holder.commitTransaction();
    return await waiting;
  } finally {
    await holder.release();
  }
}

it('the webhook look-up finds the send of every event of a batch while a writer updates it', async () => {
  const send = await insertSend(db, { orgId: uniqueOrg() });
  const event = { sendId: send.sendId, orgId: send.orgId, messageId: null, recipient: 'someone@example.com' } as unknown as MailgunEvent;
  const found = await behindAConcurrentUpdate(send.orgId, send.sendId, () =>
    db.transaction(async (manager) => {
      const refs = await resolveWebhookSends(manager, [event, event, event]);
      const locked = await lockWebhookSends(manager, send.orgId, refs.flatMap((ref) => (ref ? [ref.sendId] : [])));
      return refs.map((ref) => (ref ? locked.get(ref.sendId) : undefined));
    }),
  );
  expect(found.map((row) => row?.sendId)).toEqual([send.sendId, send.sendId, send.sendId]);
});

it('the event writer stores a batch for a send a webhook is updating', async () => {
  const send = await insertSend(db, { orgId: uniqueOrg() });
  const open = {
    orgId: send.orgId, sendId: send.sendId, kind: 'OPEN' as const, source: 'PIXEL' as const, occurredAt: new Date(), countable: true,
    bot: false, botReason: null, mpp: false, linkPosition: null, url: null, userAgent: 'Mozilla/5.0 (X11)', ipHash: null,
  };
  const outcome = await behindAConcurrentUpdate(send.orgId, send.sendId, () =>
    db.transaction((manager) => writeEvents(manager, [open, { ...open, occurredAt: new Date(Date.now() + 10_000) }])),
  );
  expect(outcome.stored).toEqual([true, true]);
});
