// The Range control's value as the API's RangeInput, with words for it.
// Custom dates are whole days in the reader's time zone; "to" is the last day
// included, so the API's exclusive end is the midnight after it.
const PRESETS = {
  LAST_7_DAYS: 'last 7 days',
  LAST_30_DAYS: 'last 30 days',
  LAST_90_DAYS: 'last 90 days',
  ALL_TIME: 'all time',
};

const midnight = (value, plusDays = 0) => {
  const [year, month, date] = value.split('-').map(Number);
  return new Date(year, month - 1, date + plusDays);
};

/**
 * { input, label } for the API and the captions, or { problem } when custom
 * dates cannot make a range. `from` and `to` are <input type=date> values.
 */
export function resolveRange(preset, from, to) {
  if (preset !== 'CUSTOM') return { input: { preset }, label: PRESETS[preset] };
  if (!from && !to) return { problem: 'Choose a From date, a To date, or both.' };
  if (from && to && from > to) return { problem: 'The From date must be on or before the To date.' };
  const input = {};
  if (from) input.from = midnight(from).toISOString();
  if (to) input.to = midnight(to, 1).toISOString();
  if (input.from && !input.to && midnight(from) > new Date()) return { problem: 'The From date is in the future.' };
  const label = from && to ? `${from} to ${to}` : from ? `since ${from}` : `until ${to}`;
  return { input, label };
}
