/* Intelligence on screen: a product's forecast with its intervals, inventory and stock-out risk,
 * price spreads and abnormal changes, recommendations, a shop's insights and a vendor's trend.
 * Every figure comes from the analytics endpoints, so the console and the API agree. */

import { t } from '../i18n.js';
import { fmt } from '../format.js';
import { h, link } from '../dom.js';
import { api, rowsOf } from '../api.js';
import { errorText, factsTable, pageHead, section, simpleTable, toast } from '../ui.js';
import { lookupAll, lookupName, partyLink } from '../lookups.js';
import { canOpen } from '../router.js';
import { dayChart } from '../chart.js';

const RISK_ORDER = { high: 0, medium: 1, low: 2 };

/** "high" / "medium" / "low" stock-out or churn risk as a badge. */
export function riskBadge(level) {
  if (!level) return h('span.muted', '—');
  return h(`span.badge.risk-${level}`, t({ high: 'high risk', medium: 'medium risk', low: 'low risk' }[level] || level));
}

const units = (x) => fmt.number(Math.round(Number(x) * 10) / 10);
const nothing = (n) => Array.from({ length: n }, () => null);

/** A product's (or one vendor's listing's) last 8 weeks, the next 28 days and their intervals. */
export function forecastSection(productId, vendorId = null) {
  return section(t('Forecast, next 28 days'), async () => {
    const f = await api(`/api/v1/products/${productId}/forecast`, { query: vendorId ? { vendor_id: vendorId } : {} });
    const hist = f.history.slice(-56);
    const ahead = f.forecast;
    const days = [...hist.map((d) => d.date), ...ahead.map((d) => d.date)];
    const later = (key) => [...nothing(hist.length), ...ahead.map((d) => d[key])];
    const risk = f.stock_out_risk;
    return [
      dayChart({
        title: t('Units sold per day and the forecast with its 80% and 95% intervals'),
        days,
        format: units,
        series: [
          { label: t('Sold'), values: [...hist.map((d) => d.units), ...nothing(ahead.length)] },
          { label: t('Forecast'), values: later('mean'), colour: '#c2410c' },
          { label: t('95% high'), values: later('hi95'), band: true },
          { label: t('95% low'), values: later('lo95'), band: true },
          { label: t('80% high'), values: later('hi80'), band: true },
          { label: t('80% low'), values: later('lo80'), band: true },
        ],
        bands: [[2, 3], [4, 5]],
      }),
      factsTable([
        [t('Method'), f.method + (f.fallback ? ` (${f.fallback})` : '')],
        f.backtest?.rmsse != null && [t('Backtest error (RMSSE)'), `${fmt.number(Math.round(f.backtest.rmsse * 1000) / 1000)} · ${t('{n} windows', { n: fmt.qty(f.backtest.windows) })}`],
        [t('Expected in 28 days'), units(ahead.reduce((s, d) => s + d.mean, 0))],
        risk && [t('Stock-out risk'), h('span', riskBadge(risk.level), ' ', t('{expected} expected in {days} days (up to {high}), {stock} in stock', { expected: units(risk.expected_units), days: fmt.qty(risk.lead_days), high: units(risk.upper95_units), stock: fmt.qty(risk.stock) }))],
      ]),
    ];
  }, { what: t('the forecast') });
}

export async function forecastPage({ view, params, query, me }) {
  await lookupAll('products', 'vendors');
  const vendorId = me.role === 'vendor' ? me.vendor_id : query.vendor_id ? Number(query.vendor_id) : null;
  pageHead(view, lookupName('products', Number(params.id)), vendorId && h('span.muted', lookupName('vendors', vendorId)));
  view.append(forecastSection(params.id, vendorId));
}

