/* Retailers: the list, a shop's page with its credit, aging, score and statement. */

import { t } from '../i18n.js';
import { retailerInsightsSection } from './intelligence.js';
import { fmt, parseRupees, phoneE164 } from '../format.js';
import { h, link } from '../dom.js';
import { ApiError, FieldError, api, rowsOf } from '../api.js';
import { autoColumns, changes, dataTable, errorText, field, formDialog, kvTable, makeForm, notice, pageHead, pagedList, section, simpleTable, toast } from '../ui.js';
import { forgetLookups } from '../lookups.js';
import { STAFF, go, render, renderSeq } from '../router.js';
import { orderColumns } from './dashboard.js';
import { confidenceBar, readFieldsFrom } from './products.js';
import { paymentColumns, paymentDialog } from './payments.js';

/* Retailers */

export const LANGUAGES = [['ne', t('Nepali')], ['en', t('English')]];

export async function newRetailer() {
  const r = await formDialog({
    title: t('New retailer'),
    intro: t('A retailer login with the same phone is linked to the shop.'),
    fields: [
      { name: 'name', label: t('Shop name'), required: true },
      { name: 'owner_name', label: t('Owner'), required: true },
      { name: 'phone', label: t('WhatsApp phone'), type: 'tel', required: true, placeholder: '+9779802000016' },
      { name: 'district', label: t('District'), required: true },
      { name: 'province', label: t('Province'), required: true },
      { name: 'credit_limit_paisa', label: t('Credit limit (रु)'), type: 'money', required: true },
      { name: 'terms_days', label: t('Terms (days to pay)'), type: 'count', hint: t('Empty: the configured default.') },
      { name: 'language', label: t('Replies in'), type: 'select', options: LANGUAGES, value: 'ne' },
    ],
    submitLabel: t('Create retailer'),
    onSubmit: (v) => api('/api/v1/retailers', { method: 'POST', body: { ...v, phone: phoneE164(v.phone) } }),
  });
  if (r) {
    forgetLookups('retailers');
    toast(`Retailer ${r.name} created.`, 'ok');
    go(`/retailers/${r.id}`);
  }
}

export async function retailersPage({ view }) {
  pageHead(view, t('Retailers'), h('button.btn.primary', { type: 'button', onclick: newRetailer }, t('New retailer')));
  const filter = h('input.search', { type: 'search', placeholder: t('Filter by name, phone, district'), 'aria-label': t('Filter retailers') });
  const list = pagedList({
    path: '/api/v1/retailers',
    limit: 200,
    columns: [
      { label: t('Shop'), value: (r) => h('div', link(`#/retailers/${r.id}`, r.name), r.owner_name ? h('small.muted', ` ${r.owner_name}`) : '') },
      { label: t('Phone'), value: (r) => r.phone },
      { label: t('District'), value: (r) => r.district || '', cls: 'opt' },
      { label: t('Credit limit'), value: (r) => fmt.money(r.credit_limit_paisa), cls: 'num' },
      { label: t('Terms'), value: (r) => (r.terms_days === undefined ? '—' : `${r.terms_days} days`), cls: 'num opt' },
      { label: t('Status'), value: (r) => (r.blocked ? h('span.badge.blocked', t('blocked')) : h('span.badge.okay', t('ok'))) },
    ],
    rowLink: (r) => `#/retailers/${r.id}`,
    empty: t('No retailers yet.'),
    what: t('retailers'),
  });
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const tr of list.querySelectorAll('tbody tr')) tr.hidden = !!q && !tr.textContent.toLowerCase().includes(q);
  });
  view.append(h('div.searchbar', filter), h('section.card.flush', list));
}

export async function retailerPage({ view, params, me }) {
  const staff = STAFF.includes(me.role);
  const id = Number(params.id);
  let retailer = null;
  try {
    retailer = await api(`/api/v1/retailers/${id}`);
  } catch (err) {
    if (staff || !(err instanceof ApiError && (err.status === 403 || err.missing))) throw err;
  }
  pageHead(view, retailer?.name || 'Credit & statement', retailer?.blocked && h('span.badge.blocked', t('blocked')),
    staff && h('a.btn.secondary', { href: `#/orders/new?retailer_id=${id}` }, 'New order'),
    staff && h('button.btn.secondary', { type: 'button', onclick: () => paymentDialog(id).then((p) => p && render()) }, t('Record payment')),
    staff && retailer && h('a.btn.secondary', { href: `#/whatsapp?phone=${encodeURIComponent(retailer.phone)}` }, 'WhatsApp'));

  const credit = section(t('Credit'), () => creditSummary(id), { what: t('credit') });
  if (!retailer) view.append(credit);
  else {
    view.append(h('div.grid-2', credit, h('section.card', h('div.card-head', h('h2', t('Details'))),
      staff ? retailerForm(retailer) : kvTable(retailer, { skip: ['id', 'created_at'] }))));
  }
  view.append(h('div.grid-2',
    section(t('Aging'), async () => agingView((await creditOf(id)).aging), { what: t('credit aging') }),
    section(t('Credit score'), async () => scoreView((await creditOf(id)).score), { what: t('the credit score') })));
  view.append(retailerInsightsSection(id));
  view.append(section(t('Statement'), () => statementView(id), { what: t('the statement'), cls: 'flush' }));
  if (staff) {
    view.append(h('section.card.flush', h('div.card-head', h('h2', t('Recent orders')), link(`#/orders?retailer_id=${id}`, t('All'))),
      pagedList({
        path: '/api/v1/orders',
        query: { retailer_id: id },
        limit: 10,
        columns: orderColumns({ retailer: false }),
        rowLink: (o) => `#/orders/${o.id}`,
        empty: t('No orders yet.'),
        what: t('orders'),
      })));
    view.append(h('section.card.flush', h('div.card-head', h('h2', t('Payments')), link(`#/payments?retailer_id=${id}`, t('All'))),
      pagedList({ path: '/api/v1/payments', query: { retailer_id: id }, limit: 10, columns: paymentColumns(false), empty: t('No payments yet.'), what: t('payments') })));
  }
}

