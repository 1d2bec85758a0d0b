/* The dashboard of each role. */

import { fmt, nepalToday } from '../format.js';
import { h, link } from '../dom.js';
import { api, rowsOf } from '../api.js';
import { ORDER_STATES, errorText, pageHead, section, simpleTable, stateBadge } from '../ui.js';
import { lookup, lookupAll, partyLink } from '../lookups.js';
import { productCell } from './products.js';
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
    { label: 'Order', value: (o) => link(`#/orders/${o.id}`, o.number || `#${o.id}`) },
    { label: 'Placed', value: (o) => fmt.time(o.created_at), cls: 'opt' },
    retailer && { label: 'Retailer', value: (o) => partyLink('retailers', o.retailer_id, o.retailer_name) },
    vendor && { label: 'Vendor', value: (o) => partyLink('vendors', o.vendor_id, o.vendor_name), cls: 'opt' },
    { label: 'State', value: (o) => stateBadge(o.state) },
    { label: 'Total', value: (o) => fmt.money(o.total_paisa), cls: 'num' },
  ].filter(Boolean);
}

export async function staffDashboard({ view }) {
  const today = nepalToday();
  pageHead(view, 'Dashboard', h('a.btn.secondary', { href: '#/whatsapp' }, 'WhatsApp simulator'), h('a.btn.primary', { href: '#/orders/new' }, 'New order'));
  await lookupAll('retailers', 'vendors');

  // `from`/`to` take Nepal calendar dates; `to` includes its whole day.
  const todays = api('/api/v1/orders', { query: { from: today, to: today, limit: 1000 } }).then(rowsOf);
  view.append(h('div.grid-2',
    section(`Orders today · ${fmt.day(today)}`, async () => {
      const orders = await todays;
      const counts = Object.fromEntries(ORDER_STATES.map((s) => [s, 0]));
      for (const o of orders) counts[o.state] = (counts[o.state] || 0) + 1;
      const total = orders.filter((o) => o.state !== 'CANCELLED').reduce((sum, o) => sum + (Number(o.total_paisa) || 0), 0);
      return [
        h('div.stats',
          statTile('orders', fmt.qty(orders.length), `#/orders?from=${today}&to=${today}`),
          statTile('ordered value', fmt.money(total), `#/orders?from=${today}&to=${today}`, 'wide')),
        h('div.state-counts', ORDER_STATES.map((s) => h('a.state-count', { href: `#/orders?state=${s}&from=${today}&to=${today}` },
          stateBadge(s), h('span.count', fmt.qty(counts[s]))))),
      ];
    }, { what: 'orders' }),
    h('div.stack',
      section('Needs attention', async () => {
        const [placed, alerts] = await Promise.allSettled([
          api('/api/v1/orders', { query: { state: 'PLACED', limit: 200 } }),
          api('/api/v1/alerts', { query: { limit: 200 } }),
        ]);
        const count = (page, pick) => `${fmt.qty(pick(rowsOf(page)).length)}${page?.next_cursor ? '+' : ''}`;
        const tile = (res, label, href, pick) => (res.status === 'fulfilled'
          ? statTile(label, count(res.value, pick), href)
          : h('div.stat.unavailable', h('span.stat-value', '—'), h('span.stat-label', `${label}: ${errorText(res.reason)}`)));
        return h('div.stats',
          tile(placed, 'orders waiting for a vendor', '#/orders?state=PLACED', (x) => x),
          tile(alerts, 'open alerts', '#/alerts', (x) => x.filter(isOpenAlert)));
      }, { what: 'these counts' }))));

  view.append(section('Latest orders today', async () => {
    const orders = (await todays).slice(0, 10);
    return simpleTable(orderColumns(), orders, { rowLink: (o) => `#/orders/${o.id}`, empty: 'No orders yet today.' });
  }, { what: 'orders', actions: link('#/orders', 'All orders') }));
}

export function isOpenAlert(a) {
  if (a.resolved === true || a.acknowledged === true || a.closed === true) return false;
  if (a.resolved_at || a.acknowledged_at || a.closed_at) return false;
  return !['resolved', 'closed', 'acknowledged', 'dismissed'].includes(String(a.status || '').toLowerCase());
}

export async function vendorDashboard({ view, me }) {
  pageHead(view, 'Dashboard');
  await lookup('products');
  view.append(section('Orders needing action', async () => {
    const orders = rowsOf(await api('/api/v1/orders', { query: { vendor_id: me.vendor_id, limit: 200 } }));
    const open = orders.filter((o) => ['PLACED', 'ACCEPTED', 'PACKING', 'DISPATCHED'].includes(o.state));
    return simpleTable(orderColumns({ vendor: false }), open, { rowLink: (o) => `#/orders/${o.id}`, empty: 'Nothing to do right now.' });
  }, { what: 'your orders', actions: link('#/orders', 'All orders') }));
  view.append(section('Low stock', async () => {
    const listings = rowsOf(await api('/api/v1/listings', { query: { vendor_id: me.vendor_id, limit: 1000 } }));
    const low = listings.filter((l) => l.active !== false && Number(l.stock) <= Math.max(10, Number(l.min_qty) || 0)).slice(0, 20);
    return simpleTable([
      { label: 'Product', value: (l) => productCell(l) },
      { label: 'Stock', value: (l) => fmt.qty(l.stock), cls: 'num' },
    ], low, { empty: 'All your listings have stock.' });
  }, { what: 'your listings', actions: link('#/listings', 'Edit stock and prices') }));
}

export async function retailerDashboard({ view, me }) {
  pageHead(view, `Namaste, ${me.name || ''}`.trim());
  if (me.retailer_id) view.append(section('Your credit', () => creditSummary(me.retailer_id), { what: 'your credit', actions: link(`#/retailers/${me.retailer_id}`, 'Statement') }));
  view.append(section('Your recent orders', async () => {
    const orders = rowsOf(await api('/api/v1/orders', { query: { retailer_id: me.retailer_id, limit: 10 } }));
    return simpleTable(orderColumns({ retailer: false }), orders, { rowLink: (o) => `#/orders/${o.id}`, empty: 'No orders yet. Order on WhatsApp any time.' });
  }, { what: 'your orders', actions: link('#/orders', 'All orders') }));
}
