/* The dashboard of each role. */

import { t } from '../i18n.js';
import { fmt, nepalToday } from '../format.js';
import { h, link } from '../dom.js';
import { api, rowsOf } from '../api.js';
import { ORDER_STATES, pageHead, section, simpleTable, stateBadge, toast } from '../ui.js';
import { go } from '../router.js';
import { bars, dayChart } from '../chart.js';
import { recommendationsList, retailerInsightsSection, riskBadge, vendorTrendSection } from './intelligence.js';
import { lookup, lookupAll, lookupName, partyLink } from '../lookups.js';
import { creditSummary } from './retailers.js';

/* Dashboard */

export async function dashboardPage(ctx) {
  const role = ctx.me.role;
  if (role === 'vendor') return vendorDashboard(ctx);
  if (role === 'retailer') return retailerDashboard(ctx);
  return staffDashboard(ctx);
}

export function statTile(label, value, href, cls = '') {
  return h(`a.stat${cls ? `.${cls}` : ''}`, { href }, h('span.stat-value', value), h('span.stat-label', label));
}

export function orderColumns({ retailer = true, vendor = true } = {}) {
  return [
    { label: t('Order'), value: (o) => link(`#/orders/${o.id}`, o.number || `#${o.id}`) },
    { label: t('Placed'), value: (o) => fmt.time(o.created_at), cls: 'opt' },
    retailer && { label: t('Retailer'), value: (o) => partyLink('retailers', o.retailer_id, o.retailer_name) },
    vendor && { label: t('Vendor'), value: (o) => partyLink('vendors', o.vendor_id, o.vendor_name), cls: 'opt' },
    { label: t('State'), value: (o) => stateBadge(o.state) },
    { label: t('Total'), value: (o) => fmt.money(o.total_paisa), cls: 'num' },
  ].filter(Boolean);
}

/** The dashboard's range from the page's query: `days` back from today, or `from`/`to`. */
function dashboardRange(query, today) {
  // A real calendar day (2026-02-30 is not), not after today.
  const day = (v) => {
    const ms = /^\d{4}-\d{2}-\d{2}$/.test(v || '') ? Date.parse(`${v}T00:00:00Z`) : NaN;
    return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v && v <= today;
  };
  if (day(query.from) && day(query.to) && query.from <= query.to) return { from: query.from, to: query.to, days: null };
  const days = [7, 30, 90, 365].includes(Number(query.days)) ? Number(query.days) : 30;
  return { from: shiftDay(today, -(days - 1)), to: today, days };
}

