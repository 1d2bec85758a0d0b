/* Building blocks: toasts, forms and dialogs, tables, paged lists, sections, notices, order states. */

import { t } from './i18n.js';
import { fmt, hundredthsInput, parseCount, parsePercentBps, parseRupees } from './format.js';
import { h, link } from './dom.js';
import { ApiError, FieldError, api, rowsOf } from './api.js';
import { lookupName } from './lookups.js';
import { canOpen } from './router.js';

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' },
    h('span', message),
    h('button.toast-close', { type: 'button', 'aria-label': t('Dismiss'), onclick: () => item.remove() }, '×'));
  box.append(item);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 10000 : 4000);
}

/** A friendly line for any error. */
export function errorText(err) {
  if (err instanceof ApiError) {
    if (err.missing) return t('Not available on this server yet.');
    if (err.status === 403) return t('Not allowed: {why}', { why: err.message });
    return err.message;
  }
  return err?.message || String(err);
}

export function notice(kind, title, text) {
  return h(`div.notice.${kind}`, { role: kind === 'error' ? 'alert' : null }, h('strong', title), text && h('p', text));
}

/** A whole-block message for an error: not available yet, forbidden, or the server's message. */
export function errorNotice(err, what = 'this') {
  if (err instanceof ApiError && err.missing) {
    return notice('pending', t('Not available yet'),
      t('This server does not answer {method} {path} yet, so {what} cannot be shown.', { method: err.method, path: err.path, what }));
  }
  if (err instanceof ApiError && err.status === 403) {
    return notice('forbidden', t('No access'), t('Your account may not see {what}.', { what }) + ` ${err.message}`);
  }
  return notice('error', t('Could not load {what}', { what }), errorText(err));
}

export const loading = (text = 'Loading') => h('div.loading', { role: 'status' }, text);

/**
 * A titled block that loads itself: `load()` returns a Node (or array of Nodes);
 * failures show in place. Returns the element at once.
 */
export function section(title, load, { actions = null, what = title?.toLowerCase(), cls = '' } = {}) {
  const body = h('div.section-body', loading());
  const el = h(`section.card${cls ? `.${cls}` : ''}`, title && h('div.card-head', h('h2', title), actions), body);
  const run = async () => {
    body.replaceChildren(loading());
    try {
      body.replaceChildren(...[await load()].flat().filter(Boolean));
    } catch (err) {
      body.replaceChildren(errorNotice(err, what));
    }
  };
  el.reload = run;
  run();
  return el;
}

/** The page's heading line, with optional actions on the right. */
export function pageHead(view, title, ...actions) {
  document.title = `${title} · Khaacho`;
  view.append(h('div.page-head', h('h1', title), h('div.actions', actions)));
}

/* Forms. A field spec: { name, label, type, value, options, required, hint, placeholder, list, wide }.
 * types: text, tel, email, password, textarea, lines (textarea, one item per line), select,
 * checkbox, money (rupees in, paisa out), percent (in, basis points out), count (whole number), date. */

