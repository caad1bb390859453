// Retention at scale: 5,000,000 raw events older than the window, pruned by
// `pruneRawEvents` (partitions dropped whole, the straddling month by range).
import { pruneRawEvents } from '../src/retention/prune';
import { settleDatabase, startBenchEnvironment } from './environment';
import type { BenchRow } from './table';

const EVENTS = Number(process.env.BENCH_RETENTION_EVENTS ?? 5_000_000);
const RETENTION_DAYS = 365;
const DAY = 86_400_000;

export async function benchRetention(): Promise<BenchRow[]> {
  const env = await startBenchEnvironment('retention');
  try {
    const now = Date.now();
    // Old events spread over the 150 days before the cutoff, plus 100,000 recent ones that must stay.
    const oldest = new Date(now - (RETENTION_DAYS + 150) * DAY);
    await env.db.query(`SELECT ensure_tracking_event_partitions($1::date, $2::date)`, [oldest.toISOString().slice(0, 10), new Date(now).toISOString().slice(0, 10)]);
    const generated = Date.now();
    const chunk = 500_000;
    for (let first = 1; first <= EVENTS; first += chunk) {
      await env.db.query(
        `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp, user_agent)
         SELECT 'bench-retention', md5((g % 200000)::text)::uuid,
                $1::timestamptz + ((g - 1)::double precision / $2) * interval '150 days',
                gen_random_uuid(), CASE WHEN g % 4 = 0 THEN 'CLICK' ELSE 'OPEN' END, 'PIXEL', true, false, g % 3 = 0, 'Mozilla/5.0'
         FROM generate_series($3::integer, $4::integer) g`,
        [oldest.toISOString(), EVENTS, first, Math.min(EVENTS, first + chunk - 1)],
      );
    }
    await env.db.query(
      `INSERT INTO tracking_events (org_id, send_id, occurred_at, id, kind, source, counted, bot, mpp)
       SELECT 'bench-retention', md5(g::text)::uuid, now() - (g % 300) * interval '1 day', gen_random_uuid(), 'OPEN', 'PIXEL', true, false, false
       FROM generate_series(1, 100000) g`,
    );
    const generateSeconds = (Date.now() - generated) / 1000;
    // Months-old partitions are long vacuumed in a live database: so here, rather
    // than have the drop wait for the autovacuum it provoked to be cancelled.
    await settleDatabase(env.db, ['tracking_events']);
    const started = process.hrtime.bigint();
    const result = await pruneRawEvents(env.db, RETENTION_DAYS, new Date(now));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const [{ left }] = await env.db.query(`SELECT count(*)::int AS left FROM tracking_events`);
    return [
      { name: `prune ${EVENTS.toLocaleString('en-US')} events older than ${RETENTION_DAYS} days`, value: ms, unit: 'ms', goal: '< 2,000 ms' },
      { name: 'events deleted / partitions dropped whole', value: `${result.deleted} / ${result.droppedPartitions.length}`, unit: '', goal: `${EVENTS} / -` },
      { name: 'recent events kept', value: left, unit: 'events', goal: `100,000 (generated in ${generateSeconds.toFixed(0)} s)` },
    ];
  } finally {
    await env.close();
  }
}
