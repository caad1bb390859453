// A child process for the journal's outage test (compiled, so its memory is
// the server's and not a TypeScript compiler's): the real recorder and
// journal on a database that goes away, flooded with events, reporting its
// peak RSS. Driven over stdin/stdout by the test:
//   READY -> (test stops PostgreSQL) GO -> RECORDED {...} -> (test starts it) DRAIN -> DONE {...}
import 'reflect-metadata';
import { createInterface } from 'node:readline';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDataSource } from '../src/db/data-source';
import { createLogger } from '../src/logger';

async function main(): Promise<void> {
  const events = Number(process.env.FLOOD_EVENTS);
  const orgId = process.env.FLOOD_ORG as string;
  const sendIds = (process.env.FLOOD_SENDS as string).split(',');
  const config = loadConfig(process.env);
  const db = createDataSource({ url: config.databaseUrl as string, poolSize: 4 });
  await db.initialize();
  const app = createApp(config, db, createLogger('silent'), { recorder: { retryDelayMs: 100, maxRetryDelayMs: 500 } });
  let peakRss = 0;
  const sample = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const say = (line: string, body: object = {}) => process.stdout.write(`${line} ${JSON.stringify({ peakRssMb: Math.round(peakRss / 2 ** 20), ...body })}\n`);

  const commands = createInterface({ input: process.stdin });
  const next = () => new Promise<string>((resolve) => commands.once('line', resolve));
  say('READY', { rssMb: Math.round(process.memoryUsage().rss / 2 ** 20), heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) });
  await next(); // GO
  let recorded = 0;
  for (let n = 0; n < events; n++) {
    const open = n % 2 === 0;
    if (
      app.recorder.record({
        orgId,
        sendId: sendIds[n % sendIds.length],
        kind: open ? 'OPEN' : 'CLICK',
        source: open ? 'PIXEL' : 'REDIRECT',
        at: Date.now(),
        countable: true,
        bot: false,
        botReason: null,
        mpp: false,
        linkPosition: open ? null : 0,
        url: open ? null : 'https://example.com/flood?utm_source=test',
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
        ipHashHex: n.toString(16).padStart(32, '0'),
      })
    ) {
      recorded++;
    }
    // Let the journal write each tick's events, as requests would.
    if (n % 2_000 === 1_999) await new Promise((resolve) => setImmediate(resolve));
  }
  const heapBeforeGc = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  (globalThis as { gc?: () => void }).gc?.();
  say('RECORDED', { heapBeforeGc, heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), recorded, waiting: app.recorder.buffered, journalMb: Math.round(app.recorder.journal.bytes / 2 ** 20) });
  await next(); // DRAIN
  const drainStarted = Date.now();
  const progress = setInterval(() => {
    process.stderr.write(`flood: ${app.recorder.buffered} waiting, ${app.recorder.counters.written} written, ${app.recorder.counters.writeFailures} failures, ${Math.round((Date.now() - drainStarted) / 1000)} s\n`);
  }, 5_000);
  await app.recorder.flush(600_000);
  clearInterval(progress);
  say('DONE', { waiting: app.recorder.buffered, drainSeconds: Math.round((Date.now() - drainStarted) / 1000), counters: app.recorder.counters });
  clearInterval(sample);
  await app.recorder.close();
  await db.destroy();
  process.exit(0);
}

void main();
