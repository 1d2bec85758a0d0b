/* Products, listings (price and stock edited in place) and the match tester. */

import { t } from '../i18n.js';
import { forecastSection } from './intelligence.js';
import { asciiDigits, fmt, hundredthsInput, parseCount, parseRupees } from '../format.js';
import { h, link } from '../dom.js';
import { FieldError, api, session } from '../api.js';
import { changes, dataTable, errorText, formDialog, loading, makeForm, pageHead, pagedList, simpleTable, toast } from '../ui.js';
import { forgetLookups, lookup, lookupAll, lookupName, names, partyLink, partyOptions } from '../lookups.js';
import { STAFF, go, render, replaceQuery } from '../router.js';
import { filterBar } from './orders.js';

/* Products */

export function productCell(item) {
  const p = names.products?.get(item.product_id);
  const name = p?.name || item.product_name || item.name || item.sku || `Product #${item.product_id}`;
  return h('div.product-cell', h('div', name), h('small.muted', item.sku || p?.sku || ''));
}

export const UNIT_OPTIONS = [['', '—'], ['g', 'g'], ['kg', 'kg'], ['ml', 'ml'], ['l', 'l'], ['pcs', 'pcs']];

/** The product form; the SKU is set once, at creation, and `active` is changed on the product page. */
export function productFields(p = null) {
  return [
    !p && { name: 'sku', label: t('SKU'), required: true, hint: t('Stored upper-case, e.g. RICE-1KG') },
    { name: 'name', label: t('Name'), required: true, value: p?.name },
    { name: 'brand', label: t('Brand'), value: p?.brand },
    { name: 'category', label: t('Category'), value: p?.category },
    { name: 'pack_size', label: t('Pack size'), value: p?.pack_size, placeholder: t('e.g. 1 or 0.5') },
    { name: 'unit', label: t('Unit'), type: 'select', options: UNIT_OPTIONS, value: p?.unit },
    {
      name: 'aliases',
      label: t('Aliases (one per line, any script)'),
      type: 'lines',
      value: p?.aliases,
      wide: true,
      rows: 5,
      hint: t('What retailers write: chamal, चामल, mansuli…'),
    },
    p && { name: 'active', label: t('Active (matched and orderable)'), type: 'checkbox', value: p.active },
  ].filter(Boolean);
}

/** Form values → API body: empty optional text becomes null; pack size stays a decimal string. */
export function productBody(v) {
  const pack = asciiDigits(v.pack_size || '').trim();
  if (pack && !/^\d*\.?\d+$/.test(pack)) throw new FieldError('pack_size', 'Pack size is a number, like 1 or 0.5');
  const body = { ...v, brand: v.brand || null, category: v.category || null, pack_size: pack || null, unit: v.unit || null };
  if (v.sku !== undefined) body.sku = v.sku.toUpperCase();
  return body;
}

export async function productsPage({ view, query }) {
  pageHead(view, t('Products'), h('button.btn.primary', { type: 'button', onclick: newProduct }, t('New product')));
  const search = h('input.search', {
    type: 'search',
    value: query.q || '',
    placeholder: t('Search: name, SKU, alias — typos are fine (chamal, चिनी, suger)'),
    'aria-label': t('Search products'),
  });
  const results = h('section.card.flush');
  view.append(h('div.searchbar', search), results);

  const columns = [
    { label: t('SKU'), value: (p) => link(`#/products/${p.id}`, p.sku) },
    { label: t('Name'), value: (p) => h('div', h('div', p.name), p.aliases?.length ? h('small.muted.aliases', p.aliases.slice(0, 6).join(' · ')) : '') },
    { label: t('Brand'), value: (p) => p.brand || '', cls: 'opt' },
    { label: t('Category'), value: (p) => p.category || '', cls: 'opt' },
    { label: t('Pack'), value: (p) => (p.pack_size ? `${p.pack_size} ${p.unit || ''}` : '—'), cls: 'num' },
    { label: t('From'), value: (p) => (p.price_from_paisa === undefined ? '' : fmt.money(p.price_from_paisa)), cls: 'num opt' },
    { label: t('Active'), value: (p) => (p.active === false ? h('span.badge.off', t('inactive')) : 'Yes') },
  ];
  const show = () => {
    const q = search.value.trim();
    replaceQuery({ q });
    results.replaceChildren(pagedList({
      path: '/api/v1/products',
      query: { q },
      columns,
      rowLink: (p) => `#/products/${p.id}`,
      empty: q ? t('No product matches “{q}”.', { q }) : t('No products yet.'),
      what: t('products'),
    }));
  };
  let timer = null;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(show, 250);
  });
  show();
  search.focus();
}

