// The system under load for the tracking benchmark, in its own process so the
// load generator does not share its event loop: either the real application
// (`app`; `app-no-rules` is the same without the machine rules of contract
// section 4, the baseline they are measured against; `app-append-only`
// stores the raw events and does nothing else, the floor of any writer) or a
// bare node:http server answering the same bytes (`bare`); `app-outbound` is
// the application with its outbound webhook dispatcher running (main.ts
// starts it; the other modes leave it off, as the benchmarks before it did).
// Prints "READY <url>"; on SIGUSR1 prints "MARK <json>" (events written so
// far; peak RSS and how busy the event loop was since the last mark); on
// SIGUSR2 writes the backlog and prints "FLUSHED <json>"; on SIGTERM flushes, prints "DONE <counters json>"
// and exits.
import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createApp, type AppOptions } from '../src/app';
import { loadConfig } from '../src/config';
import { defaultRecorderOptions } from '../src/events/recorder';
import { createDataSource } from '../src/db/data-source';
import { createLogger } from '../src/logger';
import { PIXEL_GIF } from '../src/routes/tracking';
import { startServer } from '../src/server';

const PIXEL_HEADERS = {
  'content-type': 'image/gif',
  'content-length': String(PIXEL_GIF.length),
  'cache-control': 'no-store, no-cache, must-revalidate, private',
  pragma: 'no-cache',
  expires: '0',
};

async function bare(location: string): Promise<void> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/track/click/')) {
      res.writeHead(302, { location, 'cache-control': PIXEL_HEADERS['cache-control'], 'content-length': '0' });
      res.end();
      return;
    }
    res.writeHead(200, PIXEL_HEADERS);
    res.end(PIXEL_GIF);
  });
  server.keepAliveTimeout = 5_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => {
    process.stdout.write('DONE {}\n');
    process.exit(0);
  });
}

async function application(options: AppOptions, outbound = false): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const db = createDataSource({ url: config.databaseUrl as string, poolSize: 10 });
  await db.initialize();
  const app = createApp(config, db, log, options);
  const server = await startServer(app, 0, '127.0.0.1');
  if (outbound) app.outbound.start();
  let peakRss = 0;
  // The share of 100 ms ticks the event loop was busier than the threshold
  // at which the recorder's writing starts to wait (up to maxDeferMs; it
  // resumes after a second below 60 %, events/write-pacing.ts), so this says
  // whether a load was written as it went or after it.
  let loop = performance.eventLoopUtilization();
  let ticks = 0;
  let busyTicks = 0;
  setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const now = performance.eventLoopUtilization();
    ticks++;
    if (performance.eventLoopUtilization(now, loop).utilization > defaultRecorderOptions.busyUtilisation) busyTicks++;
    loop = now;
  }, 100).unref();
  process.stdout.write(`READY ${server.url}\n`);
  process.on('SIGUSR1', () => {
    const busyPercent = Math.round((100 * busyTicks) / Math.max(1, ticks));
    process.stdout.write(`MARK ${JSON.stringify({ written: app.recorder.rate.total, waiting: app.recorder.buffered, peakRssMb: Math.round(peakRss / 1e6), busyPercent })}\n`);
    peakRss = 0;
    ticks = 0;
    busyTicks = 0;
  });
  /** Writes what the recorder held back; how many events that was and how long it took. */
  const writeBacklog = async () => {
    const backlog = app.recorder.buffered;
    const started = Date.now();
    await app.recorder.flush(300_000);
    return { backlog, backlogMs: Date.now() - started };
  };
  // Between two loads: write the backlog of the first, so the second starts from an idle database.
  process.on('SIGUSR2', () => {
    void writeBacklog().then((written) => process.stdout.write(`FLUSHED ${JSON.stringify(written)}\n`));
  });
  process.on('SIGTERM', () => {
    void (async () => {
      await server.close();
      await app.outbound.stop();
      const written = await writeBacklog();
      await app.recorder.close();
      const report = { ...app.recorder.counters, ...written, rssMb: Math.round(process.memoryUsage().rss / 1e6) };
      process.stdout.write(`DONE ${JSON.stringify(report)}\n`);
      await db.destroy();
      process.exit(0);
    })();
  });
}

const mode = process.argv[2];
if (mode === 'bare') void bare(process.argv[3] ?? 'https://example.com/');
else if (mode === 'app-append-only') void application({ recorder: { appendOnly: true } });
else void application({ machineRules: mode !== 'app-no-rules' }, mode === 'app-outbound');