export function fieldInput(spec) {
  const id = `f-${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
  const common = { id, name: spec.name, required: spec.required, placeholder: spec.placeholder, autocomplete: spec.autocomplete || 'off' };
  switch (spec.type) {
    case 'select':
      return h('select', common, (spec.options || []).map(([value, label]) =>
        h('option', { value: String(value), selected: String(spec.value ?? '') === String(value) }, label)));
    case 'textarea':
    case 'lines':
      return h('textarea', { ...common, rows: spec.rows || 4, value: spec.type === 'lines' ? (spec.value || []).join('\n') : spec.value ?? '' });
    case 'checkbox':
      return h('input', { ...common, type: 'checkbox', checked: !!spec.value });
    case 'money':
    case 'percent':
      return h('input', { ...common, type: 'text', inputmode: 'decimal', value: hundredthsInput(spec.value), placeholder: spec.placeholder || '0.00' });
    case 'count':
      return h('input', { ...common, type: 'text', inputmode: 'numeric', value: spec.value ?? '' });
    default:
      return h('input', { ...common, type: spec.type || 'text', value: spec.value ?? '', list: spec.list, minlength: spec.minlength });
  }
}

export function field(spec) {
  const input = fieldInput(spec);
  const hint = spec.hint && h('small.hint', spec.hint);
  if (spec.type === 'checkbox') {
    return h('label.field.check', { for: input.id }, input, h('span', spec.label), hint);
  }
  return h(`div.field${spec.wide ? '.wide' : ''}`, h('label', { for: input.id }, spec.label, spec.required && h('span.req', { 'aria-hidden': 'true' }, ' *')), input, hint);
}

/** Reads the values of `specs` from a form, converting money and counts; throws FieldError. */
export function readFields(form, specs) {
  const out = {};
  for (const spec of specs) {
    const input = form.elements.namedItem(spec.name);
    if (!input) continue;
    const raw = spec.type === 'checkbox' ? input.checked : input.value;
    try {
      let v;
      if (spec.type === 'money') v = parseRupees(raw);
      else if (spec.type === 'percent') v = parsePercentBps(raw);
      else if (spec.type === 'count') v = parseCount(raw);
      else if (spec.type === 'lines') v = [...new Set(raw.split('\n').map((s) => s.trim()).filter(Boolean))];
      else if (spec.type === 'checkbox') v = raw;
      else v = raw.trim();
      if (spec.required && (v === null || v === '')) throw new Error(`${spec.label} is required.`);
      out[spec.name] = v;
    } catch (err) {
      throw new FieldError(spec.name, err instanceof FieldError ? err.message : `${spec.label}: ${err.message}`);
    }
  }
  return out;
}

/** Shows "= रु 12,500.00" under an amount box while typing, so the operator sees what will be saved. */
export function amountEcho(form, name) {
  const input = form.elements.namedItem(name);
  const echo = h('small.hint.echo');
  input.after(echo);
  input.addEventListener('input', () => {
    try {
      const p = parseRupees(input.value);
      echo.textContent = p === null ? '' : `= ${fmt.money(p)}`;
      echo.classList.remove('warn-text');
    } catch (err) {
      echo.textContent = err.message;
      echo.classList.add('warn-text');
    }
  });
}

export function showFormError(form, box, err) {
  box.textContent = errorText(err);
  box.hidden = false;
  const name = err?.details?.field;
  const input = name && form.elements.namedItem(name);
  if (input && input.focus) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/**
 * A form with an error line above the button. onSubmit(values, form) may throw: the message shows
 * next to the form and the form stays as typed.
 */
export function makeForm({ fields, submitLabel = 'Save', onSubmit, extra = null, cls = '', secondary = null }) {
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const button = h('button.btn.primary', { type: 'submit' }, submitLabel);
  const form = h(`form.form${cls ? `.${cls}` : ''}`, { novalidate: true },
    h('div.fields', fields.map(field)), extra, errBox, h('div.form-actions', button, secondary));
  form.addEventListener('input', (ev) => ev.target.removeAttribute?.('aria-invalid'));
  for (const spec of fields) if (spec.type === 'money') amountEcho(form, spec.name);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    button.disabled = true;
    try {
      await onSubmit(readFields(form, fields), form);
    } catch (err) {
      showFormError(form, errBox, err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A modal form. Resolves with onSubmit's result (or true), or null when cancelled. */
export function formDialog({ title, intro = null, fields = [], submitLabel = 'Save', onSubmit = async () => true, danger = false }) {
  return new Promise((resolve) => {
    let result = null;
    const cancel = h('button.btn.ghost', { type: 'button', onclick: () => dialog.close() }, t('Cancel'));
    const form = makeForm({
      fields,
      submitLabel,
      secondary: cancel,
      onSubmit: async (values) => {
        result = (await onSubmit(values)) ?? true;
        dialog.close();
      },
    });
    if (danger) form.querySelector('button[type=submit]').classList.add('danger');
    const dialog = h('dialog.dialog', { 'aria-label': title }, h('h2', title), intro && h('p.muted', intro), form);
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    (form.querySelector('input, select, textarea') || form.querySelector('button[type=submit]')).focus();
  });
}

/** Only the keys whose value differs from `before` (arrays compared by content). */
export function changes(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const old = before?.[k] ?? (typeof v === 'string' ? '' : null);
    if (JSON.stringify(old) !== JSON.stringify(v)) out[k] = v;
  }
  return out;
}

/* Tables. A column: { label, value: (row) => Node|string, cls: 'num' | 'opt' (hidden on phones) }. */

export function dataTable(columns, { rowLink = null } = {}) {
  const tbody = h('tbody');
  const table = h('table.table', h('thead', h('tr', columns.map((c) => h('th', { class: c.cls, scope: 'col' }, c.label)))), tbody);
  const addRows = (rows) => {
    for (const row of rows) {
      const tr = h('tr', columns.map((c) => h('td', { class: c.cls, 'data-label': c.label }, c.value(row))));
      if (rowLink) {
        tr.classList.add('clickable');
        tr.addEventListener('click', (ev) => {
          if (ev.target.closest('a, button, input, select, textarea, label')) return;
          location.hash = rowLink(row);
        });
      }
      tbody.append(tr);
    }
  };
  return { el: h('div.table-wrap', table), addRows, tbody };
}

export function simpleTable(columns, rows, options) {
  if (!rows.length) return h('p.empty', options?.empty || t('Nothing here yet.'));
  const table = dataTable(columns, options);
  table.addRows(rows);
  return table.el;
}

/**
 * A list endpoint as a table with "Load more". columns may be 'auto' (from the first page's keys).
 * options: { path, query, columns, rowLink, empty, what, limit, onPage(page, isFirst) }
 */
export function pagedList({ path, query = {}, columns, rowLink = null, empty = t('Nothing here yet.'), what = 'this list', limit = 50, onPage = null }) {
  const el = h('div.paged');
  const status = h('div.list-status');
  const more = h('button.btn.secondary.more', { type: 'button', hidden: true }, t('Load more'));
  let table = null;
  let cursor = null;
  let count = 0;
  const load = async () => {
    more.disabled = true;
    status.replaceChildren(loading());
    try {
      const page = await api(path, { query: { ...query, limit, cursor } });
      const rows = rowsOf(page);
      if (!table) {
        table = dataTable(columns === 'auto' ? autoColumns(rows) : columns, { rowLink });
        el.prepend(table.el);
      }
      onPage?.(page, count === 0);
      table.addRows(rows);
      count += rows.length;
      cursor = page?.next_cursor || null;
      more.hidden = !cursor;
      more.textContent = t('Load more');
      status.replaceChildren(count === 0 ? h('p.empty', empty) : '');
      if (count === 0) table.el.hidden = true;
    } catch (err) {
      status.replaceChildren(count === 0 ? errorNotice(err, what) : notice('error', t('Could not load more'), errorText(err)));
      more.hidden = count === 0 || !cursor;
      more.textContent = t('Try again');
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  el.append(status, more);
  load();
  return el;
}

/* Generic rendering for answers whose shape the UI does not fix (alerts, audit, aging, scores…). */

export const TIME_KEY = /(^at$|_at$|^time$|^timestamp$|^due|date$)/;
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
export const ID_LINKS = { order_id: 'orders', retailer_id: 'retailers', vendor_id: 'vendors', product_id: 'products', listing_id: 'listings', user_id: 'users' };

export function renderValue(key, value, { money = false } = {}) {
  if (value === null || value === undefined || value === '') return h('span.muted', '—');
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'number') {
    if (/_paisa$/.test(key) || (money && Number.isInteger(value))) return h('span.money', fmt.money(value));
    if (/(confidence|ratio|rate)$/.test(key) && value <= 1) return fmt.percent(value);
    const target = ID_LINKS[key];
    if (target && canOpen(`/${target}/${value}`)) return link(`#/${target}/${value}`, lookupName(target, value));
    return fmt.number(value);
  }
  if (typeof value === 'string') {
    if (key === 'state' && ORDER_STATES.includes(value)) return stateBadge(value);
    if (TIME_KEY.test(key) && ISO_TIME.test(value)) return h('time', { datetime: value, title: value }, fmt.time(value));
    if (ISO_TIME.test(value)) return h('time', { datetime: value, title: value }, fmt.time(value));
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return fmt.day(value);
    return value;
  }
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return value.join(', ');
    return simpleTable(autoColumns(value, { money }), value);
  }
  return kvTable(value, { money });
}

