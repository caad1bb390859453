import fc from 'fast-check';
import { planRange, type RangePlan } from '../../src/stats/range-plan';

const DAY = 86_400_000;
const time = (literal: string) => (literal === '-infinity' ? -Infinity : Date.parse(literal.length === 10 ? `${literal}T00:00:00Z` : literal));
const within = (intervals: readonly (readonly [string, string])[], at: number) => intervals.some(([from, to]) => time(from) <= at && at < time(to));

/** Which parts of a plan read an instant: raw sends, a daily row, a monthly row. */
function partsReading(plan: RangePlan, instant: number): string[] {
  const day = Math.floor(instant / DAY) * DAY;
  const date = new Date(day);
  const month = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return [
    ...plan.raw.filter(([from, to]) => time(from) <= instant && instant < time(to)).map(() => 'raw'),
    ...plan.days.filter(([from, to]) => time(from) <= day && day < time(to)).map(() => 'daily rows'),
    ...plan.months.filter(([from, to]) => time(from) <= month && month < time(to)).map(() => 'monthly rows'),
  ];
}

/** Pending deltas must be read for exactly the days the rollups cover. */
function deltasMatchRollups(plan: RangePlan, instant: number): boolean {
  const day = Math.floor(instant / DAY) * DAY;
  const byRollups = partsReading(plan, instant).some((part) => part !== 'raw');
  return (plan.deltas !== null && within([plan.deltas], day)) === byRollups;
}

describe('planRange', () => {
  it('reads whole months from monthly rows, whole days from daily rows and the partial days from sends', () => {
    expect(planRange({ from: new Date('2025-01-15T10:00:00Z'), to: new Date('2025-04-03T05:00:00Z') }).exact).toEqual({
      raw: [
        ['2025-01-15T10:00:00.000Z', '2025-01-16T00:00:00.000Z'],
        ['2025-04-03T00:00:00.000Z', '2025-04-03T05:00:00.000Z'],
      ],
      days: [
        ['2025-01-16', '2025-02-01'],
        ['2025-04-01', '2025-04-03'],
      ],
      months: [['2025-02-01', '2025-04-01']],
      deltas: ['2025-01-16', '2025-04-03'],
    });
  });

  it('reads the last month whole when nothing lies after the end', () => {
    expect(planRange({ from: new Date('2025-01-15T10:00:00Z'), to: new Date('2025-04-03T05:00:00Z') }).nothingAfter).toEqual({
      raw: [['2025-01-15T10:00:00.000Z', '2025-01-16T00:00:00.000Z']],
      days: [['2025-01-16', '2025-02-01']],
      months: [['2025-02-01', '2025-05-01']],
      deltas: ['2025-01-16', '2025-05-01'],
    });
    // a range starting inside the month of its end cannot
    expect(planRange({ from: new Date('2025-04-01T10:00:00Z'), to: new Date('2025-04-03T05:00:00Z') }).nothingAfter).toBeNull();
  });

  it('reads everything from sends when no whole day fits', () => {
    expect(planRange({ from: new Date('2025-01-15T10:00:00Z'), to: new Date('2025-01-16T09:00:00Z') }).exact).toEqual({
      raw: [['2025-01-15T10:00:00.000Z', '2025-01-16T09:00:00.000Z']],
      days: [],
      months: [],
      deltas: null,
    });
  });

  it('runs an unbounded start through monthly rows from the beginning', () => {
    expect(planRange({ from: null, to: new Date('2025-06-15T12:00:00Z') })).toEqual({
      exact: {
        raw: [['2025-06-15T00:00:00.000Z', '2025-06-15T12:00:00.000Z']],
        days: [['2025-06-01', '2025-06-15']],
        months: [['-infinity', '2025-06-01']],
        deltas: ['-infinity', '2025-06-15'],
      },
      nothingAfter: { raw: [], days: [], months: [['-infinity', '2025-07-01']], deltas: ['-infinity', '2025-07-01'] },
    });
  });

  it('reads the partial months from sends when there are monthly rows only', () => {
    expect(planRange({ from: new Date('2025-01-15T10:00:00Z'), to: new Date('2025-04-03T05:00:00Z') }, 'months').exact).toEqual({
      raw: [
        ['2025-01-15T10:00:00.000Z', '2025-02-01T00:00:00.000Z'],
        ['2025-04-01T00:00:00.000Z', '2025-04-03T05:00:00.000Z'],
      ],
      days: [],
      months: [['2025-02-01', '2025-04-01']],
      deltas: ['2025-02-01', '2025-04-01'],
    });
  });

  it.each(['days', 'months'] as const)('reads every instant of [from, to) exactly once, and nothing before from (%s)', (rows) => {
    const start = Date.UTC(2024, 0, 1);
    // boundaries and instants cluster on midnights, where mistakes would be
    const instant = fc.oneof(
      fc.integer({ min: start, max: start + 500 * DAY }),
      fc.integer({ min: 0, max: 500 }).map((days) => start + days * DAY),
      fc.integer({ min: 0, max: 500 }).map((days) => start + days * DAY - 1),
    );
    fc.assert(
      fc.property(fc.option(instant, { nil: null }), instant, fc.array(instant, { minLength: 1, maxLength: 20 }), (from, to, probes) => {
        fc.pre(from === null || from < to);
        const plans = planRange({ from: from === null ? null : new Date(from), to: new Date(to) }, rows);
        return [...probes, from ?? start, to, to - 1].every((probe) => {
          const reads = (from === null || from <= probe) && probe < to ? 1 : 0;
          const exact = partsReading(plans.exact, probe).length === reads && deltasMatchRollups(plans.exact, probe);
          // the cheaper plan may also read past the end, where by its condition there is no send
          const other = plans.nothingAfter;
          return exact && (!other || ((probe >= to || partsReading(other, probe).length === reads) && deltasMatchRollups(other, probe)));
        });
      }),
      { numRuns: 2000 },
    );
  });
});
