// Preloaded (`node -r`) into a server a benchmark starts in its own process,
// to tell where its requests wait and where its memory goes: the event loop's
// delay (how long a ready request waited for the loop; a long synchronous
// stretch shows as its max), the garbage collector's pauses, and the heap's
// parts. Asked over the child's IPC channel: `mark` starts a window, `read`
// answers the window's figures, `settle`
// collects garbage first (what is left is what is held). Nothing of it is in the server itself.
import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export interface ProbeReading {
  /** the event loop's delay over the window, in ms */
  loop: { p50: number; p99: number; max: number };
  /** garbage collections over the window: how many, their total and longest pause, in ms */
  gc: { count: number; totalMs: number; maxMs: number; longest: string };
  /** now, in MB */
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; largeObjects: number; code: number };
  /** the highest over the window, sampled every 100 ms, in MB */
  peak: { rss: number; heapUsed: number; external: number };
  /** sockets and other handles the loop holds */
  handles: number;
}

const MB = 1024 * 1024;
/** 1 ms: the pixel's goal is 20 ms, so the loop's delay needs finer steps than prom-client's 10 ms. */
const RESOLUTION_MS = 1;
const PEAK_SAMPLE_MS = 100;
const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak callbacks' };

let histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
const gc = { count: 0, totalMs: 0, maxMs: 0, longest: '' };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++;
    gc.totalMs += entry.duration;
    if (entry.duration > gc.maxMs) {
      gc.maxMs = entry.duration;
      gc.longest = GC_KINDS[((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind ?? 0] ?? 'other';
    }
  }
}).observe({ entryTypes: ['gc'] });

const peak = { rss: 0, heapUsed: 0, external: 0 };
// process.memoryUsage() costs microseconds; a /metrics scrape with 1,000 streams open costs the loop far more.
setInterval(() => {
  const usage = process.memoryUsage();
  peak.rss = Math.max(peak.rss, usage.rss);
  peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  peak.external = Math.max(peak.external, usage.external);
}, PEAK_SAMPLE_MS).unref();

function mark(): void {
  histogram.disable();
  histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, longest: '' });
  Object.assign(peak, { rss: 0, heapUsed: 0, external: 0 });
}

function read(): ProbeReading {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const usage = process.memoryUsage();
  const space = (name: string) => getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_used_size ?? 0;
  const mb = (bytes: number) => Math.round(bytes / MB);
  // getActiveResourcesInfo: one entry per handle and request the loop waits on (TCPWrap per socket).
  return {
    loop: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
    gc: { count: gc.count, totalMs: Math.round(gc.totalMs), maxMs: Math.round(gc.maxMs), longest: gc.longest },
    memory: {
      rss: mb(usage.rss),
      heapUsed: mb(usage.heapUsed),
      heapTotal: mb(getHeapStatistics().total_heap_size),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
      largeObjects: mb(space('large_object_space')),
      code: mb(space('code_space')),
    },
    peak: { rss: mb(peak.rss), heapUsed: mb(peak.heapUsed), external: mb(peak.external) },
    handles: process.getActiveResourcesInfo().length,
  };
}

histogram.enable();
// The channel must not keep a server that was told to stop alive.
process.channel?.unref();
process.on('message', (message: unknown) => {
  if (message === 'mark') mark();
  // `settle`: what is still referenced, without the garbage of the last load (the server runs with --expose-gc).
  if (message === 'settle') globalThis.gc?.();
  process.send?.({ probe: read() });
});
