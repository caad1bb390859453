// Stats ranges: the caller's RangeInput (a preset, or from/to) resolved once
// against the request's "now" into the half-open interval [from, to) of send
// times. Pure: no clock, no I/O.
import { badInput } from '../errors';

export const RANGE_PRESETS = ['LAST_7_DAYS', 'LAST_30_DAYS', 'LAST_90_DAYS', 'ALL_TIME'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export interface RangeArgs {
  preset?: RangePreset | null;
  from?: Date | null;
  to?: Date | null;
}

/** Sends with from <= sent_at < to; from null means since the beginning. */
export interface StatsRange {
  readonly from: Date | null;
  readonly to: Date;
}

export const DEFAULT_PRESET: RangePreset = 'LAST_30_DAYS';

const DAY_MS = 86_400_000;
const PRESET_DAYS: Record<RangePreset, number | null> = { LAST_7_DAYS: 7, LAST_30_DAYS: 30, LAST_90_DAYS: 90, ALL_TIME: null };

// Outside these, day and month arithmetic (and PostgreSQL's date input) would
// meet years no one means; a typo like 20250 is refused instead.
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(3000, 0, 1);

export function presetRange(preset: RangePreset, now: Date): StatsRange {
  const days = PRESET_DAYS[preset];
  return { from: days === null ? null : new Date(now.getTime() - days * DAY_MS), to: now };
}

function checkBounds(name: string, value: Date): void {
  const time = value.getTime();
  if (Number.isNaN(time) || time < EARLIEST || time >= LATEST) {
    throw badInput(`range.${name} must be between 1900-01-01 and 3000-01-01`);
  }
}

/**
 * The range a stats field uses. No range, or one with nothing set, means
 * `fallback`: the range of the list or parent the field was reached through,
 * LAST_30_DAYS at the root. A preset ends now; from alone runs to now; to
 * alone runs from the beginning.
 */
export function resolveRange(input: RangeArgs | null | undefined, now: Date, fallback?: StatsRange): StatsRange {
  const preset = input?.preset ?? null;
  const from = input?.from ?? null;
  const to = input?.to ?? null;
  if (preset === null && from === null && to === null) return fallback ?? presetRange(DEFAULT_PRESET, now);
  if (preset !== null) {
    if (from !== null || to !== null) throw badInput('range: give either a preset or from/to, not both');
    return presetRange(preset, now);
  }
  if (from !== null) checkBounds('from', from);
  if (to !== null) checkBounds('to', to);
  const end = to ?? now;
  if (from !== null && from.getTime() >= end.getTime()) {
    throw badInput(to === null ? 'range.from must be in the past when range.to is not given' : 'range.from must be earlier than range.to');
  }
  return { from, to: end };
}

const keys = new WeakMap<StatsRange, string>();

/** Identifies a resolved range, e.g. to share one DataLoader between fields using the same range. */
export function rangeKey(range: StatsRange): string {
  // Asked once per row of a list (every Campaign.stats): computed once per range object.
  let key = keys.get(range);
  if (key === undefined) {
    key = `${range.from?.toISOString() ?? '-infinity'}/${range.to.toISOString()}`;
    keys.set(range, key);
  }
  return key;
}