/** Columns for rows of unknown shape: `order` keys first (times first by default), `skip` left out. */
export function autoColumns(rows, { money = false, order = ['at', 'created_at', 'raised_at', 'time'], skip = [] } = {}) {
  const keys = [];
  for (const row of rows.slice(0, 50)) {
    for (const k of Object.keys(row || {})) if (!keys.includes(k) && !skip.includes(k)) keys.push(k);
  }
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  keys.sort((a, b) => rank(a) - rank(b));
  const prose = /^(message|body|description|reason|note|details|text)$/;
  return keys.map((k) => ({
    label: fmt.label(k),
    cls: /_paisa$/.test(k) || rows.some((r) => typeof r?.[k] === 'number') ? 'num' : prose.test(k) ? 'prose' : '',
    value: (row) => renderValue(k, row?.[k], { money }),
  }));
}

/** Label → ready-made value rows; falsy rows are skipped. */
export function factsTable(rows) {
  return h('table.kv', h('tbody', rows.filter(Boolean).map(([label, value]) =>
    h('tr', h('th', { scope: 'row' }, label), h('td', value)))));
}

export function kvTable(obj, { money = false, skip = [] } = {}) {
  const entries = Object.entries(obj || {}).filter(([k]) => !skip.includes(k));
  if (!entries.length) return h('p.empty', t('Nothing to show.'));
  return h('table.kv', h('tbody', entries.map(([k, v]) =>
    h('tr', h('th', { scope: 'row' }, fmt.label(k)), h('td', renderValue(k, v, { money }))))));
}

