/* Payments. */

import { t } from '../i18n.js';
import { fmt } from '../format.js';
import { h, link } from '../dom.js';
import { FieldError, api } from '../api.js';
import { formDialog, makeForm, notice, pageHead, pagedList, renderValue, toast } from '../ui.js';
import { lookup, lookupName, lookupWith, partyLink, partyOptions } from '../lookups.js';
import { go } from '../router.js';
import { filterBar } from './orders.js';

/* Payments */

export const METHODS = [['cash', t('Cash')], ['bank_transfer', t('Bank transfer')], ['esewa', t('eSewa')], ['khalti', t('Khalti')], ['fonepay', t('Fonepay')], ['cheque', t('Cheque')]];

export function paymentColumns(withRetailer = true) {
  return [
    { label: t('When'), value: (p) => fmt.time(p.created_at) },
    withRetailer && { label: t('Retailer'), value: (p) => partyLink('retailers', p.retailer_id) },
    { label: t('Amount'), value: (p) => fmt.money(p.amount_paisa), cls: 'num' },
    { label: t('Method'), value: (p) => (METHODS.find(([m]) => m === p.method)?.[1] || p.method) },
    { label: t('Reference'), value: (p) => p.reference || '', cls: 'opt' },
    { label: t('Paid against'), value: (p) => allocationsText(p.allocations), cls: 'opt' },
    { label: t('Left as credit'), value: (p) => (p.unallocated_paisa ? fmt.money(p.unallocated_paisa) : ''), cls: 'num opt' },
  ].filter(Boolean);
}

/** [{order_id, amount_paisa}] → "Order #5 रु 1,000.00, Order #7 रु 200.00" with links. */
export function allocationsText(allocs) {
  if (!Array.isArray(allocs)) return renderValue('allocations', allocs);
  if (!allocs.length) return h('span.muted', '—');
  return h('span.inline-links', allocs.map((a, i) => [
    i ? ', ' : '',
    a.order_id ? link(`#/orders/${a.order_id}`, a.order_number || `Order #${a.order_id}`) : '',
    a.amount_paisa !== undefined ? ` ${fmt.money(a.amount_paisa)}` : '',
  ]));
}

export function paymentFields(retailers, retailerId) {
  return [
    { name: 'retailer_id', label: t('Retailer'), type: 'select', options: partyOptions(retailers, t('Choose a retailer…')), value: retailerId, required: true },
    { name: 'amount_paisa', label: t('Amount (रु)'), type: 'money', required: true, placeholder: t('e.g. 12500 or 12,500.50') },
    { name: 'method', label: t('Method'), type: 'select', options: METHODS, value: 'cash' },
    { name: 'reference', label: t('Reference'), required: true, placeholder: t('Receipt, cheque or transaction no.'), hint: t('Recorded once per reference: a repeat is not counted twice.') },
  ];
}

export function paymentBody(v) {
  if (!v.amount_paisa || v.amount_paisa <= 0) throw new FieldError('amount_paisa', t('The amount must be more than zero.'));
  if (!Number(v.retailer_id)) throw new FieldError('retailer_id', t('Choose the retailer who paid.'));
  return { retailer_id: Number(v.retailer_id), amount_paisa: v.amount_paisa, method: v.method, reference: v.reference };
}

export async function paymentDialog(retailerId) {
  const retailers = await lookupWith('retailers', retailerId);
  const p = await formDialog({
    title: t('Record a payment'),
    fields: paymentFields(retailers, retailerId),
    submitLabel: t('Record payment'),
    onSubmit: (v) => api('/api/v1/payments', { method: 'POST', body: paymentBody(v) }),
  });
  if (p) toast(t('Payment of {amount} recorded.', { amount: fmt.money(p.amount_paisa) }), 'ok');
  return p;
}

export async function paymentsPage({ view, query }) {
  pageHead(view, t('Payments'));
  const retailers = await lookup('retailers');
  const result = h('div.payment-result');
  const form = makeForm({
    fields: paymentFields(retailers, query.retailer_id),
    submitLabel: t('Record payment'),
    cls: 'cols',
    onSubmit: async (v, f) => {
      const p = await api('/api/v1/payments', { method: 'POST', body: paymentBody(v) });
      toast(t('Payment of {amount} recorded.', { amount: fmt.money(p.amount_paisa) }), 'ok');
      f.elements.namedItem('amount_paisa').value = '';
      f.elements.namedItem('reference').value = '';
      for (const echo of f.querySelectorAll('.echo')) echo.textContent = '';
      result.replaceChildren(notice('ok', `Recorded ${fmt.money(p.amount_paisa)} from ${lookupName('retailers', p.retailer_id)}.`),
        h('p', t('Paid against: '), allocationsText(p.allocations),
          p.unallocated_paisa ? ` · ${t('{amount} left as credit', { amount: fmt.money(p.unallocated_paisa) })}` : ''));
      list.replaceChildren(makeList());
    },
  });
  view.append(h('section.card', h('div.card-head', h('h2', t('Record a payment'))), form, result));
  view.append(filterBar([{ name: 'retailer_id', label: t('Show payments of'), type: 'select', options: partyOptions(retailers, 'All retailers') }], query, (q) => go('/payments', q)));
  const makeList = () => pagedList({
    path: '/api/v1/payments',
    query: { retailer_id: query.retailer_id },
    columns: paymentColumns(!query.retailer_id),
    empty: t('No payments recorded yet.'),
    what: t('payments'),
  });
  const list = h('section.card.flush', makeList());
  view.append(list);
}