export async function newProduct() {
  const created = await formDialog({
    title: t('New product'),
    fields: productFields(),
    submitLabel: t('Create product'),
    onSubmit: (v) => api('/api/v1/products', { method: 'POST', body: productBody(v) }),
  });
  if (created) {
    forgetLookups('products');
    toast(`Product ${created.sku} created.`, 'ok');
    go(`/products/${created.id}`);
  }
}

export async function productPage({ view, params }) {
  const [product] = await Promise.all([api(`/api/v1/products/${params.id}`), lookupAll('vendors', 'products')]);
  pageHead(view, product.name, h('code.sku', product.sku), product.active === false && h('span.badge.off', t('inactive')));
  const fields = productFields(product);
  view.append(h('section.card', h('div.card-head', h('h2', t('Details'))), makeForm({
    fields,
    submitLabel: t('Save changes'),
    cls: 'cols',
    onSubmit: async (v) => {
      const before = productBody(readFieldsFrom(product, fields));
      const patch = changes(before, productBody(v));
      if (!Object.keys(patch).length) return toast(t('Nothing changed.'));
      await api(`/api/v1/products/${product.id}`, { method: 'PATCH', body: patch });
      forgetLookups('products');
      toast(t('Product saved.'), 'ok');
      render();
    },
  })));
  view.append(forecastSection(product.id));
  view.append(listingsSection({ product_id: product.id }, { title: t('Vendors selling it'), showVendor: true, showProduct: false }));
}

/** The values a form would read for `obj`, for comparing against what was typed. */
export function readFieldsFrom(obj, specs) {
  const out = {};
  for (const s of specs) {
    const v = obj[s.name];
    if (s.type === 'checkbox') out[s.name] = !!v;
    else if (s.type === 'lines') out[s.name] = [...new Set((v || []).map((x) => String(x).trim()).filter(Boolean))];
    else if (['money', 'percent', 'count'].includes(s.type)) out[s.name] = v ?? null;
    else out[s.name] = v === null || v === undefined ? '' : String(v).trim();
  }
  return out;
}

/* Listings: price and stock edit in place (Enter saves and moves down, Esc undoes). */

export function inlineEdit({ value, kind, label, column, save }) {
  const toText = (v) => (kind === 'money' ? hundredthsInput(v) : v ?? '');
  let saved = value;
  let inflight = null;
  const input = h('input.inline', { value: toText(value), inputmode: kind === 'money' ? 'decimal' : 'numeric', 'aria-label': label, dataset: { col: column } });
  const commit = async () => {
    let v;
    try {
      v = kind === 'money' ? parseRupees(input.value) : parseCount(input.value);
      if (v === null) throw new Error(t('{label} cannot be empty.', { label }));
    } catch (err) {
      input.classList.add('invalid');
      input.title = err.message;
      toast(err.message, 'error');
      return;
    }
    if (v === saved || v === inflight) {
      input.classList.remove('invalid');
      input.value = toText(v);
      return;
    }
    inflight = v;
    input.classList.add('saving');
    input.classList.remove('invalid', 'saved');
    try {
      const updated = await save(v);
      saved = updated?.[column] ?? v;
      if (input.value.trim() === String(toText(v)) || document.activeElement !== input) input.value = toText(saved);
      input.title = '';
      input.classList.add('saved');
      setTimeout(() => input.classList.remove('saved'), 1500);
    } catch (err) {
      input.classList.add('invalid');
      input.title = errorText(err);
      toast(`${label}: ${errorText(err)}`, 'error');
    } finally {
      inflight = null;
      input.classList.remove('saving');
    }
  };
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      commit();
      const rows = [...input.closest('tbody').rows].filter((r) => !r.hidden);
      const next = rows[rows.indexOf(input.closest('tr')) + (ev.shiftKey ? -1 : 1)];
      next?.querySelector(`input[data-col="${column}"]`)?.focus();
    } else if (ev.key === 'Escape') {
      input.value = toText(saved);
      input.classList.remove('invalid');
    }
  });
  input.addEventListener('focus', () => input.select());
  input.addEventListener('blur', commit);
  return input;
}

