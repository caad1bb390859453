// The points of a timeline: the local hours or calendar days of an IANA time
// zone between two instants, as the instants they start at. A point runs to
// the next one, so a DST day is 23 or 25 hours long and an hour of Asia/Kolkata
// starts at :30 UTC. Local time comes from Intl (the ICU time zone data Node
// ships), so PostgreSQL only ever compares instants. Pure: no clock, no I/O.
import { badInput } from '../errors';

export const GRANULARITIES = ['AUTO', 'HOUR', 'DAY'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export type Unit = Exclude<Granularity, 'AUTO'>;

export const MAX_POINTS = 2000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** AUTO is HOUR up to this span, DAY beyond (contract section 5) */
export const AUTO_HOUR_SPAN_MS = 3 * DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** en-US with h23: "3/9/2025, 01:59:59" */
const WALL = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** The wall clock of one time zone. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  /** BAD_USER_INPUT unless `timeZone` is a time zone name Intl knows (not a bare offset such as +05:30). */
  constructor(readonly timeZone: string) {
    let format = formatters.get(timeZone);
    if (!format) {
      if (timeZone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) throw unknownZone(timeZone);
      try {
        format = new Intl.DateTimeFormat('en-US', {
          timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
        });
      } catch {
        throw unknownZone(timeZone);
      }
      formatters.set(timeZone, format);
    }
    this.format = format;
  }

  /** The wall clock at `time`, read as if it were UTC, in ms (so its date and time of day are plain arithmetic). */
  wall(time: number): number {
    // format() and a regular expression: four times as fast as formatToParts.
    const [, month, day, year, hour, minute, second] = WALL.exec(this.format.format(time))!.map(Number);
    return Date.UTC(year, month - 1, day, hour, minute, second) + modulo(time, 1000);
  }

  /** How far the wall clock is ahead of UTC at `time`, in ms. */
  offset(time: number): number {
    return this.wall(time) - time;
  }

  /** The start of the local hour holding `time`. */
  hourStart(time: number): number {
    return time - modulo(this.wall(time), HOUR);
  }

  /** The start of the local day holding `time`: its midnight, or the clock change when midnight was skipped. */
  dayStart(time: number): number {
    const wall = this.wall(time);
    const date = Math.floor(wall / DAY);
    const midnight = time - modulo(wall, DAY);
    // No clock change since midnight (the wall clock read 00:00 then), nor
    // just before it (a clock set back from 01:00 to 00:00 repeats the date).
    if (this.wall(midnight) === date * DAY && Math.floor(this.wall(midnight - 1) / DAY) < date) return midnight;
    // The day began at a clock change: the first instant whose local date is this one.
    let before = time - 27 * HOUR;
    let after = time;
    while (after - before > 1) {
      const middle = before + Math.floor((after - before) / 2);
      if (Math.floor(this.wall(middle) / DAY) >= date) after = middle;
      else before = middle;
    }
    return after;
  }

}

const modulo = (value: number, by: number) => ((value % by) + by) % by;

function unknownZone(timeZone: string): Error {
  const shown = timeZone.length > 64 ? `${timeZone.slice(0, 64)}...` : timeZone;
  return badInput(`timeZone: unknown time zone "${shown}"; give an IANA name such as Europe/Paris or UTC`);
}

export function unitFor(granularity: Granularity, start: number, end: number): Unit {
  if (granularity !== 'AUTO') return granularity;
  return end - start <= AUTO_HOUR_SPAN_MS ? 'HOUR' : 'DAY';
}

export interface Series {
  unit: Unit;
  /** the points' starts, ascending */
  points: number[];
  /** where the last point ends */
  end: number;
}

/** The points covering [start, end); BAD_USER_INPUT past MAX_POINTS. */
export function seriesOf(clock: ZoneClock, unit: Unit, start: number, end: number): Series {
  const step = unit === 'HOUR' ? HOUR : DAY;
  const startOf = (time: number) => (unit === 'HOUR' ? clock.hourStart(time) : clock.dayStart(time));
  const points: number[] = [];
  let point = startOf(start);
  let offset = clock.offset(point);
  while (point < end) {
    if (points.length === MAX_POINTS) {
      const span = unit === 'HOUR' ? 'hours' : 'days';
      throw badInput(`timeline: the range spans more than ${MAX_POINTS} ${span}; give a shorter range${unit === 'HOUR' ? ' or granularity DAY' : ''}`);
    }
    points.push(point);
    const candidate = point + step;
    const wall = clock.wall(candidate);
    if (wall - candidate === offset && modulo(wall, step) === 0) {
      // No clock change within the step, and the wall clock reads a whole hour or midnight: one step away.
      point = candidate;
    } else {
      // Half a step past the change, then back to that hour's or day's start.
      point = startOf(candidate + step / 2);
      offset = clock.offset(point);
    }
  }
  return { unit, points, end: point };
}