/* Order states. */

export const ORDER_STATES = ['PLACED', 'ACCEPTED', 'PACKING', 'DISPATCHED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];
export const stateBadge = (state) => h(`span.badge.s-${String(state).toLowerCase()}`, String(state));

/** What may be done from each state, by whom. The server decides; this only hides pointless buttons. */
export const TRANSITIONS = {
  PLACED: [['accept', t('Accept'), ['admin', 'operator', 'vendor']], ['reject', t('Reject'), ['admin', 'operator', 'vendor']],
    ['reroute', t('Reroute'), ['admin', 'operator']], ['cancel', t('Cancel order'), ['admin', 'operator', 'retailer']]],
  ACCEPTED: [['pack', t('Start packing'), ['admin', 'operator', 'vendor']], ['reroute', t('Reroute'), ['admin', 'operator']],
    ['cancel', t('Cancel order'), ['admin', 'operator']]],
  PACKING: [['dispatch', t('Dispatch'), ['admin', 'operator', 'vendor']], ['cancel', t('Cancel order'), ['admin', 'operator']]],
  DISPATCHED: [['deliver', t('Mark delivered'), ['admin', 'operator', 'vendor']], ['cancel', t('Cancel order'), ['admin', 'operator']]],
  DELIVERED: [['complete', t('Complete'), ['admin', 'operator', 'retailer']]],
};