export function listingColumns({ role, showVendor, showProduct = true }) {
  const staff = STAFF.includes(role);
  const patch = (l, body) => api(`/api/v1/listings/${l.id}`, { method: 'PATCH', body }).then((u) => {
    Object.assign(l, u || body);
    return u || body;
  });
  return [
    showProduct && { label: t('Product'), value: (l) => (staff ? h('a.plain', { href: `#/products/${l.product_id}` }, productCell(l)) : productCell(l)) },
    showVendor && { label: t('Vendor'), value: (l) => partyLink('vendors', l.vendor_id) },
    {
      label: t('Price (रु)'),
      cls: 'num',
      value: (l) => inlineEdit({ value: l.price_paisa, kind: 'money', label: t('Price'), column: 'price_paisa', save: (v) => patch(l, { price_paisa: v }) }),
    },
    { label: t('MRP'), cls: 'num opt', value: (l) => fmt.money(l.mrp_paisa) },
    { label: t('Stock'), cls: 'num', value: (l) => inlineEdit({ value: l.stock, kind: 'count', label: t('Stock'), column: 'stock', save: (v) => patch(l, { stock: v }) }) },
    { label: t('Min / pack'), cls: 'num opt', value: (l) => `${fmt.qty(l.min_qty)} / ${fmt.qty(l.pack_multiple)}` },
    { label: t('Active'), value: (l) => (l.active === false ? h('span.badge.off', t('off')) : 'Yes'), cls: 'opt' },
    { label: t('Updated'), value: (l) => (l.updated_at ? h('small.muted', fmt.time(l.updated_at)) : ''), cls: 'opt' },
    staff && { label: '', value: (l) => h('button.btn.ghost.small', { type: 'button', onclick: (ev) => editListing(l, ev.target.closest('tr'), { role, showVendor, showProduct }) }, 'Edit') },
  ].filter(Boolean);
}

export function listingFields(l = {}) {
  return [
    { name: 'price_paisa', label: t('Price (रु, before VAT)'), type: 'money', value: l.price_paisa, required: true },
    { name: 'mrp_paisa', label: t('MRP (रु)'), type: 'money', value: l.mrp_paisa, required: true },
    { name: 'stock', label: t('Stock'), type: 'count', value: l.stock, required: true },
    { name: 'min_qty', label: t('Minimum quantity'), type: 'count', value: l.min_qty ?? 1, required: true },
    { name: 'max_qty', label: t('Maximum quantity per order'), type: 'count', value: l.max_qty, hint: t('Empty: no maximum.') },
    { name: 'pack_multiple', label: t('Sold in multiples of'), type: 'count', value: l.pack_multiple ?? 1, required: true },
    { name: 'active', label: t('Active'), type: 'checkbox', value: l.active ?? true },
  ];
}

export async function editListing(l, row, columnOptions) {
  const updated = await formDialog({
    title: `${t('Edit listing')} · ${lookupName('products', l.product_id)}`,
    intro: t('Sold by {vendor}', { vendor: lookupName('vendors', l.vendor_id) }),
    fields: listingFields(l),
    onSubmit: async (v) => {
      const patch = changes(l, v);
      if (!Object.keys(patch).length) return l;
      return api(`/api/v1/listings/${l.id}`, { method: 'PATCH', body: patch });
    },
  });
  if (updated && updated !== true) {
    Object.assign(l, updated);
    toast(t('Listing saved.'), 'ok');
    const fresh = dataTable(listingColumns(columnOptions));
    fresh.addRows([l]);
    row.replaceWith(fresh.tbody.firstChild);
  }
}

export async function newListing(preset = {}) {
  const [vendors, products] = await lookupAll('vendors', 'products');
  const bySku = new Map([...products.values()].map((p) => [String(p.sku).toUpperCase(), p]));
  const datalist = h('datalist', { id: 'listing-sku-list' }, [...products.values()].map((p) => h('option', { value: p.sku }, p.name)));
  document.body.append(datalist);
  const presetProduct = preset.product_id && products.get(preset.product_id);
  const created = await formDialog({
    title: t('New listing'),
    fields: [
      { name: 'vendor_id', label: t('Vendor'), type: 'select', options: partyOptions(vendors, t('Choose…')), value: preset.vendor_id, required: true },
      { name: 'sku', label: t('Product SKU'), list: 'listing-sku-list', value: presetProduct?.sku, required: true },
      ...listingFields(),
    ],
    submitLabel: t('Create listing'),
    onSubmit: async (v) => {
      const product = bySku.get(v.sku.toUpperCase());
      if (!product) throw new FieldError('sku', t('No product has SKU {sku}.', { sku: v.sku }));
      const { sku, active, ...rest } = v; // a new listing is active; `active` is for edits
      return api('/api/v1/listings', { method: 'POST', body: { ...rest, vendor_id: Number(v.vendor_id), product_id: product.id } });
    },
  });
  datalist.remove();
  if (created) {
    toast(t('Listing created.'), 'ok');
    render();
  }
}

