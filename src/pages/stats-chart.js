// The timeline chart. uPlot draws it (time axis, ticks, grid, the legend that
// follows the cursor); a table next to it holds the same figures for screen
// readers and keyboard users, who get nothing from a canvas. Times are the
// reader's: the API buckets in the browser's time zone and uPlot draws in
// local time.
import uPlot from './uplot.js';
import { el, formatCount } from './dom.js';

const HOUR_MS = 3_600_000;
const HEIGHT = { wide: 260, narrow: 200 };

// Colours at 4.5:1 on white, told apart by dashes too, never by colour alone.
const SERIES = [
  { label: 'Opens', words: 'opens', value: (point) => point.opens, stroke: '#0969da', width: 2 },
  { label: 'Clicks', words: 'clicks', value: (point) => point.clicks, stroke: '#1a7f37', width: 2 },
  { label: 'MPP opens', words: 'MPP opens', value: (point) => point.mppOpens, stroke: '#8a5a00', width: 1.5, dash: [6, 4] },
  { label: 'Machine events', words: 'machine events', value: (point) => point.botOpens + point.botClicks, stroke: '#57606a', width: 1.5, dash: [2, 3] },
];

/** Hour buckets lie an hour apart; day buckets 23 to 25 hours. */
const isHourly = (points) => points.length > 1 && Date.parse(points[1].at) - Date.parse(points[0].at) < 20 * HOUR_MS;

const formats = {
  hour: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
  day: new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }),
};

// The time axis's ticks in the reader's locale ("2 Dec" or "Dec 2", "14:00"
// or "2 PM") instead of uPlot's fixed month/day templates.
const tickFormats = {
  day: new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' }),
  hour: new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }),
};
const DAY_SECONDS = 86_400;

function timeTicks(_u, splits, _axis, _space, increment) {
  return splits.map((seconds) => {
    const date = new Date(seconds * 1000);
    if (increment >= DAY_SECONDS) return tickFormats.day.format(date);
    const midnight = date.getHours() === 0 && date.getMinutes() === 0;
    return midnight ? `${tickFormats.day.format(date)}\n${tickFormats.hour.format(date)}` : tickFormats.hour.format(date);
  });
}

/** The charts on the page, so that a new render releases the old one's listeners. */
const mounted = new WeakMap();

function figuresTable(points, timeFormat, caption) {
  const rows = points.map((point) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', text: timeFormat.format(new Date(point.at)) }),
      ...[point.opens, point.clicks, point.mppOpens, point.botOpens, point.botClicks].map((value) => el('td', { class: 'num', text: formatCount(value) })),
    ),
  );
  const headers = ['Opens', 'Clicks', 'MPP opens', 'Machine opens', 'Machine clicks'];
  return el(
    'details',
    { class: 'chart-figures' },
    el('summary', { text: 'The chart’s figures as a table' }),
    el(
      'div',
      { class: 'table-scroll', role: 'region', 'aria-label': `${caption}, as a table`, tabindex: '0' },
      el(
        'table',
        { class: 'figures timeline-figures' },
        el('caption', { text: `${caption}, in your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone})` }),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: timeFormat === formats.hour ? 'Hour' : 'Day' }), ...headers.map((text) => el('th', { scope: 'col', class: 'num', text })))),
        el('tbody', {}, ...rows),
      ),
    ),
  );
}

function totalsText(points) {
  return SERIES.map((series) => `${formatCount(points.reduce((sum, point) => sum + series.value(point), 0))} ${series.words}`).join(', ');
}

function chartOptions(timeFormat, width) {
  const counts = (_u, ticks) => ticks.map((tick) => formatCount(tick));
  return {
    width,
    height: width < 560 ? HEIGHT.narrow : HEIGHT.wide,
    // The whole continuous series, edge to edge: point i sits at i / (n - 1) of the width.
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, max)] } },
    axes: [
      { stroke: '#57606a', grid: { stroke: '#eaeef2' }, ticks: { stroke: '#d0d7de' }, values: timeTicks },
      // Whole numbers only: these are counts.
      { stroke: '#57606a', grid: { stroke: '#eaeef2' }, ticks: { stroke: '#d0d7de' }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6], values: counts },
    ],
    series: [
      { label: timeFormat === formats.hour ? 'Hour' : 'Day', value: (_u, seconds) => (seconds === null ? '–' : timeFormat.format(new Date(seconds * 1000))) },
      ...SERIES.map((series) => ({
        label: series.label,
        stroke: series.stroke,
        width: series.width,
        dash: series.dash,
        // Dots only where they stand apart: 14 px or more between points.
        points: { show: (u, _series, first, last) => u.bbox.width / devicePixelRatio / Math.max(1, last - first) >= 14 },
        value: (_u, value) => (value === null || value === undefined ? '–' : formatCount(value)),
      })),
    ],
    cursor: { y: false },
    legend: { live: true },
  };
}

/**
 * Draws `points` (TimelinePoint[]) into `container`: the chart, described for
 * screen readers by `caption`, and the figures table; `heading`, when given,
 * is an h3 above them. Re-rendering the same container replaces the chart.
 */
export function renderTimeline(container, points, caption, heading = null) {
  mounted.get(container)?.();
  const timeFormat = isHourly(points) ? formats.hour : formats.day;
  const plot = el('div', { class: 'chart', role: 'img', 'aria-label': `${caption}: ${totalsText(points)}. The figures are in the table below the chart.` });
  const title = heading ? [el('h3', { class: 'chart-title', text: heading })] : [];
  container.replaceChildren(...title, plot, figuresTable(points, timeFormat, caption));
  if (points.length === 0) {
    plot.append(el('p', { class: 'empty', text: 'No sends in this range.' }));
    mounted.delete(container);
    return;
  }
  const data = [points.map((point) => Date.parse(point.at) / 1000), ...SERIES.map((series) => points.map(series.value))];
  const chart = new uPlot(chartOptions(timeFormat, plot.clientWidth), data, plot);
  // The chart follows its box: a phone turned sideways, a window resized.
  const resize = new ResizeObserver(() => {
    const width = plot.clientWidth;
    if (width > 0 && width !== chart.width) chart.setSize({ width, height: width < 560 ? HEIGHT.narrow : HEIGHT.wide });
  });
  resize.observe(plot);
  mounted.set(container, () => {
    resize.disconnect();
    chart.destroy();
  });
}
