import { presetRange, rangeKey, resolveRange } from '../../src/stats/range';
import { refusal } from './helpers/refusal';

const now = new Date('2025-06-15T12:34:56.789Z');
const DAY = 86_400_000;
const at = (iso: string) => new Date(iso);


describe('resolveRange', () => {
  it('ends presets now, counting whole 24-hour days back', () => {
    expect(resolveRange({ preset: 'LAST_7_DAYS' }, now)).toEqual({ from: new Date(now.getTime() - 7 * DAY), to: now });
    expect(resolveRange({ preset: 'LAST_90_DAYS' }, now)).toEqual({ from: new Date(now.getTime() - 90 * DAY), to: now });
    expect(resolveRange({ preset: 'ALL_TIME' }, now)).toEqual({ from: null, to: now });
  });

  it('defaults to LAST_30_DAYS, or to the parent range when given one', () => {
    const parent = { from: at('2025-01-01T00:00:00Z'), to: at('2025-02-01T00:00:00Z') };
    expect(resolveRange(undefined, now)).toEqual(presetRange('LAST_30_DAYS', now));
    expect(resolveRange(null, now)).toEqual(presetRange('LAST_30_DAYS', now));
    expect(resolveRange({}, now)).toEqual(presetRange('LAST_30_DAYS', now));
    expect(resolveRange({ preset: null, from: null, to: null }, now, parent)).toBe(parent);
    expect(resolveRange({ preset: 'ALL_TIME' }, now, parent)).toEqual({ from: null, to: now });
  });

  it('takes from/to as given, from alone up to now and to alone from the beginning', () => {
    const from = at('2025-03-01T00:00:00Z');
    const to = at('2025-04-01T00:00:00Z');
    expect(resolveRange({ from, to }, now)).toEqual({ from, to });
    expect(resolveRange({ from }, now)).toEqual({ from, to: now });
    expect(resolveRange({ to }, now)).toEqual({ from: null, to });
  });

  it('refuses a preset mixed with from/to, an empty or reversed range, and absurd years', () => {
    const from = at('2025-03-01T00:00:00Z');
    expect(refusal(() => resolveRange({ preset: 'ALL_TIME', to: from }, now))).toBe('range: give either a preset or from/to, not both');
    expect(refusal(() => resolveRange({ from, to: from }, now))).toBe('range.from must be earlier than range.to');
    expect(refusal(() => resolveRange({ from, to: at('2025-02-01T00:00:00Z') }, now))).toBe('range.from must be earlier than range.to');
    expect(refusal(() => resolveRange({ from: at('2025-07-01T00:00:00Z') }, now))).toBe('range.from must be in the past when range.to is not given');
    expect(refusal(() => resolveRange({ to: at('3000-01-01T00:00:00Z') }, now))).toBe('range.to must be between 1900-01-01 and 3000-01-01');
    expect(refusal(() => resolveRange({ from: at('1899-12-31T23:59:59Z') }, now))).toBe('range.from must be between 1900-01-01 and 3000-01-01');
  });

  it('keys ranges by their bounds', () => {
    expect(rangeKey({ from: null, to: now })).toBe('-infinity/2025-06-15T12:34:56.789Z');
    expect(rangeKey(resolveRange({ preset: 'LAST_7_DAYS' }, now))).toBe(rangeKey(resolveRange({ preset: 'LAST_7_DAYS' }, new Date(now))));
  });
});
