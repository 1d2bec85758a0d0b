/* Orders: the list, a new order (form or a shop's message), one order and its moves. */

import { t } from '../i18n.js';
import { fmt, parseCount, randomKey } from '../format.js';
import { h } from '../dom.js';
import { FieldError, api } from '../api.js';
import { dataTable, errorText, factsTable, field, fieldInput, formDialog, notice, ORDER_STATES, pagedList, pageHead, renderValue, section, showFormError, simpleTable, stateBadge, toast, TRANSITIONS } from '../ui.js';
import { lookup, lookupAll, lookupWith, partyLink, partyOptions } from '../lookups.js';
import { STAFF, go, render } from '../router.js';
import { orderColumns } from './dashboard.js';

/* Orders */

export function filterBar(fields, query, onApply) {
  const form = h('form.filters', { role: 'search' }, fields.map((spec) => field({ ...spec, value: query[spec.name] ?? spec.value })),
    h('div.filter-actions', h('button.btn.secondary', { type: 'submit' }, t('Apply')),
      h('button.btn.ghost', { type: 'button', onclick: () => onApply({}) }, 'Clear')));
  form.addEventListener('change', (ev) => {
    if (ev.target.tagName === 'SELECT' || ev.target.type === 'date') form.requestSubmit();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    onApply(Object.fromEntries(fields.map((f) => [f.name, form.elements.namedItem(f.name).value.trim()])));
  });
  return form;
}

export async function ordersPage({ view, query, me }) {
  const staff = STAFF.includes(me.role);
  pageHead(view, me.role === 'retailer' ? 'My orders' : 'Orders', staff && h('a.btn.primary', { href: '#/orders/new' }, t('New order')));
  const [retailers, vendors] = staff ? await lookupAll('retailers', 'vendors') : [new Map(), new Map()];
  const filters = [
    { name: 'state', label: t('State'), type: 'select', options: [['', t('Any state')], ...ORDER_STATES.map((s) => [s, s.charAt(0) + s.slice(1).toLowerCase()])] },
    staff && { name: 'retailer_id', label: t('Retailer'), type: 'select', options: partyOptions(retailers, 'Any retailer') },
    staff && { name: 'vendor_id', label: t('Vendor'), type: 'select', options: partyOptions(vendors, 'Any vendor') },
    { name: 'from', label: t('From (Nepal date)'), type: 'date' },
    { name: 'to', label: t('To'), type: 'date' },
  ].filter(Boolean);
  view.append(filterBar(filters, query, (q) => go('/orders', q)));

  const apiQuery = { state: query.state, retailer_id: query.retailer_id, vendor_id: query.vendor_id };
  if (me.role === 'vendor') apiQuery.vendor_id = me.vendor_id;
  if (me.role === 'retailer') apiQuery.retailer_id = me.retailer_id;
  if (/^\d{4}-\d{2}-\d{2}$/.test(query.from || '')) apiQuery.from = query.from; // Nepal dates, as the API takes them
  if (/^\d{4}-\d{2}-\d{2}$/.test(query.to || '')) apiQuery.to = query.to;
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/orders',
    query: apiQuery,
    columns: orderColumns({ retailer: me.role !== 'retailer', vendor: me.role !== 'vendor' }),
    rowLink: (o) => `#/orders/${o.id}`,
    empty: t('No orders match these filters.'),
    what: t('orders'),
  })));
}

