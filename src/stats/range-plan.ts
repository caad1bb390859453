// Splits a range into what can be read from rollups and what must be read from
// sends: whole UTC months from monthly rows, the remaining whole UTC days from
// daily rows, and the partial days at either end from sends themselves; with
// monthly rows only (one sender's, links), everything outside whole months
// comes from sends. Pending deltas are read for the span the rollups cover.
// Every instant of [from, to) falls in exactly one part. Pure.
import type { StatsRange } from './range';

/** [from, to) as PostgreSQL literals: timestamptz for raw sends, date for buckets; '-infinity' when unbounded. */
export type Interval = readonly [string, string];

export interface RangePlan {
  /** send times read from sends */
  raw: Interval[];
  /** day buckets read from daily rows */
  days: Interval[];
  /** month buckets (first days) read from monthly rows */
  months: Interval[];
  /** day buckets of pending deltas: exactly the days covered by `days` and `months`; null when none */
  deltas: Interval | null;
}

export interface RangePlans {
  exact: RangePlan;
  /**
   * Valid when no send lies at or after `to` (true of every preset unless sends
   * are dated in the future): the month holding `to` is read whole from its
   * monthly row. null when the range starts inside that month.
   */
  nothingAfter: RangePlan | null;
}

const DAY_MS = 86_400_000;

const floorDay = (time: number) => Math.floor(time / DAY_MS) * DAY_MS;
const ceilDay = (time: number) => Math.ceil(time / DAY_MS) * DAY_MS;

function floorMonth(time: number): number {
  if (!Number.isFinite(time)) return time;
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

function nextMonth(time: number): number {
  const date = new Date(floorMonth(time));
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

const ceilMonth = (time: number) => (floorMonth(time) === time ? time : nextMonth(time));

const instant = (time: number) => (time === -Infinity ? '-infinity' : new Date(time).toISOString());
const day = (time: number) => (time === -Infinity ? '-infinity' : new Date(time).toISOString().slice(0, 10));

/** Builds a plan from numeric bounds, leaving out empty intervals. */
function plan(raw: [number, number][], days: [number, number][], months: [number, number][]): RangePlan {
  const nonEmpty = (intervals: [number, number][]) => intervals.filter(([from, to]) => from < to);
  const buckets = [...nonEmpty(days), ...nonEmpty(months)];
  return {
    raw: nonEmpty(raw).map(([from, to]) => [instant(from), instant(to)]),
    days: nonEmpty(days).map(([from, to]) => [day(from), day(to)]),
    months: nonEmpty(months).map(([from, to]) => [day(from), day(to)]),
    deltas: buckets.length === 0 ? null : [day(Math.min(...buckets.map(([from]) => from))), day(Math.max(...buckets.map(([, to]) => to)))],
  };
}

/** rows: which rollup rows exist ('days' also means months). */
export function planRange(range: StatsRange, rows: 'days' | 'months' = 'days'): RangePlans {
  const from = range.from?.getTime() ?? -Infinity;
  const to = range.to.getTime();
  // Where rollups may start: the first whole day, or with monthly rows only the first whole month.
  const start = rows === 'days' ? ceilDay(from) : ceilMonth(from);
  const firstMonth = ceilMonth(start);
  const end = rows === 'days' ? floorDay(to) : floorMonth(to);
  const lastMonth = floorMonth(end);

  let exact: RangePlan;
  if (!(start < end)) exact = plan([[from, to]], [], []);
  else if (!(firstMonth < lastMonth)) exact = plan([[from, start], [end, to]], [[start, end]], []);
  else exact = plan([[from, start], [end, to]], [[start, firstMonth], [lastMonth, end]], [[firstMonth, lastMonth]]);

  const tailMonth = floorMonth(to);
  const nothingAfter = start <= tailMonth ? plan([[from, start]], [[start, firstMonth]], [[firstMonth, nextMonth(to)]]) : null;
  return { exact, nothingAfter };
}