/** A Nepal day moved by `n` days. */
function shiftDay(ymd, n) {
  const d = new Date(`${ymd}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function rangePicker(range, today) {
  const preset = (days, label) => h(`a.chip${range.days === days ? '.active' : ''}`, { href: `#/?days=${days}`, 'aria-current': range.days === days ? 'true' : null }, label);
  const from = h('input', { type: 'date', name: 'from', value: range.from, max: today, required: true, 'aria-label': t('From (Nepal day)') });
  const to = h('input', { type: 'date', name: 'to', value: range.to, max: today, required: true, 'aria-label': t('To (Nepal day)') });
  const form = h('form.range-picker', { role: 'search', 'aria-label': t('Dashboard range') },
    preset(7, t('7 days')), preset(30, t('30 days')), preset(90, t('90 days')), preset(365, t('1 year')),
    h('span.range-dates', from, h('span', '–'), to, h('button.btn.secondary', { type: 'submit' }, t('Show'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (from.value > to.value) return toast(t('The first day must not be after the last.'), 'error');
    go('/', { from: from.value, to: to.value });
  });
  return form;
}

function kpi(label, now, before, format) {
  const change = fmt.change(now, before);
  const tone = change.startsWith('+') ? 'up' : change.startsWith('−') ? 'down' : 'flat';
  return h('div.stat', h('span.stat-value', format(now)), h('span.stat-label', label),
    h(`span.stat-change.${tone}`, { title: `${t('Previous period')}: ${format(before)}` }, change, h('span.sr-only', t(' against the previous period'))));
}

async function salesSection(range) {
  const s = await api('/api/v1/analytics/summary', { query: { from: range.from, to: range.to } });
  const p = await api('/api/v1/analytics/summary', { query: { from: s.previous_from, to: s.previous_to } });
  const days = s.series.map((d) => d.date);
  // The same day of the previous period: as many days before as the periods are apart (the
  // series start at their first day with data, so positions would not line up).
  const apart = Math.round((Date.parse(s.from) - Date.parse(s.previous_from)) / 86400000);
  const before = new Map(p.series.map((d) => [d.date, d]));
  const prev = (key) => days.map((day) => before.get(shiftDay(day, -apart))?.[key] ?? null);
  const c = s.current;
  const b = s.previous;
  return [
    h('div.stats',
      kpi(t('GMV'), c.gmv_paisa, b.gmv_paisa, fmt.money),
      kpi(t('margin'), c.margin_paisa, b.margin_paisa, fmt.money),
      kpi(t('orders'), c.orders, b.orders, fmt.qty),
      kpi(t('average order'), c.aov_paisa, b.aov_paisa, fmt.money),
      kpi(t('active shops'), c.active_retailers, b.active_retailers, fmt.qty)),
    h('p.muted', t('{from} – {to}, against {pfrom} – {pto} (dashed).', { from: fmt.day(s.from), to: fmt.day(s.to), pfrom: fmt.day(s.previous_from), pto: fmt.day(s.previous_to) })),
    h('div.grid-2',
      dayChart({ title: t('GMV by day, this period and the previous'), days, format: fmt.moneyShort,
        series: [{ label: t('GMV'), values: s.series.map((d) => d.gmv_paisa) }, { label: t('Previous period'), values: prev('gmv_paisa'), dash: true }] }),
      dayChart({ title: t('Margin by day, this period and the previous'), days, format: fmt.moneyShort,
        series: [{ label: t('Margin'), values: s.series.map((d) => d.margin_paisa) }, { label: t('Previous period'), values: prev('margin_paisa'), dash: true }] })),
  ];
}

async function funnelSection(range) {
  const f = await api('/api/v1/analytics/funnel', { query: { from: range.from, to: range.to } });
  const names = { preview: t('WhatsApp previews'), confirmed: t('confirmed'), accepted: t('accepted by a vendor'), delivered: t('delivered') };
  return [
    bars(f.steps.map((st) => ({ label: names[st.step] || st.step, value: st.count, note: st.drop_off > 0 ? `(−${fmt.percent(st.drop_off)})` : '' })), { format: fmt.qty }),
    h('p.muted', t('Median {accept} min to accept, {deliver} h to deliver.', { accept: fmt.qty(f.median_minutes_to_accept ?? 0), deliver: fmt.qty(Math.round((f.median_minutes_to_deliver ?? 0) / 60)) })),
  ];
}

async function creditSection() {
  const c = await api('/api/v1/analytics/credit');
  return [
    h('div.stats',
      statTile(t('exposure'), fmt.money(c.exposure_paisa), '#/retailers'),
      statTile(t('of limits'), fmt.percent(c.limits_paisa ? c.exposure_paisa / c.limits_paisa : 0), '#/retailers'),
      statTile(t('shops over limit'), fmt.qty(c.shops_over_limit), '#/retailers')),
    h('h3', t('Owed, by days overdue')),
    bars(c.overdue.map((b) => ({ label: t(b.label), value: b.amount_paisa, note: `· ${t('{n} invoices', { n: fmt.qty(b.invoices) })}`, tone: b.from_days > 30 ? 'bad' : b.from_days > 0 ? 'warn' : null })), { format: fmt.money }),
  ];
}

async function topSection(range, by, kind) {
  const rows = await api('/api/v1/analytics/top', { query: { from: range.from, to: range.to, by, limit: 5 } });
  return simpleTable([
    { label: by === 'vendor' ? 'Vendor' : 'Product', value: (r) => partyLink(kind, Number(r.id), r.name) },
    { label: t('GMV'), value: (r) => fmt.money(r.gmv_paisa), cls: 'num' },
    { label: t('Orders'), value: (r) => fmt.qty(r.orders), cls: 'num' },
  ], rows, { empty: t('No sales in this range.') });
}

export async function staffDashboard({ view, query }) {
  const today = nepalToday();
  const range = dashboardRange(query, today);
  pageHead(view, t('Dashboard'), h('a.btn.secondary', { href: '#/whatsapp' }, t('WhatsApp simulator')), h('a.btn.primary', { href: '#/orders/new' }, t('New order')));
  await lookupAll('retailers', 'vendors', 'products');
  view.append(rangePicker(range, today));
  view.append(section(t('Sales'), () => salesSection(range), { what: t('sales figures') }));

  // `from`/`to` take Nepal calendar dates; `to` includes its whole day.
  const todays = api('/api/v1/orders', { query: { from: today, to: today, limit: 1000 } }).then(rowsOf);
  view.append(h('div.grid-2',
    section(`${t('Orders today by state')} · ${fmt.day(today)}`, async () => {
      const orders = await todays;
      const counts = Object.fromEntries(ORDER_STATES.map((st) => [st, 0]));
      for (const o of orders) counts[o.state] = (counts[o.state] || 0) + 1;
      return h('div.state-counts', ORDER_STATES.map((st) => h('a.state-count', { href: `#/orders?state=${st}&from=${today}&to=${today}` },
        stateBadge(st), h('span.count', fmt.qty(counts[st])))));
    }, { what: t('orders') }),
    section(t('Funnel'), () => funnelSection(range), { what: t('the funnel') })));
  view.append(h('div.grid-2',
    section(t('Credit exposure'), creditSection, { what: t('credit exposure'), actions: link('#/retailers', t('Retailers')) }),
    h('div.stack',
      section(t('Top products'), () => topSection(range, 'product', 'products'), { what: t('top products') }),
      section(t('Top vendors'), () => topSection(range, 'vendor', 'vendors'), { what: t('top vendors') }))));
  const recs = section(t('Recommendations'), () => recommendationsList(() => recs.reload()), { what: t('recommendations') });
  view.append(h('div.grid-2', recs,
    section(t('Open alerts'), async () => {
      const alerts = rowsOf(await api('/api/v1/alerts', { query: { limit: 200 } })).filter(isOpenAlert).slice(0, 8);
      return simpleTable([
        { label: t('Raised'), value: (a) => fmt.time(a.raised_at), cls: 'opt' },
        { label: t('Alert'), value: (a) => a.message },
      ], alerts, { empty: t('No open alerts.') });
    }, { what: t('alerts'), actions: link('#/alerts', t('All alerts')) })));
}

export function isOpenAlert(a) {
  if (a.resolved === true || a.acknowledged === true || a.closed === true) return false;
  if (a.resolved_at || a.acknowledged_at || a.closed_at) return false;
  return !['resolved', 'closed', 'acknowledged', 'dismissed'].includes(String(a.status || '').toLowerCase());
}

export async function vendorDashboard({ view, me }) {
  pageHead(view, t('Dashboard'));
  await lookup('products');
  view.append(section(t('Orders needing action'), async () => {
    const orders = rowsOf(await api('/api/v1/orders', { query: { vendor_id: me.vendor_id, limit: 200 } }));
    const open = orders.filter((o) => ['PLACED', 'ACCEPTED', 'PACKING', 'DISPATCHED'].includes(o.state));
    return simpleTable(orderColumns({ vendor: false }), open, { rowLink: (o) => `#/orders/${o.id}`, empty: t('Nothing to do right now.') });
  }, { what: t('your orders'), actions: link('#/orders', t('All orders')) }));
  view.append(section(t('Stock-out risk'), async () => {
    const rows = (await api('/api/v1/analytics/inventory', { query: { vendor_id: me.vendor_id } }))
      .filter((r) => ['high', 'medium'].includes(r.stock_out_risk?.level))
      .sort((a, b) => (a.stock_out_risk.level === 'high' ? 0 : 1) - (b.stock_out_risk.level === 'high' ? 0 : 1));
    return simpleTable([
      { label: t('Product'), value: (r) => link(`#/forecast/${r.product_id}?vendor_id=${r.vendor_id}`, lookupName('products', r.product_id)) },
      { label: t('Stock'), value: (r) => fmt.qty(r.stock), cls: 'num' },
      { label: t('Expected over lead time'), value: (r) => fmt.number(Math.round(r.stock_out_risk.expected_units * 10) / 10), cls: 'num' },
      { label: t('Stock-out risk'), value: (r) => riskBadge(r.stock_out_risk.level) },
    ], rows, { empty: t('No listing is likely to run out.') });
  }, { what: t('your listings'), actions: link('#/inventory', t('All stock')) }));
  view.append(vendorTrendSection(me.vendor_id));
}

export async function retailerDashboard({ view, me }) {
  pageHead(view, `Namaste, ${me.name || ''}`.trim());
  if (me.retailer_id) view.append(section(t('Your credit'), () => creditSummary(me.retailer_id), { what: t('your credit'), actions: link(`#/retailers/${me.retailer_id}`, t('Statement')) }));
  if (me.retailer_id) view.append(retailerInsightsSection(me.retailer_id));
  view.append(section(t('Your recent orders'), async () => {
    const orders = rowsOf(await api('/api/v1/orders', { query: { retailer_id: me.retailer_id, limit: 10 } }));
    return simpleTable(orderColumns({ retailer: false }), orders, { rowLink: (o) => `#/orders/${o.id}`, empty: t('No orders yet. Order on WhatsApp any time.') });
  }, { what: t('your orders'), actions: link('#/orders', t('All orders')) }));
}
