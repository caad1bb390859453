// The webhook through a database outage: unlike the pixel it never
// acknowledges what it did not store, so Mailgun's retry lands exactly once.
import { uniqueOrg } from '../support/app';
import { PLATFORM_KEY, eventData, jsonBody, postJson, sendStatus } from '../support/mailgun';
import { eventually, startOutageEnvironment, type OutageEnvironment } from '../support/outage';
import { insertSend, sendCounters, storedEvents } from '../support/sends';

describe('a database outage', () => {
  let outage: OutageEnvironment;
  beforeAll(async () => {
    outage = await startOutageEnvironment('webhook-outage', { MAILGUN_WEBHOOK_SIGNING_KEY: PLATFORM_KEY });
  });
  afterAll(async () => {
    await outage.close();
  });

  it('answers 503 while PostgreSQL is down, and a retry once it is back records the event once', async () => {
    const { app, server } = outage;
    const send = await insertSend(app.db, { orgId: uniqueOrg('outage'), links: ['https://example.com/x'] });
    const opened = eventData('opened', { sendId: send.sendId, orgId: send.orgId });
    const failed = eventData('failed', { sendId: send.sendId, orgId: send.orgId, severity: 'temporary' });
    await outage.stopDatabase();

    const during = await Promise.all([opened, failed].map((data) => postJson(server.url, jsonBody(PLATFORM_KEY, data))));
    expect(during.map((response) => response.status)).toEqual([503, 503]);
    expect(during[0].headers.get('retry-after')).toBe('60');

    await outage.startDatabase();
    // Mailgun retries with a fresh signature; the first retry may still meet a reconnecting pool.
    await eventually(async () => (await postJson(server.url, jsonBody(PLATFORM_KEY, opened))).status === 200);
    expect((await postJson(server.url, jsonBody(PLATFORM_KEY, failed))).status).toBe(200);
    const again = await postJson(server.url, jsonBody(PLATFORM_KEY, opened));
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);

    expect((await sendCounters(app.db, send)).opens).toBe(1);
    expect(await storedEvents(app.db, send)).toHaveLength(1);
    expect(await sendStatus(app.db, send.orgId, send.sendId)).toBe('DEFERRED');
  });
});
