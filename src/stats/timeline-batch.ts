// The timelines of a DataLoader batch: every campaign (or template) asking
// with the same range, granularity and time zone, in at most three
// statements whatever their number (first sends when the range has no start,
// then one per unit AUTO chose). Empty points are zeros.
import type { DataSource } from 'typeorm';
import type { StatsRange } from './range';
import type { StatsScope } from './stats.repository';
import { firstSends, pointSums, type PointSums, type TimelineTarget } from './timeline.repository';
import { seriesOf, unitFor, ZoneClock, type Granularity, type Series } from './timeline-series';

export interface TimelineArgs {
  granularity: Granularity;
  /** an IANA name: where local hours and calendar days begin */
  timeZone: string;
}

export interface TimelinePoint {
  at: Date;
  opens: number;
  clicks: number;
  mppOpens: number;
  botOpens: number;
  botClicks: number;
}

/**
 * Per key, the series from the range's start (or the key's first visible
 * send) to its end; an Error for a key whose series would be too long. A
 * series of no points when nothing visible was sent before the range's end.
 */
export async function timelinesOf(
  db: DataSource,
  scope: StatsScope,
  target: TimelineTarget,
  range: StatsRange,
  args: TimelineArgs,
  keys: readonly string[],
): Promise<(TimelinePoint[] | Error)[]> {
  const clock = new ZoneClock(args.timeZone);
  const end = range.to.getTime();
  const firsts = range.from === null ? await firstSends(db, scope, target, keys) : null;
  const series = keys.map((key): Series | Error | null => {
    const start = range.from?.getTime() ?? firsts?.get(key)?.getTime();
    if (start === undefined || start >= end) return null;
    try {
      return seriesOf(clock, unitFor(args.granularity, start, end), start, end);
    } catch (error) {
      return error as Error;
    }
  });
  const results: (TimelinePoint[] | Error)[] = series.map((found) => (found instanceof Error ? found : []));
  for (const unit of ['HOUR', 'DAY'] as const) {
    const members = keys.flatMap((key, index) => {
      const found = series[index];
      return found && !(found instanceof Error) && found.unit === unit ? [{ key, index, series: found }] : [];
    });
    if (members.length === 0) continue;
    // Keys differ only in where they start, on the same grid of local hours or days.
    const thresholds = [...new Set(members.flatMap((member) => member.series.points))].sort((a, b) => a - b);
    const last = Math.max(...members.map((member) => member.series.end));
    const sums = await pointSums(db, scope, target, range, members.map((member) => member.key), {
      thresholds: thresholds.map((at) => new Date(at)),
      end: new Date(last),
    });
    const byKey = new Map<string, Map<number, PointSums>>();
    for (const row of sums) {
      const points = byKey.get(row.key) ?? new Map<number, PointSums>();
      points.set(thresholds[row.point - 1], row);
      byKey.set(row.key, points);
    }
    for (const member of members) {
      const found = byKey.get(member.key);
      results[member.index] = member.series.points.map((at) => {
        const row = found?.get(at);
        return {
          at: new Date(at),
          opens: row?.opens ?? 0,
          clicks: row?.clicks ?? 0,
          mppOpens: row?.mppOpens ?? 0,
          botOpens: row?.botOpens ?? 0,
          botClicks: row?.botClicks ?? 0,
        };
      });
    }
  }
  return results;
}
