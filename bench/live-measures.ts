// What the live benchmark measures besides the pixel: when each event's
// batch was written (from live_batches), percentiles, and the rows from the
// server's probe (server-probe.ts): where the pixel waits (the server's
// event loop and its garbage collector) and where the memory goes (what
// streams hold, what the load leaves).
import type { DataSource } from 'typeorm';
import type { ProbeReading } from './server-probe';
import type { BenchRow } from './table';

/** Where the pixel waits: the server's event loop (a long synchronous stretch shows as its max) and its garbage collector. */
export function waitRows(streams: string, reading: ProbeReading): BenchRow[] {
  const { loop, gc } = reading;
  return [
    { name: `live: server event-loop delay p50 / p99 / max, ${streams}`, value: `${loop.p50} / ${loop.p99} / ${loop.max}`, unit: 'ms', goal: 'where the pixel p99 waits' },
    { name: `live: server GC pauses, ${streams}: total / longest`, value: `${gc.totalMs} / ${gc.maxMs} (${gc.longest})`, unit: 'ms', goal: `reference (${gc.count} collections)` },
    { name: `live: server peak RSS / heap used / external, ${streams}`, value: `${reading.peak.rss} / ${reading.peak.heapUsed} / ${reading.peak.external}`, unit: 'MB', goal: 'reference' },
  ];
}

export const memoryText = ({ memory: m }: ProbeReading) =>
  `rss ${m.rss}, heap ${m.heapUsed} of ${m.heapTotal} (large objects ${m.largeObjects}, code ${m.code}), external ${m.external} (buffers ${m.arrayBuffers})`;

/** What the streams hold: the server's memory after a garbage collection, before and after opening them. */
export function memoryRows(before: ProbeReading, after: ProbeReading, streams: number): BenchRow[] {
  const perStream = (key: 'rss' | 'heapUsed' | 'external') => Math.round(((after.memory[key] - before.memory[key]) * 1024) / streams);
  return [
    { name: 'live: server memory, no stream (after a GC)', value: memoryText(before), unit: 'MB', goal: 'reference' },
    { name: `live: server memory, ${streams.toLocaleString('en-US')} idle streams (after a GC)`, value: memoryText(after), unit: 'MB', goal: `per stream: rss ${perStream('rss')} KB, heap ${perStream('heapUsed')} KB, external ${perStream('external')} KB` },
  ];
}

export const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** Polls live_batches (kept a minute) for when each event of `orgId` had its batch written: the end of its transaction. */
export function watchBatches(db: DataSource, orgId: string): { writtenAt: Map<string, number>; stop(): Promise<void> } {
  const writtenAt = new Map<string, number>();
  const poll = async () => {
    const rows: { event_ids: string[]; written: number }[] = await db.query(
      `SELECT event_ids, extract(epoch FROM written_at) * 1000 AS written FROM live_batches WHERE org_id = $1`,
      [orgId],
    );
    for (const row of rows) for (const id of row.event_ids) writtenAt.set(id, Number(row.written));
  };
  const timer = setInterval(() => void poll().catch(() => undefined), 5_000);
  return {
    writtenAt,
    async stop() {
      clearInterval(timer);
      await poll();
    },
  };
}
