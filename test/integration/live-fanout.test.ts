// Live activity across instances: two server processes on one database, a
// stream on each, the pixel and the click hit on the other one. Both streams
// see both events within 2 s, with the flags the writer gave them.
import { TEST_ENV, openTestDataSource, tokenFor, uniqueOrg } from '../support/app';
import { BOT_UA, hitLink, hitPixel, MPP_UA, openLiveStream, PERSON_UA, type LiveStream } from '../support/live-stream';
import { freePort, spawnServer, type ServerProcess } from '../support/processes';
import { insertSend } from '../support/sends';
import { getTestDatabase } from '../support/test-database-state';
import type { DataSource } from 'typeorm';

let db: DataSource;
const servers: { process: ServerProcess; url: string }[] = [];

beforeAll(async () => {
  db = await openTestDataSource();
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const process = spawnServer({ ...TEST_ENV, DATABASE_URL: getTestDatabase().url, PORT: String(port), TRUST_PROXY: '1', LOG_LEVEL: 'info' });
    servers.push({ process, url: `http://127.0.0.1:${port}` });
  }
  await Promise.all(servers.map(({ process }) => process.waitFor(/listening on/)));
}, 60_000);

afterAll(async () => {
  for (const { process } of servers) if (process.child.exitCode === null) process.child.kill('SIGTERM');
  expect(await Promise.all(servers.map(({ process }) => process.exited))).toEqual([0, 0]);
  await db.destroy();
});

describe('two server processes on one database', () => {
  it('show every event on the streams of both, within 2 s, with its flags', async () => {
    const org = uniqueOrg('fanout');
    const token = await tokenFor(org, 'boss', 'owner');
    const streams: LiveStream[] = servers.map(({ url }) => openLiveStream(url, token));
    try {
      await Promise.all(streams.map((live) => live.connected));
      const [one, other] = servers;
      const hits = [
        { at: one, send: await insertSend(db, { orgId: org, links: ['https://example.com/one'] }) },
        { at: other, send: await insertSend(db, { orgId: org, links: ['https://example.com/other'] }) },
      ];
      for (const [index, { at, send }] of hits.entries()) {
        const ip = `192.0.2.${100 + index}`;
        const before = Date.now();
        await hitPixel(at.url, send.openToken, PERSON_UA, ip);
        await hitLink(at.url, send.clickTokens[0], PERSON_UA, ip);
        for (const live of streams) {
          const open = await live.waitFor((event) => event.sendId === send.sendId && event.type === 'OPENED');
          const click = await live.waitFor((event) => event.sendId === send.sendId && event.type === 'CLICKED');
          expect(Math.max(open.arrivedAt, click.arrivedAt) - before).toBeLessThan(2_000);
          expect([open, click].map(({ source, counted, bot, mpp }) => ({ source, counted, bot, mpp }))).toEqual([
            { source: 'PIXEL', counted: true, bot: false, mpp: false },
            { source: 'REDIRECT', counted: true, bot: false, mpp: false },
          ]);
        }
      }

      // A machine and Apple's proxy, recorded by one instance, flagged on the other's stream.
      const flagged = await insertSend(db, { orgId: org });
      await hitPixel(one.url, flagged.openToken, MPP_UA, '192.0.2.150');
      await hitPixel(one.url, flagged.openToken, BOT_UA, '192.0.2.151');
      const mpp = await streams[1].waitFor((event) => event.sendId === flagged.sendId && event.mpp);
      const bot = await streams[1].waitFor((event) => event.sendId === flagged.sendId && event.bot);
      expect([mpp, bot].map(({ counted, bot: isBot, botReason, mpp: isMpp }) => ({ counted, bot: isBot, botReason, mpp: isMpp }))).toEqual([
        { counted: true, bot: false, botReason: null, mpp: true },
        { counted: false, bot: true, botReason: 'USER_AGENT', mpp: false },
      ]);
    } finally {
      streams.forEach((live) => live.close());
    }
  });
});