export const creditCache = new Map(); // one GET /credit per page render, shared by the page's sections

export function creditOf(id) {
  const entry = creditCache.get(id);
  if (entry && entry.seq === renderSeq) return entry.promise;
  const promise = api(`/api/v1/retailers/${id}/credit`);
  creditCache.set(id, { seq: renderSeq, promise });
  return promise;
}

export async function creditSummary(id) {
  const c = await creditOf(id);
  const limit = Number(c.limit_paisa) || 0;
  const used = (Number(c.posted_paisa) || 0) + (Number(c.held_paisa) || 0);
  const bar = h('div.usage', h('span.usage-posted'), h('span.usage-held'));
  if (limit > 0) {
    bar.children[0].style.width = `${Math.min(100, (Number(c.posted_paisa) / limit) * 100)}%`;
    bar.children[1].style.width = `${Math.max(0, Math.min(100 - (Number(c.posted_paisa) / limit) * 100, (Number(c.held_paisa) / limit) * 100))}%`;
  }
  return [
    c.blocked_reason && notice('error', t('Cannot order on credit now'), c.blocked_reason),
    h('div.stats.credit',
      h('div.stat.big', h('span.stat-value', fmt.money(c.available_paisa)), h('span.stat-label', t('available'))),
      h('div.stat', h('span.stat-value', fmt.money(c.posted_paisa)), h('span.stat-label', t('owed (posted)'))),
      h('div.stat', h('span.stat-value', fmt.money(c.held_paisa)), h('span.stat-label', t('held for open orders'))),
      h('div.stat', h('span.stat-value', fmt.money(c.limit_paisa)), h('span.stat-label', t('limit')))),
    limit > 0 && bar,
    limit > 0 && h('p.muted.small-text', t('{percent} of the limit in use', { percent: fmt.percent(used / limit) })),
    kvTable(c, { skip: ['limit_paisa', 'posted_paisa', 'held_paisa', 'available_paisa', 'aging', 'score', 'blocked_reason'] }),
  ].filter((x) => x && !(x.classList?.contains('empty')));
}

export function agingView(aging) {
  if (aging === undefined || aging === null) return h('p.empty', t('No aging figures.'));
  if (Array.isArray(aging) && aging.every((b) => b && 'label' in b && 'amount_paisa' in b)) {
    // Buckets: [{label, from_days, to_days, amount_paisa, invoices}]
    return simpleTable([
      { label: t('Days past due'), value: (b) => b.label },
      { label: t('Invoices'), value: (b) => (b.invoices === undefined ? '' : fmt.qty(b.invoices)), cls: 'num' },
      { label: t('Amount'), value: (b) => h(b.amount_paisa ? 'strong' : 'span.muted', fmt.money(b.amount_paisa)), cls: 'num' },
    ], aging, { empty: t('Nothing owed.') });
  }
  if (Array.isArray(aging)) return simpleTable(autoColumns(aging), aging);
  if (typeof aging !== 'object') return h('p', String(aging));
  const buckets = aging.buckets;
  if (Array.isArray(buckets)) return [simpleTable(autoColumns(buckets, { money: true }), buckets), kvTable(aging, { money: true, skip: ['buckets'] })];
  return kvTable(aging, { money: true });
}

