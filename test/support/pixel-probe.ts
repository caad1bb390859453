// Measures what contract section 8 promises: while one request runs, the
// pixel keeps answering within 250 ms. A probe on a worker thread of its own
// (so the test's own work, building and sending megabytes, never shows up as
// the server's delay) fetches a pixel over and over, one request at a time on
// a kept-alive connection; the slowest answer overlapping the request under
// test is its delay.
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

/** Contract section 8: no single request delays the pixel and the redirect by more than this. */
export const PIXEL_DELAY_BOUND_MS = 250;

// Plain JavaScript: the worker runs without the test's TypeScript transform.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
let stopped = false;
parentPort.on('message', () => { stopped = true; });
const now = () => performance.timeOrigin + performance.now();
const fetchPixel = (retry = true) => new Promise((resolve, reject) => {
  http.get(workerData, { agent, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error('pixel answered ' + res.statusCode))));
  }).on('error', (error) => {
    // A kept-alive connection the server closed as this request left: the race
    // of any keep-alive client, answered by a new connection, and timed whole.
    if (retry && error.code === 'ECONNRESET') fetchPixel(false).then(resolve, reject);
    else reject(error);
  });
});
(async () => {
  while (!stopped) {
    const started = now();
    await fetchPixel();
    samples.push([started, now() - started]);
    if (samples.length === 3) parentPort.postMessage({ ready: true });
  }
  agent.destroy();
  parentPort.postMessage({ samples });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

export interface ProbeResult<T> {
  /** what the request under test resolved with */
  outcome: T;
  /** the slowest pixel answer that overlapped the request, in ms */
  worstMs: number;
  /** pixel answers overlapping the request */
  probes: number;
  /** the slowest pixel answer in the 300 ms before the request: how loaded the machine is */
  quietWorstMs: number;
}

const wallClock = () => performance.timeOrigin + performance.now();

/**
 * Runs `request` while probing `pixelUrl`. Probing starts 300 ms before the
 * request (that window's worst is reported as the machine's own noise) and
 * stops once the request settled, so a stall anywhere in it is seen.
 */
export async function probePixelDuring<T>(pixelUrl: string, request: () => Promise<T>): Promise<ProbeResult<T>> {
  const probe = new Worker(PROBE, { eval: true, workerData: pixelUrl });
  const messages: { ready?: boolean; samples?: [number, number][]; error?: string }[] = [];
  const waiters: (() => void)[] = [];
  probe.on('message', (message) => {
    messages.push(message);
    waiters.splice(0).forEach((wake) => wake());
  });
  probe.on('error', (error) => {
    messages.push({ error: String(error) });
    waiters.splice(0).forEach((wake) => wake());
  });
  const next = async (matches: (message: (typeof messages)[number]) => boolean) => {
    for (;;) {
      const found = messages.find((message) => matches(message) || message.error !== undefined);
      if (found) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  const report = next((message) => message.samples !== undefined);
  try {
    // Three answers and 300 ms of them before the request: the probe is warm and the machine's noise is seen.
    const ready = await next((message) => message.ready === true);
    if (ready.error) throw new Error(`the pixel probe failed: ${ready.error}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = wallClock();
    const outcome = await request();
    const ended = wallClock();
    probe.postMessage('stop');
    const { samples, error } = await report;
    if (error || !samples) throw new Error(`the pixel probe failed: ${error}`);
    const during = samples.filter(([at, ms]) => at + ms >= started && at <= ended).map(([, ms]) => ms);
    const before = samples.filter(([at, ms]) => at + ms < started).map(([, ms]) => ms);
    return { outcome, worstMs: Math.max(0, ...during), probes: during.length, quietWorstMs: Math.max(0, ...before) };
  } finally {
    await probe.terminate();
  }
}