/** A listings table for one vendor or one product, with a text filter over the loaded rows. */
export function listingsSection(query, { title = 'Listings', showVendor = false, showProduct = true } = {}) {
  const role = session.role;
  const filter = h('input.search.small', { type: 'search', placeholder: t('Filter these rows'), 'aria-label': t('Filter listings') });
  const list = pagedList({
    path: '/api/v1/listings',
    query,
    limit: 200,
    columns: listingColumns({ role, showVendor, showProduct }),
    empty: t('No listings.'),
    what: t('listings'),
    onPage: () => setTimeout(applyFilter),
  });
  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    for (const tr of list.querySelectorAll('tbody tr')) tr.hidden = !!q && !tr.textContent.toLowerCase().includes(q);
  }
  filter.addEventListener('input', applyFilter);
  const add = STAFF.includes(role) && h('button.btn.secondary.small', { type: 'button', onclick: () => newListing(query) }, t('Add listing'));
  return h('section.card.flush', h('div.card-head', h('h2', title), h('div.actions', filter, add)),
    h('p.hint.pad', t('Click a price or stock, type, press Enter to save and move down (Esc undoes).')), list);
}

export async function listingsPage({ view, query, me }) {
  const staff = STAFF.includes(me.role);
  pageHead(view, staff ? 'Listings' : 'My listings');
  const [vendors, products] = await lookupAll(...(staff ? ['vendors', 'products'] : ['products']));
  if (staff) {
    const productOptions = [['', t('Any product')], ...[...(products || new Map()).values()].sort((a, b) => a.sku.localeCompare(b.sku)).map((p) => [p.id, `${p.sku} · ${p.name}`])];
    view.append(filterBar([
      { name: 'vendor_id', label: t('Vendor'), type: 'select', options: partyOptions(vendors, 'Any vendor') },
      { name: 'product_id', label: t('Product'), type: 'select', options: productOptions },
    ], query, (q) => go('/listings', q)));
  }
  const q = staff ? { vendor_id: query.vendor_id, product_id: query.product_id } : { vendor_id: me.vendor_id };
  view.append(listingsSection(q, { title: staff ? 'Prices and stock' : 'Your prices and stock', showVendor: staff && !query.vendor_id }));
}

/* Match tester */

export async function matchPage({ view, query }) {
  pageHead(view, t('Match tester'));
  const retailers = await lookup('retailers');
  const out = h('div.match-out');
  const samples = ['chamal 25 kg', 'चिनी १ किलो', 'wai wai', 'suger 1kg', 'dal masoor', 'tel 1 litre'];
  const runMatch = async (v) => {
    out.replaceChildren(loading());
    const res = await api('/api/v1/catalog/match', { query: { q: v.q, retailer_id: v.retailer_id } }).catch((err) => {
      out.replaceChildren();
      throw err;
    });
    replaceQuery({ q: v.q, retailer_id: v.retailer_id });
    out.replaceChildren(matchResult(res));
  };
  const form = makeForm({
    fields: [
      { name: 'q', label: t('What the retailer wrote'), required: true, value: query.q, placeholder: t('e.g. chamal 25 kg'), wide: true },
      { name: 'retailer_id', label: t('As retailer (optional)'), type: 'select', options: partyOptions(retailers, 'Nobody in particular'), value: query.retailer_id, hint: t('Their order history can break ties.') },
    ],
    submitLabel: t('Match'),
    cls: 'cols',
    onSubmit: runMatch,
  });
  const chips = h('div.chips', h('span.muted', t('Try: ')), samples.map((s) => h('button.chip', {
    type: 'button',
    onclick: () => {
      form.elements.namedItem('q').value = s;
      form.requestSubmit();
    },
  }, s)));
  view.append(h('section.card', form, chips), out);
  if (query.q) form.requestSubmit();
}

export function matchResult(res) {
  const kinds = { matched: 'ok', ambiguous: 'warn', not_found: 'bad' };
  const words = { matched: 'Matched', ambiguous: 'Ambiguous: the retailer would be asked to choose', not_found: 'Not found' };
  return h('section.card',
    h('div.card-head', h('h2', h(`span.decision.${kinds[res.decision] || 'warn'}`, words[res.decision] || res.decision))),
    simpleTable([
      { label: '#', value: (c) => String((res.candidates || []).indexOf(c) + 1), cls: 'num' },
      { label: t('Product'), value: (c) => h('div', h('div', c.name), h('small.muted', c.sku)) },
      { label: t('Confidence'), value: (c) => confidenceBar(c.confidence) },
      { label: t('Why'), value: (c) => c.reason || '' },
    ], res.candidates || [], { empty: t('No candidates.') }));
}

export function confidenceBar(x) {
  const v = Number(x);
  const pct = Math.max(0, Math.min(100, v <= 1 ? v * 100 : v));
  const fill = h('span.bar-fill');
  fill.style.width = `${pct}%`; // CSSOM, allowed by the CSP (style attributes in markup are not)
  return h('span.bar-wrap', h('span.bar', fill), h('span.bar-label', fmt.percent(v)));
}