export async function newOrderPage({ view, query }) {
  pageHead(view, t('New order for a retailer'));
  const [retailers, products] = await Promise.all([lookupWith('retailers', query.retailer_id), lookup('products')]);
  const bySku = new Map([...products.values()].map((p) => [String(p.sku).toUpperCase(), p]));
  const datalist = h('datalist', { id: 'sku-list' },
    [...products.values()].filter((p) => p.active !== false).map((p) => h('option', { value: p.sku }, p.name)));

  let idempotencyKey = randomKey(); // one per order attempt: a double click or a retry cannot order twice
  const lines = h('tbody');
  const credit = h('div.credit-hint');
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const retailerSelect = fieldInput({ name: 'retailer_id', type: 'select', options: partyOptions(retailers, t('Choose a retailer…')), value: query.retailer_id, required: true });

  const addLine = (sku = '', qty = '') => {
    const name = h('div.line-name.muted');
    const skuInput = h('input', { name: 'sku', list: 'sku-list', value: sku, placeholder: t('SKU or product name'), 'aria-label': t('SKU'), autocomplete: 'off' });
    const qtyInput = h('input.qty', { name: 'quantity', value: qty, inputmode: 'numeric', placeholder: t('Qty'), 'aria-label': t('Quantity') });
    const showName = () => {
      const p = bySku.get(skuInput.value.trim().toUpperCase());
      name.textContent = p ? `${p.name}${p.pack_size ? ` · ${p.pack_size} ${p.unit || ''}` : ''}` : skuInput.value ? 'Unknown SKU' : '';
      name.classList.toggle('warn', !!skuInput.value && !p);
    };
    skuInput.addEventListener('input', showName);
    qtyInput.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        addLine();
      }
    });
    const row = h('tr', h('td', skuInput, name), h('td', qtyInput),
      h('td', h('button.btn.ghost.small', { type: 'button', 'aria-label': t('Remove line'), onclick: () => { row.remove(); if (!lines.children.length) addLine(); } }, 'Remove')));
    lines.append(row);
    showName();
    skuInput.focus();
  };

  const showCredit = async () => {
    credit.replaceChildren();
    const id = retailerSelect.value;
    if (!id) return;
    try {
      const c = await api(`/api/v1/retailers/${id}/credit`);
      credit.replaceChildren(`${t('Available credit')}: `, h('strong', fmt.money(c.available_paisa)), ` / ${fmt.money(c.limit_paisa)}`);
    } catch (err) {
      credit.replaceChildren(h('span.muted', `Credit: ${errorText(err)}`));
    }
  };
  retailerSelect.addEventListener('change', showCredit);

  const submit = h('button.btn.primary', { type: 'submit' }, t('Place order'));
  const form = h('form.card.form', { novalidate: true },
    h('div.field', h('label', { for: retailerSelect.id }, t('Retailer')), retailerSelect),
    credit,
    h('table.table.lines-edit', h('thead', h('tr', h('th', t('Product')), h('th', t('Quantity')), h('th', ''))), lines),
    h('p', h('button.btn.secondary', { type: 'button', onclick: () => addLine() }, t('Add line')), h('span.muted.hint-inline', t('Enter in a quantity adds a line.'))),
    errBox,
    h('div.form-actions', submit),
    datalist);
  form.addEventListener('input', () => { idempotencyKey = randomKey(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    try {
      const retailerId = Number(retailerSelect.value);
      if (!retailerId) throw new FieldError('retailer_id', t('Choose the retailer this order is for.'));
      const body = { retailer_id: retailerId, lines: [] };
      for (const row of lines.children) {
        const sku = row.querySelector('[name=sku]').value.trim().toUpperCase();
        const qtyText = row.querySelector('[name=quantity]').value;
        if (!sku && !qtyText.trim()) continue;
        if (!sku) throw new Error('A line has a quantity but no SKU.');
        let quantity;
        try {
          quantity = parseCount(qtyText);
        } catch (err) {
          throw new Error(`${sku}: ${err.message}`);
        }
        if (!quantity) throw new Error(`${sku}: ${t('enter a quantity of at least 1.')}`);
        body.lines.push({ sku, quantity });
      }
      if (!body.lines.length) throw new Error(t('Add at least one line.'));
      submit.disabled = true;
      const order = await api('/api/v1/orders', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
      const all = order.orders?.length ? order.orders : [order];
      const numbers = all.map((o) => o.number || `#${o.id}`).join(', ');
      toast(all.length > 1 ? t('The cart was split across vendors: orders {numbers} placed.', { numbers }) : t('Order {numbers} placed.', { numbers }), 'ok');
      go(`/orders/${order.id}`);
    } catch (err) {
      showFormError(form, errBox, err);
    } finally {
      submit.disabled = false;
    }
  });
  view.append(messageCard(retailerSelect, lines, addLine), form);
  addLine();
  if (query.retailer_id) showCredit();
  retailerSelect.focus();
}

/**
 * Order from a message: the shop's WhatsApp text read by the same preview the shop would get
 * (POST /api/v1/orders/preview). Priced lines fill the order form; each question offers its
 * options, and choosing one adds the line it makes; what could not be added is listed.
 */
export function messageCard(retailerSelect, lines, addLine) {
  const text = h('textarea', { id: 'order-message', name: 'text', rows: 4, placeholder: t('e.g. 2 bora chamal, wai wai 2 carton, चिनी ५ किलो'), 'aria-describedby': 'order-message-hint' });
  const out = h('div.preview-result', { 'aria-live': 'polite' });
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  // Lines a reading added are marked, so reading the message again replaces them.
  const fill = (rows) => {
    const empty = [...lines.children].filter((r) => !r.querySelector('[name=sku]').value.trim());
    empty.forEach((r) => r.remove());
    const before = new Set(lines.children);
    rows.forEach(([sku, qty]) => addLine(sku, String(qty)));
    for (const row of lines.children) if (!before.has(row)) row.dataset.fromMessage = 'yes';
  };
  let reading = false;
  const read = async (ev) => {
    ev.preventDefault();
    if (reading) return; // a double click reads once
    reading = true;
    const button = ev.target.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    errBox.hidden = true;
    out.replaceChildren();
    const retailerId = Number(retailerSelect.value);
    try {
      if (!retailerId) throw new FieldError('retailer_id', t('Choose the retailer first: prices, credit and language are the shop’s.'));
      if (!text.value.trim()) throw new FieldError('text', t('Paste the shop’s message.'));
      const p = await api('/api/v1/orders/preview', { method: 'POST', body: { retailer_id: retailerId, text: text.value } });
      [...lines.children].filter((r) => r.dataset.fromMessage).forEach((r) => r.remove());
      if (p.blocked) out.append(notice('error', t('This shop cannot order now'), p.blocked));
      fill(p.lines.map((l) => [l.sku, l.quantity]));
      if (p.lines.length) {
        out.append(h('p', `${t('{n} lines added below', { n: fmt.qty(p.lines.length) })}: `,
          p.lines.map((l) => `${l.name} × ${l.quantity}${l.conversion ? ` (${l.conversion})` : ''}`).join('; '), '.'));
      }
      p.questions.forEach((q) => {
        const box = h('div.preview-question', h('p', q.text));
        box.append(h('div.btn-row', q.options.map((o) => h('button.btn.secondary.small', {
          type: 'button',
          disabled: o.quantity == null,
          title: o.quantity == null ? 'The written amount does not fit this product' : '',
          onclick: () => { fill([[o.sku, o.quantity]]); box.replaceWith(h('p.muted', `Added ${o.name} × ${o.quantity}.`)); },
        }, o.quantity == null ? o.name : `${o.name} × ${o.quantity}`))));
        out.append(box);
      });
      if (p.not_added.length) {
        out.append(h('ul.preview-not-added', p.not_added.map((n) => h('li', h('strong', n.phrase), `: ${n.reason}`))));
      }
      if (!p.lines.length && !p.questions.length && !p.not_added.length) out.append(h('p.muted', t('Nothing to order in that message.')));
    } catch (err) {
      showFormError(ev.target, errBox, err);
    } finally {
      reading = false;
      if (button) button.disabled = false;
    }
  };
  return h('form.card.form', { onsubmit: read, 'aria-labelledby': 'order-message-title' },
    h('div.card-head', h('h2', { id: 'order-message-title' }, t('From a shop’s message'))),
    h('div.field', h('label', { for: 'order-message' }, t('The message as the shop wrote it')), text,
      h('small.muted', { id: 'order-message-hint' }, t('Read as the shop’s WhatsApp preview reads it; nothing is ordered until you place the order.'))),
    errBox, out,
    h('div.form-actions', h('button.btn.secondary', { type: 'submit' }, t('Read message'))));
}

export async function orderPage({ view, params, me }) {
  const staff = STAFF.includes(me.role);
  await lookupAll(...(staff ? ['retailers', 'vendors'] : []));
  const order = await api(`/api/v1/orders/${params.id}`);
  pageHead(view, `Order ${order.number || `#${order.id}`}`, stateBadge(order.state));

  view.append(h('div.grid-2',
    h('section.card', factsTable([
      ['Placed', fmt.time(order.created_at)],
      ['Retailer', partyLink('retailers', order.retailer_id, order.retailer_name)],
      ['Vendor', order.vendor_id ? partyLink('vendors', order.vendor_id, order.vendor_name) : h('span.muted', t('not routed yet'))],
      ['Total', h('strong', fmt.money(order.total_paisa))],
      order.state === 'PLACED' && order.accept_by && ['Vendor must accept by', fmt.time(order.accept_by)],
      order.delivered_at && ['Delivered', fmt.time(order.delivered_at)],
      order.due_date && ['Payment due', fmt.day(order.due_date)],
      order.cancel_reason && ['Cancelled because', order.cancel_reason],
    ])),
    h('section.card.actions-card', h('div.card-head', h('h2', t('Next step'))), transitionControls(order, me))));

  const lineColumns = [
    { label: t('Product'), value: (l) => h('div', h('div', l.name || l.sku), h('small.muted', l.sku)) },
    { label: t('Qty'), value: (l) => fmt.qty(l.quantity), cls: 'num' },
    { label: t('Unit price'), value: (l) => fmt.money(l.unit_price_paisa), cls: 'num opt' },
    { label: t('VAT'), value: (l) => fmt.money(l.vat_paisa), cls: 'num opt' },
    { label: t('Total'), value: (l) => fmt.money(l.total_paisa), cls: 'num' },
  ];
  const lineTable = dataTable(lineColumns);
  lineTable.addRows(order.lines || []);
  // Totals: the label in the first column, the amount under Total; one cell per column (no
  // colspan) so that columns hidden on phones stay hidden here too.
  const last = lineColumns.length - 1;
  lineTable.el.querySelector('table').append(h('tfoot',
    [[t('Subtotal'), order.subtotal_paisa], [t('VAT'), order.vat_paisa], [t('Total'), order.total_paisa]].map(([label, v]) =>
      h('tr', lineColumns.map((c, i) => {
        if (i === 0) return h('th', { scope: 'row' }, label);
        return h('td', { class: c.cls }, i === last ? fmt.money(v) : '');
      })))));
  view.append(h('section.card.flush', h('div.card-head', h('h2', t('Lines'))), lineTable.el));

  view.append(h('section.card', h('div.card-head', h('h2', t('History'))),
    simpleTable([
      { label: t('When'), value: (e) => fmt.time(e.at) },
      { label: t('Change'), value: (e) => h('span.change', e.from ? stateBadge(e.from) : h('span.muted', t('new')), ' → ', stateBadge(e.to)) },
      { label: t('By'), value: (e) => renderValue('actor', e.actor) },
      { label: t('Note'), value: (e) => e.note || '' },
    ], [...(order.history || [])].reverse(), { empty: t('No history recorded.') })));

  if (staff) view.append(section(t('Routing'), () => routingView(order), { what: t('routing decisions') }));
}

/** Moves that ask for a reason first, with what they do. */
export const ASKS_REASON = {
  reject: t('The order goes back to routing for another vendor.'),
  reroute: t('The order leaves this vendor and is routed again; its stock here is released.'),
  cancel: t('Stock and credit held for this order are released.'),
};

export function transitionControls(order, me) {
  const moves = (TRANSITIONS[order.state] || []).filter(([, , roles]) => roles.includes(me.role));
  if (!moves.length) {
    const final = ['COMPLETED', 'CANCELLED'].includes(order.state);
    return h('p.muted', final ? t('This order is {state}.', { state: t(order.state.toLowerCase()) }) : t('Nothing for you to do on this order now.'));
  }
  const note = h('input', { name: 'note', placeholder: t('Note (optional)'), 'aria-label': t('Note') });
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const run = async (action, label, button) => {
    errBox.hidden = true;
    let text = note.value.trim();
    if (ASKS_REASON[action]) {
      const answer = await formDialog({
        title: `${label}?`,
        intro: ASKS_REASON[action],
        fields: [{ name: 'note', label: t('Reason'), type: 'textarea', value: text, required: true, rows: 2 }],
        submitLabel: label,
        danger: true,
        onSubmit: async (v) => v,
      });
      if (!answer) return;
      text = answer.note;
    }
    button.disabled = true;
    try {
      await api(`/api/v1/orders/${order.id}/transitions`, { method: 'POST', body: { action, note: text } });
      toast(`${label}: done.`, 'ok');
      render();
    } catch (err) {
      errBox.textContent = errorText(err);
      errBox.hidden = false;
      button.disabled = false;
    }
  };
  const buttons = moves.map(([action, label]) => {
    const kind = { cancel: 'danger-outline', reject: 'danger-outline', reroute: 'secondary' }[action] || 'primary';
    const b = h(`button.btn.${kind}`, { type: 'button' }, label);
    b.addEventListener('click', () => run(action, label, b));
    return b;
  });
  return h('div.transition', note, h('div.button-row', buttons), errBox);
}

export async function routingView(order) {
  const r = await api(`/api/v1/orders/${order.id}/routing`);
  const decisions = r?.decisions || [];
  if (!decisions.length) return h('p.empty', t('No routing decisions recorded for this order.'));
  const factorKeys = ['availability', 'price', 'proximity', 'workload', 'reliability'];
  return [...decisions].reverse().map((d) => h('div.decision',
    h('p', h('strong', fmt.time(d.at)), ' · chose ', d.chosen_vendor_id ? partyLink('vendors', d.chosen_vendor_id) : h('em', 'no vendor'), d.reason ? ` · ${d.reason}` : ''),
    simpleTable([
      { label: t('Vendor'), value: (c) => h('span', c.vendor_id === d.chosen_vendor_id ? h('span.chosen', { title: t('chosen') }, '✓ ') : '', partyLink('vendors', c.vendor_id)) },
      { label: t('Score'), value: (c) => (c.score === null || c.score === undefined ? '—' : fmt.number(Number(c.score))), cls: 'num' },
      ...factorKeys.map((k) => ({ label: fmt.label(k), value: (c) => (c.factors?.[k] === undefined ? '—' : fmt.number(Number(c.factors[k]))), cls: 'num opt' })),
      { label: t('Eligible'), value: (c) => (c.eligible ? 'Yes' : h('span.warn-text', t('No'))) },
      { label: t('Why'), value: (c) => c.reason || '' },
    ], d.candidates || [], { empty: t('No candidates.') })));
}