/** Listings by stock-out risk (high first), then days of stock. */
export async function inventoryPage({ view, query, me }) {
  pageHead(view, t('Inventory'));
  await lookupAll('products', 'vendors');
  const own = me.role === 'vendor';
  view.append(section(t('Stock and stock-out risk'), async () => {
    const rows = await api('/api/v1/analytics/inventory', { query: own ? { vendor_id: me.vendor_id } : query.vendor_id ? { vendor_id: query.vendor_id } : {} });
    const rank = (r) => RISK_ORDER[r.stock_out_risk?.level] ?? 3;
    rows.sort((a, b) => rank(a) - rank(b) || (a.days_of_stock ?? Infinity) - (b.days_of_stock ?? Infinity));
    const forecastHref = (r) => `#/forecast/${r.product_id}?vendor_id=${r.vendor_id}`;
    return simpleTable([
      { label: t('Product'), value: (r) => link(forecastHref(r), lookupName('products', r.product_id)) },
      !own && { label: t('Vendor'), value: (r) => partyLink('vendors', r.vendor_id), cls: 'opt' },
      { label: t('Stock'), value: (r) => fmt.qty(r.stock), cls: 'num' },
      { label: t('Sold, 28 days'), value: (r) => fmt.qty(r.units_28d), cls: 'num opt' },
      { label: t('Days of stock'), value: (r) => (r.days_of_stock == null ? '—' : fmt.qty(Math.round(r.days_of_stock))), cls: 'num' },
      { label: t('Stock-out risk'), value: (r) => riskBadge(r.stock_out_risk?.level) },
      { label: t('Expected over lead time'), value: (r) => (r.stock_out_risk ? `${units(r.stock_out_risk.expected_units)} (≤ ${units(r.stock_out_risk.upper95_units)})` : '—'), cls: 'num opt' },
    ].filter(Boolean), rows.slice(0, 300), { empty: t('No listings.') });
  }, { what: t('inventory') }));
}

export async function pricesPage({ view }) {
  pageHead(view, t('Prices'));
  await lookupAll('products', 'vendors');
  const prices = api('/api/v1/analytics/prices');
  view.append(section(t('Spread across vendors'), async () => simpleTable([
    { label: t('Product'), value: (r) => partyLink('products', r.product_id, r.name) },
    { label: t('Vendors'), value: (r) => fmt.qty(r.vendors), cls: 'num' },
    { label: t('Lowest'), value: (r) => fmt.money(r.lowest_paisa), cls: 'num' },
    { label: t('Median'), value: (r) => fmt.money(r.median_paisa), cls: 'num opt' },
    { label: t('Highest'), value: (r) => fmt.money(r.highest_paisa), cls: 'num' },
    { label: t('Spread'), value: (r) => fmt.percent(r.spread_percent / 100), cls: 'num' },
  ], (await prices).spreads.slice(0, 100), { empty: t('No product is sold by two vendors yet.') }), { what: t('prices') }));
  view.append(section(t('Abnormal price changes'), async () => simpleTable([
    { label: t('When'), value: (r) => fmt.time(r.at) },
    { label: t('Product'), value: (r) => partyLink('products', r.product_id) },
    { label: t('Vendor'), value: (r) => partyLink('vendors', r.vendor_id), cls: 'opt' },
    { label: t('From'), value: (r) => fmt.money(r.from_paisa), cls: 'num' },
    { label: t('To'), value: (r) => fmt.money(r.to_paisa), cls: 'num' },
    { label: t('Change'), value: (r) => `${r.change_percent > 0 ? '+' : '−'}${fmt.percent(Math.abs(r.change_percent) / 100)}`, cls: 'num' },
  ], (await prices).abnormal_changes.filter((r) => r.abnormal).slice(0, 100), { empty: t('No abnormal price changes.') }), { what: t('prices') }));
}

/* Recommendations */

/** Open recommendations, with done and dismiss. */
export async function recommendationsList(reload, limit = 8) {
  const page = await api('/api/v1/recommendations', { query: { limit } });
  const act = async (r, action, button) => {
    button.closest('.row-actions').querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await api(`/api/v1/recommendations/${r.id}/${action}`, { method: 'POST' });
      toast(action === 'done' ? t('Marked done.') : t('Dismissed for 30 days.'));
      reload();
    } catch (err) {
      toast(errorText(err), 'error');
      button.closest('.row-actions').querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  };
  return simpleTable([
    { label: t('Kind'), value: (r) => t(fmt.label(r.kind)) },
    { label: t('Why'), value: (r) => r.reason },
    { label: t('Actions'), value: (r) => h('span.row-actions',
      h('button.btn.small', { type: 'button', onclick: (ev) => act(r, 'done', ev.currentTarget) }, t('Done')),
      h('button.btn.small.secondary', { type: 'button', onclick: (ev) => act(r, 'dismiss', ev.currentTarget) }, t('Dismiss'))) },
  ], rowsOf(page), { empty: t('Nothing to recommend right now.') });
}

