/* Charts: uPlot line charts over Nepal days, each with the table of its figures beside it
 * (for screen readers, for copying, and for anyone who prefers numbers). */

import { t } from './i18n.js';
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';
import { fmt } from './format.js';
import { simpleTable } from './ui.js';

/** Colours of the series in order: current period, previous period, a third. */
const COLOURS = ['#0b6e4f', '#8a94a6', '#c2410c'];

/** "2026-11-03" → seconds since the epoch at that day's midnight UTC (uPlot's x scale). */
const daySeconds = (ymd) => Date.parse(`${ymd}T00:00:00Z`) / 1000;

/** Axis text is drawn on a canvas, so the bundled Devanagari face (for रु) must be loaded first. */
const AXIS_FONT = '12px "Khaacho Devanagari", system-ui, sans-serif';
const fontReady = document.fonts ? document.fonts.load(AXIS_FONT, 'रु').catch(() => null) : Promise.resolve();

/**
 * A line chart of values per day.
 *   days:   ['2026-11-01', …] (Nepal days, already)
 *   series: [{ label, values: [number|null, …], dash: bool }]
 *   format: value → text (axis, tooltip legend, table)
 *   title:  what the chart shows (its accessible name)
 *   bands:  [[upper, lower]] indexes into `series` whose gap is shaded (forecast intervals);
 *           series with `band: true` are drawn as a faint edge only
 */
export function dayChart({ title, days, series, format = fmt.number, height = 220, bands = [] }) {
  const box = h('div.chart', { role: 'img', 'aria-label': title });
  const figure = h('figure.chart-figure', box,
    h('details.chart-table', h('summary', t('Table')),
      simpleTable([
        { label: t('Day'), value: (r) => fmt.day(r.day) },
        ...series.map((s, i) => ({ label: s.label, value: (r) => (r.values[i] == null ? '—' : format(r.values[i])), cls: 'num' })),
      ], days.map((day, i) => ({ day, values: series.map((s) => s.values[i]) })), { empty: t('No days in this range.') })));
  const data = [days.map(daySeconds), ...series.map((s) => s.values)];
  const opts = {
    width: 600,
    height,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    // The x values are UTC midnights of Nepal days: ticks and labels stay on those days
    // whatever the browser's time zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [
      { font: AXIS_FONT, values: (u, ticks) => ticks.map((x) => fmt.dayShort(new Date(x * 1000).toISOString().slice(0, 10))) },
      { font: AXIS_FONT, values: (u, ticks) => ticks.map(format), size: 80 },
    ],
    series: [
      { label: t('Day'), value: (u, x) => (x == null ? '' : fmt.day(new Date(x * 1000).toISOString().slice(0, 10))) },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: s.band ? 'rgba(11, 110, 79, 0.35)' : (s.colour || COLOURS[i % COLOURS.length]),
        width: s.band ? 1 : 2,
        dash: s.dash ? [6, 4] : undefined,
        value: (u, v) => (v == null ? '—' : format(v)),
        points: { show: !s.band && days.length <= 45 },
      })),
    ],
    bands: bands.map(([upper, lower], i) => ({ series: [upper + 1, lower + 1], fill: i ? 'rgba(11, 110, 79, 0.10)' : 'rgba(11, 110, 79, 0.16)' })),
  };
  // Drawn once the box is in the page and has a width; redrawn when the width changes;
  // destroyed (uPlot keeps every live plot and a window listener) once the page drops it.
  let plot = null;
  let observer = null;
  const fit = () => {
    if (!box.isConnected) {
      observer?.disconnect();
      plot?.destroy();
      plot = null;
      return;
    }
    if (!box.clientWidth) return;
    const width = Math.max(260, Math.floor(box.clientWidth));
    if (!plot) plot = new uPlot({ ...opts, width }, data, box);
    else if (Math.abs(plot.width - width) > 2) plot.setSize({ width, height });
  };
  fontReady.then(() => {
    observer = new ResizeObserver(fit);
    observer.observe(box);
    requestAnimationFrame(fit);
  });
  return figure;
}

/**
 * Horizontal bars for a few named amounts (funnel steps, overdue buckets, states): plain HTML,
 * so the numbers are text a screen reader reads in order.
 */
export function bars(rows, { format = fmt.number, max = null } = {}) {
  const top = max ?? Math.max(1, ...rows.map((r) => Number(r.value) || 0));
  return h('div.hbars', rows.map((r) => {
    const fill = h('span.hbar-fill');
    fill.style.setProperty('--share', String(Math.min(1, (Number(r.value) || 0) / top)));
    if (r.tone) fill.classList.add(`tone-${r.tone}`);
    return h('div.hbar-row', h('span.hbar-label', r.label), h('span.hbar-track', fill), h('span.hbar-value', format(r.value), r.note ? h('small', ` ${r.note}`) : null));
  }));
}