export function scoreView(score) {
  if (score === undefined || score === null) return h('p.empty', t('No score yet.'));
  if (typeof score !== 'object') return h('div.score', h('span.score-value', fmt.number(Number(score))));
  const value = score.score ?? score.value ?? score.points;
  const grade = score.grade ?? score.band ?? score.rating;
  const explain = score.explanation ?? score.reasons ?? score.explain;
  const components = Array.isArray(score.components) ? score.components : null;
  const rest = Object.fromEntries(Object.entries(score).filter(([k]) =>
    !['value', 'score', 'points', 'grade', 'band', 'rating', 'explanation', 'reasons', 'explain', 'components', 'at'].includes(k)));
  return [
    h('div.score', value !== undefined && h('span.score-value', typeof value === 'number' ? fmt.number(value) : String(value)),
      grade && h('span.badge.grade', String(grade)), score.at && h('small.muted', `as of ${fmt.time(score.at)}`)),
    // Components: [{name, weight, value 0..1, explanation}]
    components && simpleTable([
      { label: t('Factor'), value: (c) => h('div', h('div', fmt.label(c.name || '')), c.explanation && h('small.muted', c.explanation)) },
      { label: t('Weight'), value: (c) => (c.weight === undefined ? '' : fmt.number(c.weight)), cls: 'num' },
      { label: t('How good'), value: (c) => confidenceBar(c.value) },
    ], components),
    explain && (Array.isArray(explain)
      ? (explain.every((x) => typeof x !== 'object') ? h('ul.explain', explain.map((x) => h('li', String(x)))) : simpleTable(autoColumns(explain), explain))
      : typeof explain === 'object' ? kvTable(explain) : h('p', String(explain))),
    Object.keys(rest).length && kvTable(rest),
  ].filter(Boolean);
}

export async function statementView(id) {
  // The statement may be paged ({items, next_cursor}) or one object with rows and totals.
  const first = await api(`/api/v1/retailers/${id}/statement`, { query: { limit: 100 } });
  const rows = rowsOf(first);
  const summary = Object.fromEntries(Object.entries(first || {}).filter(([k, v]) => !['next_cursor', 'retailer_id'].includes(k) && !Array.isArray(v)));
  const out = [];
  if (Object.keys(summary).length) out.push(h('div.pad', kvTable(summary)));
  if (!rows.length) {
    out.push(h('p.empty.pad', t('No transfers yet.')));
    return out;
  }
  const table = dataTable(autoColumns(rows, {
    order: ['at', 'description', 'code', 'order_id', 'debit_paisa', 'credit_paisa', 'balance_paisa', 'hold'],
    skip: ['transfer_id'],
  }));
  table.addRows(rows);
  out.push(table.el);
  if (first?.next_cursor) {
    let cursor = first.next_cursor;
    const more = h('button.btn.secondary.more', { type: 'button' }, t('Load more'));
    more.addEventListener('click', async () => {
      more.disabled = true;
      try {
        const page = await api(`/api/v1/retailers/${id}/statement`, { query: { limit: 100, cursor } });
        t.addRows(rowsOf(page));
        cursor = page?.next_cursor;
        more.hidden = !cursor;
      } catch (err) {
        toast(`Statement: ${errorText(err)}`, 'error');
      } finally {
        more.disabled = false;
      }
    });
    out.push(more);
  }
  return out;
}

/** Retailer fields whose change needs a reason (the audit log keeps it). */
export const CREDIT_KEYS = ['credit_limit_paisa', 'terms_days', 'blocked'];

export function retailerForm(r) {
  const fields = [
    { name: 'phone', label: t('WhatsApp phone'), type: 'tel', value: r.phone, required: true },
    { name: 'district', label: t('District'), value: r.district },
    { name: 'credit_limit_paisa', label: t('Credit limit (रु)'), type: 'money', value: r.credit_limit_paisa, required: true },
    { name: 'terms_days', label: t('Terms (days to pay)'), type: 'count', value: r.terms_days, required: true },
    { name: 'language', label: t('Replies in'), type: 'select', options: LANGUAGES, value: r.language },
    { name: 'blocked', label: t('Blocked (cannot order on credit)'), type: 'checkbox', value: r.blocked },
  ];
  const reasonField = field({ name: 'reason', label: t('Reason for this credit change (kept in the audit log)'), type: 'textarea', rows: 2, required: true, wide: true });
  reasonField.hidden = true;
  const form = makeForm({
    fields,
    submitLabel: t('Save changes'),
    extra: reasonField,
    onSubmit: async (v) => {
      const patch = changes(readFieldsFrom(r, fields), v);
      if (!Object.keys(patch).length) return toast(t('Nothing changed.'));
      if (CREDIT_KEYS.some((k) => k in patch)) {
        const reason = form.elements.namedItem('reason').value.trim();
        if (!reason) throw new FieldError('reason', t('Say why the credit limit, terms or block change: it is kept in the audit log.'));
        patch.reason = reason;
      }
      if (patch.phone) patch.phone = phoneE164(patch.phone);
      await api(`/api/v1/retailers/${r.id}`, { method: 'PATCH', body: patch });
      forgetLookups('retailers');
      toast(t('Retailer saved.'), 'ok');
      render();
    },
  });
  // The reason box appears as soon as the limit, the terms or the block differ from what is saved.
  const showReason = () => {
    let limitChanged = false;
    try {
      limitChanged = parseRupees(form.elements.namedItem('credit_limit_paisa').value) !== r.credit_limit_paisa;
    } catch {
      limitChanged = true;
    }
    const termsChanged = form.elements.namedItem('terms_days').value.trim() !== String(r.terms_days ?? '');
    const blockChanged = form.elements.namedItem('blocked').checked !== !!r.blocked;
    reasonField.hidden = !(limitChanged || termsChanged || blockChanged);
  };
  form.addEventListener('input', showReason);
  form.addEventListener('change', showReason);
  return form;
}
