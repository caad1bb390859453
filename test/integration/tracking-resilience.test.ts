// The pixel and the redirect across instances and through a database outage.
import { createApp, type App } from '../../src/app';
import type { JournalOptions } from '../../src/events/journal/journal';
import type { RecorderOptions } from '../../src/events/recorder';
import { createLogger } from '../../src/logger';
import { startServer } from '../../src/server';
import { startTestApp, uniqueOrg, type TestApp } from '../support/app';
import { freshSpoolRoot } from '../support/spool';
import { eventually, startOutageEnvironment, type OutageEnvironment } from '../support/outage';
import { insertSend, sendCounters, storedEvents } from '../support/sends';

const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15';

function hit(baseUrl: string, route: 'open' | 'click', token: string, ip: string) {
  const url = route === 'open' ? `${baseUrl}/track/open/${token}.gif` : `${baseUrl}/track/click/${token}`;
  return fetch(url, { redirect: 'manual', headers: { 'user-agent': UA, 'x-forwarded-for': ip } });
}

/** A second instance on `base`'s database and configuration, with recorder and journal options of its own. */
async function instanceWith(base: App, recorder: Partial<RecorderOptions>, journal: Partial<JournalOptions> = {}) {
  const app = createApp({ ...base.config, spoolDir: freshSpoolRoot() }, base.db, createLogger('silent'), { recorder, journal });
  const server = await startServer(app, 0, '127.0.0.1');
  return {
    app,
    url: server.url,
    close: async () => {
      await server.close();
      await app.recorder.close();
    },
  };
}

describe('two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ TRUST_PROXY: '1' }), startTestApp({ TRUST_PROXY: '1' })]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('counts identical concurrent opens and clicks once across both', async () => {
    const send = await insertSend(a.app.db, { orgId: uniqueOrg(), links: ['https://example.com/x'] });
    const requests = [a, b].flatMap((instance) =>
      Array.from({ length: 10 }, () => [
        hit(instance.url, 'open', send.openToken, '192.0.2.44'),
        hit(instance.url, 'click', send.clickTokens[0], '192.0.2.44'),
      ]).flat(),
    );
    await Promise.all(requests);
    await Promise.all([a.app.recorder.flush(), b.app.recorder.flush()]);
    const counters = await sendCounters(a.app.db, send);
    expect([counters.opens, counters.clicks]).toEqual([1, 1]);
    expect(await storedEvents(a.app.db, send)).toHaveLength(40);
  });
});

describe('a database outage', () => {
  let outage: OutageEnvironment;
  beforeAll(async () => {
    outage = await startOutageEnvironment('outage', { TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await outage.close();
  });

  it('keeps answering while PostgreSQL is stopped, then writes every buffered event once it is back', async () => {
    const { app, server } = outage;
    const send = await insertSend(app.db, { orgId: uniqueOrg(), links: ['https://example.com/during-outage'] });
    await outage.stopDatabase();

    const opens = await Promise.all(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip) => hit(server.url, 'open', send.openToken, ip)));
    expect(opens.map((response) => response.status)).toEqual([200, 200, 200]);
    const clicks = await Promise.all(['10.0.0.1', '10.0.0.2'].map((ip) => hit(server.url, 'click', send.clickTokens[0], ip)));
    expect(clicks.map((response) => [response.status, response.headers.get('location')])).toEqual([
      [302, 'https://example.com/during-outage'],
      [302, 'https://example.com/during-outage'],
    ]);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok', db: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few failed write attempts
    expect(app.recorder.buffered).toBe(5);

    await outage.startDatabase();
    await eventually(async () => app.recorder.buffered === 0);
    const counters = await sendCounters(app.db, send);
    expect([counters.opens, counters.clicks]).toEqual([3, 2]);
    expect(await storedEvents(app.db, send)).toHaveLength(5);
    await eventually(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { db: string }).db === 'up');
  });

  it('drops new events past the journal bound and counts them, still answering', async () => {
    const { app } = outage;
    const send = await insertSend(app.db, { orgId: uniqueOrg() });
    // Room for two events of this size (each about 220 bytes with its framing).
    const small = await instanceWith(app, { lingerMs: 60_000 }, { maxBytes: 600 });
    try {
      for (const ip of ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4']) expect((await hit(small.url, 'open', send.openToken, ip)).status).toBe(200);
      expect(small.app.recorder.counters.dropped).toBe(2);
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toMatch(/tracking_events_total\{outcome="dropped"\} 2/);
      await small.app.recorder.flush();
      expect((await sendCounters(app.db, send)).opens).toBe(2);
    } finally {
      await small.close();
    }
  });
});

// Under a burst the recorder answers first and writes later, but never later
// than its high-water mark or its maximum age allows.
describe('a busy event loop', () => {
  let base: TestApp;
  beforeAll(async () => {
    base = await startTestApp({ TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await base.close();
  });

  /** An instance whose loop always counts as busy: every utilisation is above -1 and none below it, so waiting ends at maxDeferMs only. */
  const busyInstance = (options: { maxDeferMs: number; deferFromEvents?: number }) =>
    instanceWith(base.app, { busyUtilisation: -1, resumeUtilisation: -1, lingerMs: 0, deferFromEvents: 1, ...options });

  it('writes a few events at once however busy the loop is: only a pile of them is worth holding', async () => {
    const send = await insertSend(base.app.db, { orgId: uniqueOrg() });
    const busy = await busyInstance({ maxDeferMs: 60_000, deferFromEvents: 3 });
    try {
      await Promise.all(['10.3.0.1', '10.3.0.2'].map((ip) => hit(busy.url, 'open', send.openToken, ip)));
      // Within the test's default timeout, far below maxDeferMs: written, not held.
      await eventually(async () => (await sendCounters(base.app.db, send)).opens === 2);
      expect(busy.app.recorder.buffered).toBe(0);
    } finally {
      await busy.close();
    }
  });

  it('holds events while busy, then writes them once the oldest has waited maxDeferMs', async () => {
    const send = await insertSend(base.app.db, { orgId: uniqueOrg() });
    const busy = await busyInstance({ maxDeferMs: 1_500 });
    try {
      const started = Date.now();
      await Promise.all(['10.2.0.1', '10.2.0.2'].map((ip) => hit(busy.url, 'open', send.openToken, ip)));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(busy.app.recorder.buffered).toBe(2);
      expect((await sendCounters(base.app.db, send)).opens).toBe(0);
      await eventually(async () => busy.app.recorder.buffered === 0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect((await sendCounters(base.app.db, send)).opens).toBe(2);
    } finally {
      await busy.close();
    }
  });
});