export async function recommendationsPage({ view }) {
  pageHead(view, t('Recommendations'));
  const recs = section(t('Open recommendations'), () => recommendationsList(() => recs.reload(), 200), { what: t('recommendations') });
  view.append(recs);
}

/** A shop's lifetime value, churn risk with its reason, usual basket and reorder timing. */
export function retailerInsightsSection(id) {
  return section(t('Insights'), async () => {
    const i = await api(`/api/v1/retailers/${id}/insights`);
    return [
      h('div.stats',
        h('div.stat', h('span.stat-value', fmt.money(i.ltv_paisa)), h('span.stat-label', t('lifetime value (margin)'))),
        h('div.stat', h('span.stat-value', fmt.money(i.last_30_days_paisa)), h('span.stat-label', t('last 30 days')),
          i.growth_percent != null && h('span.stat-change', fmt.change(i.last_30_days_paisa, i.previous_30_days_paisa))),
        h('div.stat', h('span.stat-value', riskBadge(i.churn?.level)), h('span.stat-label', t('churn risk')))),
      factsTable([
        i.churn && [t('Why'), i.churn.reason],
        [t('Orders'), fmt.qty(i.orders)],
        [t('Last order'), i.last_order ? fmt.day(i.last_order) : '—'],
        [t('Usual gap'), i.usual_gap_days == null ? '—' : t('{n} days', { n: fmt.number(i.usual_gap_days) })],
        [t('Next order expected'), i.next_order_expected ? h('span', fmt.day(i.next_order_expected), i.reorder_due ? h('span.badge.risk-medium', ` ${t('due')}`) : '') : '—'],
      ]),
      h('h3', t('Usual basket')),
      simpleTable([
        { label: t('Product'), value: (b) => (canOpen(`/products/${b.product_id}`) ? link(`#/products/${b.product_id}`, b.name) : b.name) },
        { label: t('Usual quantity'), value: (b) => fmt.qty(b.usual_quantity), cls: 'num' },
        { label: t('In orders'), value: (b) => fmt.percent(b.share), cls: 'num' },
      ], i.usual_basket || [], { empty: t('No usual basket yet.') }),
    ];
  }, { what: t('insights') });
}

/** A vendor's weekly sales and service over time. */
export function vendorTrendSection(id) {
  return section(t('Performance over time'), async () => {
    const v = await api(`/api/v1/vendors/${id}/insights`);
    const s = v.series || [];
    const days = s.map((w) => w.date);
    const total = v.total || {};
    return [
      h('div.stats',
        h('div.stat', h('span.stat-value', fmt.money(total.gmv_paisa)), h('span.stat-label', t('GMV'))),
        h('div.stat', h('span.stat-value', fmt.percent(total.fill_rate ?? 0)), h('span.stat-label', t('fill rate'))),
        h('div.stat', h('span.stat-value', fmt.percent(total.on_time_rate ?? 0)), h('span.stat-label', t('on time'))),
        h('div.stat', h('span.stat-value', t('{n} min', { n: fmt.qty(Math.round(total.mean_minutes_to_accept ?? 0)) })), h('span.stat-label', t('to accept')))),
      h('div.grid-2',
        dayChart({ title: t('GMV by week'), days, format: fmt.moneyShort, series: [{ label: t('GMV'), values: s.map((w) => w.gmv_paisa) }] }),
        dayChart({ title: t('Fill rate and on-time delivery by week'), days, format: (x) => fmt.percent(x),
          series: [{ label: t('fill rate'), values: s.map((w) => w.fill_rate) }, { label: t('on time'), values: s.map((w) => w.on_time_rate), dash: true }] })),
    ];
  }, { what: t('vendor performance') });
}
