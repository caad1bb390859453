import { AUTO_HOUR_SPAN_MS, MAX_POINTS, seriesOf, unitFor, ZoneClock, type Unit } from '../../src/stats/timeline-series';
import { DomainError } from '../../src/errors';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (time: number) => new Date(time).toISOString();
const points = (timeZone: string, unit: Unit, from: string, to: string) => seriesOf(new ZoneClock(timeZone), unit, Date.parse(from), Date.parse(to)).points.map(iso);

describe('seriesOf', () => {
  it('gives DST days of 23 and 25 hours', () => {
    expect(points('America/New_York', 'DAY', '2025-03-08T12:00:00Z', '2025-03-10T12:00:00Z')).toEqual([
      '2025-03-08T05:00:00.000Z', '2025-03-09T05:00:00.000Z', '2025-03-10T04:00:00.000Z',
    ]);
    expect(points('America/New_York', 'DAY', '2025-11-01T12:00:00Z', '2025-11-03T12:00:00Z')).toEqual([
      '2025-11-01T04:00:00.000Z', '2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z',
    ]);
  });

  it('starts a day at the clock change when its midnight was skipped, and at the first of two midnights', () => {
    // Chile springs forward at midnight; Cuba falls back from 01:00 to 00:00
    expect(points('America/Santiago', 'DAY', '2025-09-06T12:00:00Z', '2025-09-08T12:00:00Z')).toEqual([
      '2025-09-06T04:00:00.000Z', '2025-09-07T04:00:00.000Z', '2025-09-08T03:00:00.000Z',
    ]);
    expect(points('America/Havana', 'DAY', '2025-11-02T12:00:00Z', '2025-11-03T12:00:00Z')).toEqual(['2025-11-02T04:00:00.000Z', '2025-11-03T05:00:00.000Z']);
  });

  it('starts hours at :30 and :45 past the UTC hour where the offset says so', () => {
    expect(points('Asia/Kolkata', 'HOUR', '2025-03-08T12:10:00Z', '2025-03-08T14:00:00Z')).toEqual([
      '2025-03-08T11:30:00.000Z', '2025-03-08T12:30:00.000Z', '2025-03-08T13:30:00.000Z',
    ]);
    expect(points('Asia/Kathmandu', 'HOUR', '2025-03-08T12:10:00Z', '2025-03-08T13:00:00Z')).toEqual(['2025-03-08T11:15:00.000Z', '2025-03-08T12:15:00.000Z']);
    expect(points('Asia/Kathmandu', 'DAY', '2025-03-08T12:10:00Z', '2025-03-09T12:00:00Z')).toEqual(['2025-03-07T18:15:00.000Z', '2025-03-08T18:15:00.000Z']);
  });

  it('keeps both hours of a repeated hour, and skips a skipped one', () => {
    expect(points('America/New_York', 'HOUR', '2025-11-02T04:00:00Z', '2025-11-02T08:00:00Z')).toHaveLength(4);
    expect(points('America/New_York', 'HOUR', '2025-03-09T06:00:00Z', '2025-03-09T08:00:00Z')).toEqual(['2025-03-09T06:00:00.000Z', '2025-03-09T07:00:00.000Z']);
  });

  it('gives every zone, over a year, days that start on a quarter hour of UTC, one local date each', () => {
    const from = Date.parse('2025-01-01T00:00:00Z');
    const to = Date.parse('2026-01-01T00:00:00Z');
    for (const timeZone of Intl.supportedValuesOf('timeZone')) {
      const clock = new ZoneClock(timeZone);
      const series = seriesOf(clock, 'DAY', from, to);
      const dates = series.points.map((point) => Math.floor(clock.wall(point) / DAY));
      const problems = series.points.flatMap((point, index) => {
        const found: string[] = [];
        if (point % (15 * 60_000) !== 0) found.push('not on a quarter hour');
        if (Math.floor(clock.wall(point - 1) / DAY) >= dates[index]) found.push('not where the date changes');
        if (index > 0 && dates[index] <= dates[index - 1]) found.push('date not increasing');
        if (index > 0 && point - series.points[index - 1] > 26 * HOUR) found.push('day longer than 26 hours');
        return found.length > 0 ? [`${timeZone} ${iso(point)}: ${found.join(', ')}`] : [];
      });
      expect(problems).toEqual([]);
      expect(series.points.length).toBeGreaterThanOrEqual(364);
    }
  });

  it(`allows ${MAX_POINTS} points and refuses more`, () => {
    const clock = new ZoneClock('UTC');
    const from = Date.parse('2025-01-01T00:00:00Z');
    expect(seriesOf(clock, 'HOUR', from, from + MAX_POINTS * HOUR).points).toHaveLength(MAX_POINTS);
    expect(() => seriesOf(clock, 'HOUR', from, from + MAX_POINTS * HOUR + 1)).toThrow(DomainError);
  });
});

describe('unitFor and ZoneClock', () => {
  it('makes AUTO hourly up to 3 days', () => {
    expect(unitFor('AUTO', 0, AUTO_HOUR_SPAN_MS)).toBe('HOUR');
    expect(unitFor('AUTO', 0, AUTO_HOUR_SPAN_MS + 1)).toBe('DAY');
    expect(unitFor('HOUR', 0, 100 * DAY)).toBe('HOUR');
  });

  it.each(['Mars/Olympus_Mons', '+05:30', '', 'UTC; DROP TABLE sends', 'x'.repeat(65)])('refuses %j as a time zone', (name) => {
    expect(() => new ZoneClock(name)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
