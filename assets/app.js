/* Khaacho web UI: one ES module, no build step, no dependencies.
 *
 * The file reads top to bottom:
 *   1. Formatting: money, quantities, Nepal time, parsing rupees. The only place values become text.
 *   2. DOM helpers: h() builds elements (never innerHTML, so shop names and messages are always text).
 *   3. Session and api(): tokens in sessionStorage, one refresh on `token_expired`, errors as ApiError.
 *   4. Building blocks: toasts, forms and dialogs, tables, paged lists, sections, notices.
 *   5. Look-ups: names of vendors, retailers and products, loaded once per session.
 *   6. Router and page frame: hash routes, role-filtered navigation, header.
 *   7. Pages, one async function each, receiving { view, params, query, me }.
 *   8. Start-up.
 *
 * The server's Content-Security-Policy forbids inline scripts, inline styles and inline handlers:
 * build everything with h() and addEventListener, style through classes in app.css.
 */

/* ───────────────────────── 1. Formatting ───────────────────────── */

const NPT_OFFSET_MS = (5 * 60 + 45) * 60 * 1000; // Nepal is UTC+05:45, no DST
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n) => String(n).padStart(2, '0');

/** Nepali grouping: the last three digits, then pairs (12,34,567). Takes a string of digits. */
function groupDigits(digits) {
  if (digits.length <= 3) return digits;
  const head = digits.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ',');
  return `${head},${digits.slice(-3)}`;
}

/** Devanagari digits (०-९) to ASCII, so "१०" can be typed anywhere a number is asked for. */
function asciiDigits(text) {
  return String(text).replace(/[०-९]/g, (d) => String(d.charCodeAt(0) - 0x0966));
}

/**
 * A phone as typed ("+977 981-234 5678", "९८१२३४५६७८", "009779812345678") in the E.164 form the
 * API takes (+9779812345678). Anything else is sent as typed, for the server to explain.
 */
function phoneE164(text) {
  const raw = asciiDigits(String(text).trim());
  const digits = raw.replace(/[\s().-]/g, '');
  if (/^\+[0-9]+$/.test(digits)) return digits;
  if (/^00[0-9]+$/.test(digits)) return `+${digits.slice(2)}`;
  if (/^9[0-9]{9}$/.test(digits)) return `+977${digits}`;
  return raw;
}

/** Splits an RFC 3339 time into its Nepal-time parts; null if it does not parse. */
function nepalParts(value) {
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value).replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms + NPT_OFFSET_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
}

const fmt = {
  /** Integer paisa → "रु 1,23,456.50". */
  money(paisa) {
    if (paisa === null || paisa === undefined || paisa === '') return '—';
    const n = Number(paisa);
    if (!Number.isInteger(n)) return String(paisa);
    const abs = Math.abs(n);
    const text = `रु\u00a0${groupDigits(String(Math.floor(abs / 100)))}.${pad2(abs % 100)}`;
    return n < 0 ? `−${text}` : text;
  },
  /** Integer quantity → "1,200". */
  qty(n) {
    if (n === null || n === undefined || n === '') return '—';
    const v = Number(n);
    if (!Number.isInteger(v)) return String(n);
    return (v < 0 ? '−' : '') + groupDigits(String(Math.abs(v)));
  },
  /** RFC 3339 UTC → "26 Nov 2025, 14:05" in Nepal time. */
  time(iso) {
    if (!iso) return '—';
    const p = nepalParts(iso);
    return p ? `${p.d} ${MONTHS[p.mo]} ${p.y}, ${pad2(p.h)}:${pad2(p.mi)}` : String(iso);
  },
  /** A calendar date "2026-12-26" (already a Nepal date) → "26 Dec 2026". */
  day(ymd) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd || ''));
    return m ? `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}` : ymd ? String(ymd) : '—';
  },
  /** RFC 3339 UTC → "14:05" in Nepal time. */
  clock(iso) {
    const p = iso && nepalParts(iso);
    return p ? `${pad2(p.h)}:${pad2(p.mi)}` : '';
  },
  /** A plain number (scores, ratios): integers grouped, others to 3 significant decimals. */
  number(n) {
    if (Number.isInteger(n)) return fmt.qty(n);
    return Number(n).toLocaleString('en-IN', { maximumFractionDigits: 3 });
  },
  /** 0.87 → "87%", 87 → "87%". */
  percent(x) {
    const v = Number(x);
    if (!Number.isFinite(v)) return '—';
    return `${Math.round(v <= 1 ? v * 100 : v)}%`;
  },
  label(key) {
    const k = String(key).replace(/_paisa$/, '').replace(/_id$/, '').replace(/(\d)_(\d)/g, '$1–$2').replace(/_/g, ' ');
    return k.charAt(0).toUpperCase() + k.slice(1);
  },
};

/** Today's date in Nepal as YYYY-MM-DD. */
function nepalToday() {
  const p = nepalParts(new Date());
  return `${p.y}-${pad2(p.mo + 1)}-${pad2(p.d)}`;
}

/** "1,234.50" → 123450: a decimal with at most two places as an exact integer of hundredths. */
function parseHundredths(input, example) {
  const s = asciiDigits(String(input ?? '').trim()).replace(/[,\s]/g, '');
  if (s === '') return null;
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && !m[2])) throw new Error(`Enter a number like ${example}`);
  if ((m[2] || '').length > 2) throw new Error('At most two decimals, please.');
  const n = Number(m[1] || '0') * 100 + Number((m[2] || '').padEnd(2, '0'));
  if (!Number.isSafeInteger(n)) throw new Error('That number is too large.');
  return n;
}

/** "1,234.50" / "रु 1234.5" / "१२००" → integer paisa, exactly (string arithmetic, no floats). */
function parseRupees(input) {
  return parseHundredths(String(input ?? '').trim().replace(/^(रु\.?|रू\.?|npr|rs\.?)\s*/i, ''), '1234.50');
}

/** "2.5" / "2.5%" → 250 basis points. */
function parsePercentBps(input) {
  return parseHundredths(String(input ?? '').replace(/%\s*$/, ''), '2.5');
}

/** Integer hundredths (paisa, basis points) → "1234.50" for an input box; parses back unchanged. */
function hundredthsInput(value) {
  if (value === null || value === undefined) return '';
  const n = Number(value);
  const abs = Math.abs(n);
  return `${n < 0 ? '-' : ''}${Math.floor(abs / 100)}.${pad2(abs % 100)}`;
}

/** "12" / "१२" / "1,200" → 1200; throws on anything else. */
function parseCount(input) {
  const s = asciiDigits(String(input ?? '').trim()).replace(/,/g, '');
  if (s === '') return null;
  if (!/^\d+$/.test(s)) throw new Error('Enter a whole number, like 12');
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error('That number is too large.');
  return n;
}

/** A random RFC 4122 v4 id. crypto.getRandomValues works on plain http too (randomUUID does not). */
function randomKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/* ───────────────────────── 2. DOM helpers ───────────────────────── */

const DOM_PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'readOnly', 'multiple']);

/**
 * h('div.card.wide', { onclick, title: 'x' }, child, [children], 'text')
 * Props starting with "on" become listeners; `text` sets textContent; false/null are skipped.
 * Props may be left out: h('p', 'text').
 */
function h(spec, props, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.classList.add(...classes);
  if (props === null || props === undefined || typeof props !== 'object' || props instanceof Node || Array.isArray(props)) {
    children.unshift(props);
    props = {};
  }
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.classList.add(...String(value).split(/\s+/).filter(Boolean));
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (DOM_PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === '') continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const link = (href, ...children) => h('a', { href }, ...children);

/* ───────────────────────── 3. Session and api() ───────────────────────── */

const SESSION_KEY = 'khaacho.session';

const session = {
  tokens: null, // { access_token, refresh_token, user_id, role }
  me: null, // GET /auth/me
  load() {
    try {
      this.tokens = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    } catch {
      this.tokens = null;
    }
  },
  save(t) {
    this.tokens = { ...this.tokens, ...t };
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(this.tokens));
  },
  clear() {
    this.tokens = null;
    this.me = null;
    sessionStorage.removeItem(SESSION_KEY);
    forgetLookups();
  },
  get role() {
    return this.me?.role || this.tokens?.role || null;
  },
};

class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message || `Request failed (${status})`);
    this.status = status;
    this.code = code;
    this.details = details;
    // A whole endpoint the server does not have yet: its fallback answers 404 "no such route";
    // a known path with a method that is not there yet answers 405.
    this.missing = (status === 404 && message === 'no such route') || status === 405;
  }
}

/** Thrown by form readers; `details.field` points at the input. */
class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.details = { field };
  }
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== null && v !== undefined && v !== '') params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function readError(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: fall through to the status line */
  }
  const e = body && body.error;
  if (e) return new ApiError(res.status, e.code, e.message, e.details);
  return new ApiError(res.status, `http_${res.status}`, `${res.status} ${res.statusText || 'error'}`);
}

let refreshing = null;

/** Exchanges the refresh token once, however many requests found the access token expired. */
function refreshTokens() {
  refreshing ??= api('/api/v1/auth/refresh', {
    method: 'POST',
    body: { refresh_token: session.tokens?.refresh_token },
    auth: false,
  })
    .then((t) => session.save(t))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * The one way to call the server. Returns the parsed JSON (null for 204), throws ApiError.
 * options: { method, query, body, headers, auth = true }
 */
async function api(path, options = {}) {
  const { method = 'GET', query, body, headers = {}, auth = true, retried = false } = options;
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (auth && session.tokens?.access_token) init.headers.Authorization = `Bearer ${session.tokens.access_token}`;
  let res;
  try {
    res = await fetch(path + queryString(query), init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Khaacho server. Check the connection and try again.');
  }
  // A 401 about the token ends the session (after one refresh when it merely expired). A 401
  // `invalid_credentials` is about a password in the body (POST /auth/password): the form shows it.
  if (res.status === 401 && auth) {
    const err = await readError(res);
    if (err.code === 'invalid_credentials') throw Object.assign(err, { method, path });
    if (err.code === 'token_expired' && !retried && session.tokens?.refresh_token) {
      try {
        await refreshTokens();
      } catch {
        endSession('Your session has ended. Please log in again.');
        throw err;
      }
      return api(path, { ...options, retried: true });
    }
    endSession('Your session has ended. Please log in again.');
    throw err;
  }
  if (!res.ok) {
    const err = await readError(res);
    Object.assign(err, { method, path });
    // A session restored from an earlier visit whose password was never changed.
    if (err.code === 'password_change_required') showPasswordChange();
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** Every page of a list, up to maxPages × 1000 items. */
async function fetchAll(path, query = {}, maxPages = 5) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await api(path, { query: { ...query, limit: 1000, cursor } });
    items.push(...rowsOf(page));
    cursor = page?.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** The rows of a list answer, whatever it calls them. */
function rowsOf(resp) {
  if (Array.isArray(resp)) return resp;
  if (!resp || typeof resp !== 'object') return [];
  for (const key of ['items', 'rows', 'entries', 'transfers', 'lines']) {
    if (Array.isArray(resp[key])) return resp[key];
  }
  return Object.values(resp).find(Array.isArray) || [];
}

/* ───────────────────────── 4. Building blocks ───────────────────────── */

function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' },
    h('span', message),
    h('button.toast-close', { type: 'button', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  box.append(item);
  while (box.children.length > 4) box.firstChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 10000 : 4000);
}

/** A friendly line for any error. */
function errorText(err) {
  if (err instanceof ApiError) {
    if (err.missing) return 'Not available on this server yet.';
    if (err.status === 403) return `Not allowed: ${err.message}`;
    return err.message;
  }
  return err?.message || String(err);
}

function notice(kind, title, text) {
  return h(`div.notice.${kind}`, { role: kind === 'error' ? 'alert' : null }, h('strong', title), text && h('p', text));
}

/** A whole-block message for an error: not available yet, forbidden, or the server's message. */
function errorNotice(err, what = 'this') {
  if (err instanceof ApiError && err.missing) {
    return notice('pending', 'Not available yet',
      `This server does not answer ${err.method} ${err.path} yet, so ${what} cannot be shown. It will appear here once the backend provides it.`);
  }
  if (err instanceof ApiError && err.status === 403) {
    return notice('forbidden', 'No access', `Your account may not see ${what}. ${err.message}`);
  }
  return notice('error', `Could not load ${what}`, errorText(err));
}

const loading = (text = 'Loading') => h('div.loading', { role: 'status' }, text);

/**
 * A titled block that loads itself: `load()` returns a Node (or array of Nodes);
 * failures show in place. Returns the element at once.
 */
function section(title, load, { actions = null, what = title?.toLowerCase(), cls = '' } = {}) {
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
function pageHead(view, title, ...actions) {
  document.title = `${title} · Khaacho`;
  view.append(h('div.page-head', h('h1', title), h('div.actions', actions)));
}

/* Forms. A field spec: { name, label, type, value, options, required, hint, placeholder, list, wide }.
 * types: text, tel, email, password, textarea, lines (textarea, one item per line), select,
 * checkbox, money (rupees in, paisa out), percent (in, basis points out), count (whole number), date. */

function fieldInput(spec) {
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

function field(spec) {
  const input = fieldInput(spec);
  const hint = spec.hint && h('small.hint', spec.hint);
  if (spec.type === 'checkbox') {
    return h('label.field.check', { for: input.id }, input, h('span', spec.label), hint);
  }
  return h(`div.field${spec.wide ? '.wide' : ''}`, h('label', { for: input.id }, spec.label, spec.required && h('span.req', { 'aria-hidden': 'true' }, ' *')), input, hint);
}

/** Reads the values of `specs` from a form, converting money and counts; throws FieldError. */
function readFields(form, specs) {
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
function amountEcho(form, name) {
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

function showFormError(form, box, err) {
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
function makeForm({ fields, submitLabel = 'Save', onSubmit, extra = null, cls = '', secondary = null }) {
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
function formDialog({ title, intro = null, fields = [], submitLabel = 'Save', onSubmit = async () => true, danger = false }) {
  return new Promise((resolve) => {
    let result = null;
    const cancel = h('button.btn.ghost', { type: 'button', onclick: () => dialog.close() }, 'Cancel');
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
function changes(before, after) {
  const out = {};
  for (const [k, v] of Object.entries(after)) {
    const old = before?.[k] ?? (typeof v === 'string' ? '' : null);
    if (JSON.stringify(old) !== JSON.stringify(v)) out[k] = v;
  }
  return out;
}

/* Tables. A column: { label, value: (row) => Node|string, cls: 'num' | 'opt' (hidden on phones) }. */

function dataTable(columns, { rowLink = null } = {}) {
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

function simpleTable(columns, rows, options) {
  if (!rows.length) return h('p.empty', options?.empty || 'Nothing here yet.');
  const t = dataTable(columns, options);
  t.addRows(rows);
  return t.el;
}

/**
 * A list endpoint as a table with "Load more". columns may be 'auto' (from the first page's keys).
 * options: { path, query, columns, rowLink, empty, what, limit, onPage(page, isFirst) }
 */
function pagedList({ path, query = {}, columns, rowLink = null, empty = 'Nothing here yet.', what = 'this list', limit = 50, onPage = null }) {
  const el = h('div.paged');
  const status = h('div.list-status');
  const more = h('button.btn.secondary.more', { type: 'button', hidden: true }, 'Load more');
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
      more.textContent = 'Load more';
      status.replaceChildren(count === 0 ? h('p.empty', empty) : '');
      if (count === 0) table.el.hidden = true;
    } catch (err) {
      status.replaceChildren(count === 0 ? errorNotice(err, what) : notice('error', 'Could not load more', errorText(err)));
      more.hidden = count === 0 || !cursor;
      more.textContent = 'Try again';
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

const TIME_KEY = /(^at$|_at$|^time$|^timestamp$|^due|date$)/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const ID_LINKS = { order_id: 'orders', retailer_id: 'retailers', vendor_id: 'vendors', product_id: 'products', listing_id: 'listings', user_id: 'users' };

function renderValue(key, value, { money = false } = {}) {
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
function autoColumns(rows, { money = false, order = ['at', 'created_at', 'raised_at', 'time'], skip = [] } = {}) {
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
function factsTable(rows) {
  return h('table.kv', h('tbody', rows.filter(Boolean).map(([label, value]) =>
    h('tr', h('th', { scope: 'row' }, label), h('td', value)))));
}

function kvTable(obj, { money = false, skip = [] } = {}) {
  const entries = Object.entries(obj || {}).filter(([k]) => !skip.includes(k));
  if (!entries.length) return h('p.empty', 'Nothing to show.');
  return h('table.kv', h('tbody', entries.map(([k, v]) =>
    h('tr', h('th', { scope: 'row' }, fmt.label(k)), h('td', renderValue(k, v, { money }))))));
}

/* Order states. */

const ORDER_STATES = ['PLACED', 'ACCEPTED', 'PACKING', 'DISPATCHED', 'DELIVERED', 'COMPLETED', 'CANCELLED'];
const stateBadge = (state) => h(`span.badge.s-${String(state).toLowerCase()}`, String(state));

/** What may be done from each state, by whom. The server decides; this only hides pointless buttons. */
const TRANSITIONS = {
  PLACED: [['accept', 'Accept', ['admin', 'operator', 'vendor']], ['reject', 'Reject', ['admin', 'operator', 'vendor']],
    ['reroute', 'Reroute', ['admin', 'operator']], ['cancel', 'Cancel order', ['admin', 'operator', 'retailer']]],
  ACCEPTED: [['pack', 'Start packing', ['admin', 'operator', 'vendor']], ['reroute', 'Reroute', ['admin', 'operator']],
    ['cancel', 'Cancel order', ['admin', 'operator']]],
  PACKING: [['dispatch', 'Dispatch', ['admin', 'operator', 'vendor']], ['cancel', 'Cancel order', ['admin', 'operator']]],
  DISPATCHED: [['deliver', 'Mark delivered', ['admin', 'operator', 'vendor']], ['cancel', 'Cancel order', ['admin', 'operator']]],
  DELIVERED: [['complete', 'Complete', ['admin', 'operator', 'retailer']]],
};

/* ───────────────────────── 5. Look-ups ───────────────────────── */

const lookups = {}; // kind → Promise<Map<id, item>>
const names = {}; // kind → Map, once loaded, for synchronous rendering

/** All vendors / retailers / products by id, fetched once. Failing look-ups give an empty map. */
function lookup(kind) {
  lookups[kind] ??= fetchAll(`/api/v1/${kind}`)
    .then((items) => {
      names[kind] = new Map(items.map((x) => [x.id, x]));
      return names[kind];
    })
    .catch((err) => {
      // 403 (some roles) and endpoints not built yet are expected: ids show instead, and the
      // answer is kept for the session. Other failures are reported and retried next time.
      if (!(err instanceof ApiError && (err.missing || err.status === 403))) {
        toast(`Could not load ${kind}: ${errorText(err)}`, 'error');
        delete lookups[kind];
      }
      return new Map();
    });
  return lookups[kind];
}

const lookupAll = (...kinds) => Promise.all(kinds.map(lookup));

function forgetLookups(kind) {
  for (const k of kind ? [kind] : Object.keys(lookups)) {
    delete lookups[k];
    delete names[k];
  }
}

const SINGULAR = { vendors: 'Vendor', retailers: 'Retailer', products: 'Product', orders: 'Order', users: 'User', listings: 'Listing' };

/** The display name of a record by id; `given` (a name the API sent along) wins when the look-up lacks it. */
function lookupName(kind, id, given = null) {
  const item = names[kind]?.get(id);
  if (!item) return given || `${SINGULAR[kind] || ''} #${id}`;
  return kind === 'products' ? `${item.name} (${item.sku})` : item.name || item.number || `#${id}`;
}

/** A name that links to its page when this role may open it. */
function partyLink(kind, id, given = null) {
  if (id === null || id === undefined) return h('span.muted', '—');
  const label = lookupName(kind, id, given);
  return canOpen(`/${kind}/${id}`) ? link(`#/${kind}/${id}`, label) : label;
}

function partyOptions(map, blank = 'All') {
  const sorted = [...map.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return [['', blank], ...sorted.map((x) => [x.id, `${x.name}${x.district ? ` · ${x.district}` : ''}`])];
}

/* ───────────────────────── 6. Router and frame ───────────────────────── */

const ALL = ['admin', 'operator', 'vendor', 'retailer'];
const STAFF = ['admin', 'operator'];
const ADMIN = ['admin'];

const ROUTES = []; // filled in section 8 once the pages exist: [pattern, page, roles]

/** Registers a page. `title` heads the page when it fails before drawing its own heading. */
function route(pattern, page, roles, title) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; })}$`);
  ROUTES.push({ pattern, re, keys, page, roles, title });
}

function findRoute(path) {
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) return { ...r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

function canOpen(path) {
  const r = findRoute(path);
  if (!r || !r.roles.includes(session.role)) return false;
  if (session.role === 'retailer' && r.pattern === '/retailers/:id') return Number(r.params.id) === session.me?.retailer_id;
  return true;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(qs)) };
}

/** Navigates to path with query (empty values dropped). */
function go(path, query = {}) {
  location.hash = `#${path}${queryString(query)}`;
}

/** Rewrites the query of the current hash without re-rendering (search boxes). */
function replaceQuery(query) {
  const { path } = parseHash();
  history.replaceState(null, '', `#${path}${queryString(query)}`);
}

function navItems(me) {
  const role = me.role;
  const items = [
    ['Work', [['/', 'Dashboard', ALL], ['/orders', role === 'retailer' ? 'My orders' : 'Orders', ALL], ['/orders/new', 'New order', STAFF],
      ['/payments', 'Payments', STAFF], ['/alerts', 'Alerts', STAFF], ['/whatsapp', 'WhatsApp', STAFF]]],
    ['Catalog', [['/products', 'Products', STAFF], ['/listings', role === 'vendor' ? 'My listings' : 'Listings', [...STAFF, 'vendor']],
      ['/match', 'Match tester', STAFF]]],
    ['Parties', [['/retailers', 'Retailers', STAFF], ['/vendors', 'Vendors', STAFF]]],
    ['Admin', [['/users', 'Users', ADMIN], ['/audit', 'Audit log', ADMIN]]],
    ['You', [['/account', 'Account', ALL]]],
  ];
  if (role === 'retailer' && me.retailer_id) items[0][1].push([`/retailers/${me.retailer_id}`, 'Credit & statement', ['retailer']]);
  return items
    .map(([group, links]) => [group, links.filter(([, , roles]) => roles.includes(role))])
    .filter(([, links]) => links.length);
}

const frame = { root: null, nav: null, main: null };

function buildFrame(me) {
  const nav = h('nav.sidenav', { id: 'sidenav', 'aria-label': 'Main' },
    navItems(me).map(([group, links]) => h('div.nav-group',
      h('div.nav-title', group),
      links.map(([path, label]) => h('a.nav-link', { href: `#${path}`, dataset: { path } }, label)))));
  const menu = h('button.menu-btn', { type: 'button', 'aria-label': 'Menu', 'aria-controls': 'sidenav', 'aria-expanded': 'false', onclick: () => toggleNav() },
    h('span'), h('span'), h('span'));
  const header = h('header.topbar',
    menu,
    h('a.brand', { href: '#/' }, h('span.logo', { 'aria-hidden': 'true' }, 'K'), 'Khaacho'),
    h('div.spacer'),
    h('div.who', h('span.who-name', me.name || me.phone), h(`span.role.r-${me.role}`, me.role)),
    h('a.account-link', { href: '#/account' }, 'Account'),
    h('button.btn.ghost.small', { type: 'button', onclick: logout }, 'Log out'));
  const main = h('main.main', { id: 'main', tabindex: '-1' });
  const scrim = h('div.scrim', { onclick: () => toggleNav(false) });
  frame.root = h('div.frame', header, h('div.shell', nav, scrim, main));
  frame.nav = nav;
  frame.main = main;
  frame.menu = menu;
  document.getElementById('app').replaceChildren(frame.root);
}

function toggleNav(open = !document.body.classList.contains('nav-open')) {
  document.body.classList.toggle('nav-open', open);
  frame.menu?.setAttribute('aria-expanded', String(open));
}

function markNav(path) {
  let best = null;
  for (const a of frame.nav.querySelectorAll('a.nav-link')) {
    a.removeAttribute('aria-current');
    const p = a.dataset.path;
    const hit = p === path || (p !== '/' && path.startsWith(`${p}/`));
    if (hit && (!best || p.length > best.dataset.path.length)) best = a;
  }
  best?.setAttribute('aria-current', 'page');
}

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  if (!session.tokens) return showLogin();
  if (!session.me) {
    try {
      session.me = await api('/api/v1/auth/me');
    } catch (err) {
      if (session.tokens) showLogin(errorText(err));
      return;
    }
  }
  if (seq !== renderSeq) return;
  if (!frame.root || !document.body.contains(frame.root)) buildFrame(session.me);
  const { path, query } = parseHash();
  markNav(path);
  toggleNav(false);
  const view = h('div.view');
  frame.main.replaceChildren(view);
  window.scrollTo(0, 0);
  const r = findRoute(path);
  if (!r) {
    pageHead(view, 'Page not found');
    view.append(notice('error', 'There is no page here.', 'Use the menu to find your way.'));
    return;
  }
  if (!canOpen(path)) {
    pageHead(view, 'No access');
    view.append(notice('forbidden', 'This page is not for your role.', `You are logged in as ${session.role}.`));
    return;
  }
  try {
    await r.page({ view, params: r.params, query, me: session.me });
  } catch (err) {
    if (!view.querySelector('.page-head')) pageHead(view, r.title);
    view.append(errorNotice(err, r.title.toLowerCase()));
  }
}

function endSession(message) {
  const had = !!session.tokens;
  session.clear();
  frame.root = null;
  if (had) showLogin(message);
}

async function logout() {
  try {
    await api('/api/v1/auth/logout', { method: 'POST' });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(`Logout: ${errorText(err)}`, 'error');
  }
  session.clear();
  frame.root = null;
  showLogin('You are logged out.', 'info');
}

/* ───────────────────────── 7. Pages ───────────────────────── */

/* Login */

function showLogin(message = null, kind = 'error') {
  document.title = 'Log in · Khaacho';
  const fields = [
    { name: 'phone', label: 'Phone', type: 'tel', required: true, placeholder: '+9779800000000', autocomplete: 'username' },
    { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password' },
  ];
  const form = makeForm({
    fields,
    submitLabel: 'Log in',
    cls: 'login-form',
    onSubmit: async (v) => {
      const tokens = await api('/api/v1/auth/login', { method: 'POST', body: { phone: phoneE164(v.phone), password: v.password }, auth: false });
      session.save(tokens);
      if (tokens.password_change_required) return showPasswordChange(v.password);
      session.me = await api('/api/v1/auth/me');
      frame.root = null;
      render();
    },
  });
  document.getElementById('app').replaceChildren(h('div.login',
    h('div.login-card',
      h('div.login-brand', h('span.logo', { 'aria-hidden': 'true' }, 'K'), h('div', h('h1', 'Khaacho'), h('p.muted', 'Wholesale ordering for Nepal'))),
      message && notice(kind === 'info' ? 'info' : 'error', message),
      form)));
  form.querySelector('input').focus();
}

/**
 * The first admin's password was printed on the server's console: before anything else, its
 * owner chooses their own (the server refuses other calls until then).
 */
function showPasswordChange(current = '') {
  document.title = 'Choose your password · Khaacho';
  const fields = [
    ...(current ? [] : [{ name: 'current_password', label: 'The password you logged in with', type: 'password', required: true, autocomplete: 'current-password' }]),
    { name: 'new_password', label: 'New password (10 characters or more)', type: 'password', required: true, autocomplete: 'new-password' },
    { name: 'repeat', label: 'New password again', type: 'password', required: true, autocomplete: 'new-password' },
  ];
  const form = makeForm({
    fields,
    submitLabel: 'Save and continue',
    cls: 'login-form',
    onSubmit: async (v) => {
      if (v.new_password !== v.repeat) throw new FieldError('repeat', 'The two new passwords differ.');
      await api('/api/v1/auth/password', { method: 'POST', body: { current_password: current || v.current_password, new_password: v.new_password } });
      session.me = await api('/api/v1/auth/me');
      frame.root = null;
      render();
    },
  });
  document.getElementById('app').replaceChildren(h('div.login',
    h('div.login-card',
      h('div.login-brand', h('span.logo', { 'aria-hidden': 'true' }, 'K'), h('div', h('h1', 'Choose your password'), h('p.muted', 'The password printed when Khaacho was installed is for the first login only.'))),
      form)));
  form.querySelector('input').focus();
}

/* Account */

async function accountPage({ view, me }) {
  pageHead(view, 'Your account');
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', 'Profile')),
      kvTable({ name: me.name, phone: me.phone, email: me.email, role: me.role, created_at: me.created_at })),
    h('section.card', h('div.card-head', h('h2', 'Change password')),
      makeForm({
        fields: [
          { name: 'current_password', label: 'Current password', type: 'password', required: true, autocomplete: 'current-password' },
          { name: 'new_password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password' },
          { name: 'repeat', label: 'New password again', type: 'password', required: true, autocomplete: 'new-password' },
        ],
        submitLabel: 'Change password',
        onSubmit: async (v, form) => {
          if (v.new_password !== v.repeat) throw new FieldError('repeat', 'The two new passwords differ.');
          try {
            await api('/api/v1/auth/password', { method: 'POST', body: { current_password: v.current_password, new_password: v.new_password } });
          } catch (err) {
            if (err.code === 'invalid_credentials') throw new FieldError('current_password', 'The current password is wrong.');
            throw err;
          }
          form.reset();
          toast('Password changed. Your other sessions have ended.', 'ok');
        },
      }))));
}

/* Dashboard */

async function dashboardPage(ctx) {
  const role = ctx.me.role;
  if (role === 'vendor') return vendorDashboard(ctx);
  if (role === 'retailer') return retailerDashboard(ctx);
  return staffDashboard(ctx);
}

function statTile(label, value, href, cls = '') {
  return h(`a.stat${cls ? `.${cls}` : ''}`, { href }, h('span.stat-value', value), h('span.stat-label', label));
}

function orderColumns({ retailer = true, vendor = true } = {}) {
  return [
    { label: 'Order', value: (o) => link(`#/orders/${o.id}`, o.number || `#${o.id}`) },
    { label: 'Placed', value: (o) => fmt.time(o.created_at), cls: 'opt' },
    retailer && { label: 'Retailer', value: (o) => partyLink('retailers', o.retailer_id, o.retailer_name) },
    vendor && { label: 'Vendor', value: (o) => partyLink('vendors', o.vendor_id, o.vendor_name), cls: 'opt' },
    { label: 'State', value: (o) => stateBadge(o.state) },
    { label: 'Total', value: (o) => fmt.money(o.total_paisa), cls: 'num' },
  ].filter(Boolean);
}

async function staffDashboard({ view }) {
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

function isOpenAlert(a) {
  if (a.resolved === true || a.acknowledged === true || a.closed === true) return false;
  if (a.resolved_at || a.acknowledged_at || a.closed_at) return false;
  return !['resolved', 'closed', 'acknowledged', 'dismissed'].includes(String(a.status || '').toLowerCase());
}

async function vendorDashboard({ view, me }) {
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

async function retailerDashboard({ view, me }) {
  pageHead(view, `Namaste, ${me.name || ''}`.trim());
  if (me.retailer_id) view.append(section('Your credit', () => creditSummary(me.retailer_id), { what: 'your credit', actions: link(`#/retailers/${me.retailer_id}`, 'Statement') }));
  view.append(section('Your recent orders', async () => {
    const orders = rowsOf(await api('/api/v1/orders', { query: { retailer_id: me.retailer_id, limit: 10 } }));
    return simpleTable(orderColumns({ retailer: false }), orders, { rowLink: (o) => `#/orders/${o.id}`, empty: 'No orders yet. Order on WhatsApp any time.' });
  }, { what: 'your orders', actions: link('#/orders', 'All orders') }));
}

/* Orders */

function filterBar(fields, query, onApply) {
  const form = h('form.filters', { role: 'search' }, fields.map((spec) => field({ ...spec, value: query[spec.name] ?? spec.value })),
    h('div.filter-actions', h('button.btn.secondary', { type: 'submit' }, 'Apply'),
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

async function ordersPage({ view, query, me }) {
  const staff = STAFF.includes(me.role);
  pageHead(view, me.role === 'retailer' ? 'My orders' : 'Orders', staff && h('a.btn.primary', { href: '#/orders/new' }, 'New order'));
  const [retailers, vendors] = staff ? await lookupAll('retailers', 'vendors') : [new Map(), new Map()];
  const filters = [
    { name: 'state', label: 'State', type: 'select', options: [['', 'Any state'], ...ORDER_STATES.map((s) => [s, s.charAt(0) + s.slice(1).toLowerCase()])] },
    staff && { name: 'retailer_id', label: 'Retailer', type: 'select', options: partyOptions(retailers, 'Any retailer') },
    staff && { name: 'vendor_id', label: 'Vendor', type: 'select', options: partyOptions(vendors, 'Any vendor') },
    { name: 'from', label: 'From (Nepal date)', type: 'date' },
    { name: 'to', label: 'To', type: 'date' },
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
    empty: 'No orders match these filters.',
    what: 'orders',
  })));
}

async function newOrderPage({ view, query }) {
  pageHead(view, 'New order for a retailer');
  const [retailers, products] = await lookupAll('retailers', 'products');
  const bySku = new Map([...products.values()].map((p) => [String(p.sku).toUpperCase(), p]));
  const datalist = h('datalist', { id: 'sku-list' },
    [...products.values()].filter((p) => p.active !== false).map((p) => h('option', { value: p.sku }, p.name)));

  let idempotencyKey = randomKey(); // one per order attempt: a double click or a retry cannot order twice
  const lines = h('tbody');
  const credit = h('div.credit-hint');
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const retailerSelect = fieldInput({ name: 'retailer_id', type: 'select', options: partyOptions(retailers, 'Choose a retailer…'), value: query.retailer_id, required: true });

  const addLine = (sku = '', qty = '') => {
    const name = h('div.line-name.muted');
    const skuInput = h('input', { name: 'sku', list: 'sku-list', value: sku, placeholder: 'SKU or product name', 'aria-label': 'SKU', autocomplete: 'off' });
    const qtyInput = h('input.qty', { name: 'quantity', value: qty, inputmode: 'numeric', placeholder: 'Qty', 'aria-label': 'Quantity' });
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
      h('td', h('button.btn.ghost.small', { type: 'button', 'aria-label': 'Remove line', onclick: () => { row.remove(); if (!lines.children.length) addLine(); } }, 'Remove')));
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
      credit.replaceChildren(`Available credit: `, h('strong', fmt.money(c.available_paisa)), ` of ${fmt.money(c.limit_paisa)}`);
    } catch (err) {
      credit.replaceChildren(h('span.muted', `Credit: ${errorText(err)}`));
    }
  };
  retailerSelect.addEventListener('change', showCredit);

  const submit = h('button.btn.primary', { type: 'submit' }, 'Place order');
  const form = h('form.card.form', { novalidate: true },
    h('div.field', h('label', { for: retailerSelect.id }, 'Retailer'), retailerSelect),
    credit,
    h('table.table.lines-edit', h('thead', h('tr', h('th', 'Product'), h('th', 'Quantity'), h('th', ''))), lines),
    h('p', h('button.btn.secondary', { type: 'button', onclick: () => addLine() }, 'Add line'), h('span.muted.hint-inline', 'Enter in a quantity adds a line.')),
    errBox,
    h('div.form-actions', submit),
    datalist);
  form.addEventListener('input', () => { idempotencyKey = randomKey(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    try {
      const retailerId = Number(retailerSelect.value);
      if (!retailerId) throw new FieldError('retailer_id', 'Choose the retailer this order is for.');
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
        if (!quantity) throw new Error(`${sku}: enter a quantity of at least 1.`);
        body.lines.push({ sku, quantity });
      }
      if (!body.lines.length) throw new Error('Add at least one line.');
      submit.disabled = true;
      const order = await api('/api/v1/orders', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } });
      const all = order.orders?.length ? order.orders : [order];
      const numbers = all.map((o) => o.number || `#${o.id}`).join(', ');
      toast(all.length > 1 ? `The cart was split across vendors: orders ${numbers} placed.` : `Order ${numbers} placed.`, 'ok');
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
function messageCard(retailerSelect, lines, addLine) {
  const text = h('textarea', { id: 'order-message', name: 'text', rows: 4, placeholder: 'e.g. 2 bora chamal, wai wai 2 carton, चिनी ५ किलो', 'aria-describedby': 'order-message-hint' });
  const out = h('div.preview-result', { 'aria-live': 'polite' });
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const fill = (rows) => {
    const empty = [...lines.children].filter((r) => !r.querySelector('[name=sku]').value.trim());
    empty.forEach((r) => r.remove());
    rows.forEach(([sku, qty]) => addLine(sku, String(qty)));
  };
  const read = async (ev) => {
    ev.preventDefault();
    errBox.hidden = true;
    out.replaceChildren();
    const retailerId = Number(retailerSelect.value);
    try {
      if (!retailerId) throw new FieldError('retailer_id', 'Choose the retailer first: prices, credit and language are the shop’s.');
      if (!text.value.trim()) throw new FieldError('text', 'Paste the shop’s message.');
      const p = await api('/api/v1/orders/preview', { method: 'POST', body: { retailer_id: retailerId, text: text.value } });
      fill(p.lines.map((l) => [l.sku, l.quantity]));
      if (p.lines.length) {
        out.append(h('p', `${p.lines.length} line${p.lines.length > 1 ? 's' : ''} added below: `,
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
      if (!p.lines.length && !p.questions.length && !p.not_added.length) out.append(h('p.muted', 'Nothing to order in that message.'));
    } catch (err) {
      showFormError(ev.target, errBox, err);
    }
  };
  return h('form.card.form', { onsubmit: read, 'aria-labelledby': 'order-message-title' },
    h('div.card-head', h('h2', { id: 'order-message-title' }, 'From a shop’s message')),
    h('div.field', h('label', { for: 'order-message' }, 'The message as the shop wrote it'), text,
      h('small.muted', { id: 'order-message-hint' }, 'Read as the shop’s WhatsApp preview reads it; nothing is ordered until you place the order.')),
    errBox, out,
    h('div.form-actions', h('button.btn.secondary', { type: 'submit' }, 'Read message')));
}

async function orderPage({ view, params, me }) {
  const staff = STAFF.includes(me.role);
  await lookupAll(...(staff ? ['retailers', 'vendors'] : []));
  const order = await api(`/api/v1/orders/${params.id}`);
  pageHead(view, `Order ${order.number || `#${order.id}`}`, stateBadge(order.state));

  view.append(h('div.grid-2',
    h('section.card', factsTable([
      ['Placed', fmt.time(order.created_at)],
      ['Retailer', partyLink('retailers', order.retailer_id, order.retailer_name)],
      ['Vendor', order.vendor_id ? partyLink('vendors', order.vendor_id, order.vendor_name) : h('span.muted', 'not routed yet')],
      ['Total', h('strong', fmt.money(order.total_paisa))],
      order.state === 'PLACED' && order.accept_by && ['Vendor must accept by', fmt.time(order.accept_by)],
      order.delivered_at && ['Delivered', fmt.time(order.delivered_at)],
      order.due_date && ['Payment due', fmt.day(order.due_date)],
      order.cancel_reason && ['Cancelled because', order.cancel_reason],
    ])),
    h('section.card.actions-card', h('div.card-head', h('h2', 'Next step')), transitionControls(order, me))));

  const lineColumns = [
    { label: 'Product', value: (l) => h('div', h('div', l.name || l.sku), h('small.muted', l.sku)) },
    { label: 'Qty', value: (l) => fmt.qty(l.quantity), cls: 'num' },
    { label: 'Unit price', value: (l) => fmt.money(l.unit_price_paisa), cls: 'num opt' },
    { label: 'VAT', value: (l) => fmt.money(l.vat_paisa), cls: 'num opt' },
    { label: 'Total', value: (l) => fmt.money(l.total_paisa), cls: 'num' },
  ];
  const t = dataTable(lineColumns);
  t.addRows(order.lines || []);
  // Totals: the label in the first column, the amount under Total; one cell per column (no
  // colspan) so that columns hidden on phones stay hidden here too.
  const last = lineColumns.length - 1;
  t.el.querySelector('table').append(h('tfoot',
    [['Subtotal', order.subtotal_paisa], ['VAT', order.vat_paisa], ['Total', order.total_paisa]].map(([label, v]) =>
      h('tr', lineColumns.map((c, i) => {
        if (i === 0) return h('th', { scope: 'row' }, label);
        return h('td', { class: c.cls }, i === last ? fmt.money(v) : '');
      })))));
  view.append(h('section.card.flush', h('div.card-head', h('h2', 'Lines')), t.el));

  view.append(h('section.card', h('div.card-head', h('h2', 'History')),
    simpleTable([
      { label: 'When', value: (e) => fmt.time(e.at) },
      { label: 'Change', value: (e) => h('span.change', e.from ? stateBadge(e.from) : h('span.muted', 'new'), ' → ', stateBadge(e.to)) },
      { label: 'By', value: (e) => renderValue('actor', e.actor) },
      { label: 'Note', value: (e) => e.note || '' },
    ], [...(order.history || [])].reverse(), { empty: 'No history recorded.' })));

  if (staff) view.append(section('Routing', () => routingView(order), { what: 'routing decisions' }));
}

/** Moves that ask for a reason first, with what they do. */
const ASKS_REASON = {
  reject: 'The order goes back to routing for another vendor.',
  reroute: 'The order leaves this vendor and is routed again; its stock here is released.',
  cancel: 'Stock and credit held for this order are released.',
};

function transitionControls(order, me) {
  const moves = (TRANSITIONS[order.state] || []).filter(([, , roles]) => roles.includes(me.role));
  if (!moves.length) {
    const final = ['COMPLETED', 'CANCELLED'].includes(order.state);
    return h('p.muted', final ? `This order is ${order.state.toLowerCase()}.` : 'Nothing for you to do on this order now.');
  }
  const note = h('input', { name: 'note', placeholder: 'Note (optional)', 'aria-label': 'Note' });
  const errBox = h('div.form-error', { role: 'alert', hidden: true });
  const run = async (action, label, button) => {
    errBox.hidden = true;
    let text = note.value.trim();
    if (ASKS_REASON[action]) {
      const answer = await formDialog({
        title: `${label}?`,
        intro: ASKS_REASON[action],
        fields: [{ name: 'note', label: 'Reason', type: 'textarea', value: text, required: true, rows: 2 }],
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

async function routingView(order) {
  const r = await api(`/api/v1/orders/${order.id}/routing`);
  const decisions = r?.decisions || [];
  if (!decisions.length) return h('p.empty', 'No routing decisions recorded for this order.');
  const factorKeys = ['availability', 'price', 'proximity', 'workload', 'reliability'];
  return [...decisions].reverse().map((d) => h('div.decision',
    h('p', h('strong', fmt.time(d.at)), ' · chose ', d.chosen_vendor_id ? partyLink('vendors', d.chosen_vendor_id) : h('em', 'no vendor'), d.reason ? ` · ${d.reason}` : ''),
    simpleTable([
      { label: 'Vendor', value: (c) => h('span', c.vendor_id === d.chosen_vendor_id ? h('span.chosen', { title: 'chosen' }, '✓ ') : '', partyLink('vendors', c.vendor_id)) },
      { label: 'Score', value: (c) => (c.score === null || c.score === undefined ? '—' : fmt.number(Number(c.score))), cls: 'num' },
      ...factorKeys.map((k) => ({ label: fmt.label(k), value: (c) => (c.factors?.[k] === undefined ? '—' : fmt.number(Number(c.factors[k]))), cls: 'num opt' })),
      { label: 'Eligible', value: (c) => (c.eligible ? 'Yes' : h('span.warn-text', 'No')) },
      { label: 'Why', value: (c) => c.reason || '' },
    ], d.candidates || [], { empty: 'No candidates.' })));
}

/* Products */

function productCell(item) {
  const p = names.products?.get(item.product_id);
  const name = p?.name || item.product_name || item.name || item.sku || `Product #${item.product_id}`;
  return h('div.product-cell', h('div', name), h('small.muted', item.sku || p?.sku || ''));
}

const UNIT_OPTIONS = [['', '—'], ['g', 'g'], ['kg', 'kg'], ['ml', 'ml'], ['l', 'l'], ['pcs', 'pcs']];

/** The product form; the SKU is set once, at creation, and `active` is changed on the product page. */
function productFields(p = null) {
  return [
    !p && { name: 'sku', label: 'SKU', required: true, hint: 'Stored upper-case, e.g. RICE-1KG' },
    { name: 'name', label: 'Name', required: true, value: p?.name },
    { name: 'brand', label: 'Brand', value: p?.brand },
    { name: 'category', label: 'Category', value: p?.category },
    { name: 'pack_size', label: 'Pack size', value: p?.pack_size, placeholder: 'e.g. 1 or 0.5' },
    { name: 'unit', label: 'Unit', type: 'select', options: UNIT_OPTIONS, value: p?.unit },
    {
      name: 'aliases',
      label: 'Aliases (one per line, any script)',
      type: 'lines',
      value: p?.aliases,
      wide: true,
      rows: 5,
      hint: 'What retailers write: chamal, चामल, mansuli…',
    },
    p && { name: 'active', label: 'Active (matched and orderable)', type: 'checkbox', value: p.active },
  ].filter(Boolean);
}

/** Form values → API body: empty optional text becomes null; pack size stays a decimal string. */
function productBody(v) {
  const pack = asciiDigits(v.pack_size || '').trim();
  if (pack && !/^\d*\.?\d+$/.test(pack)) throw new FieldError('pack_size', 'Pack size is a number, like 1 or 0.5');
  const body = { ...v, brand: v.brand || null, category: v.category || null, pack_size: pack || null, unit: v.unit || null };
  if (v.sku !== undefined) body.sku = v.sku.toUpperCase();
  return body;
}

async function productsPage({ view, query }) {
  pageHead(view, 'Products', h('button.btn.primary', { type: 'button', onclick: newProduct }, 'New product'));
  const search = h('input.search', {
    type: 'search',
    value: query.q || '',
    placeholder: 'Search: name, SKU, alias — typos are fine (chamal, चिनी, suger)',
    'aria-label': 'Search products',
  });
  const results = h('section.card.flush');
  view.append(h('div.searchbar', search), results);

  const columns = [
    { label: 'SKU', value: (p) => link(`#/products/${p.id}`, p.sku) },
    { label: 'Name', value: (p) => h('div', h('div', p.name), p.aliases?.length ? h('small.muted.aliases', p.aliases.slice(0, 6).join(' · ')) : '') },
    { label: 'Brand', value: (p) => p.brand || '', cls: 'opt' },
    { label: 'Category', value: (p) => p.category || '', cls: 'opt' },
    { label: 'Pack', value: (p) => (p.pack_size ? `${p.pack_size} ${p.unit || ''}` : '—'), cls: 'num' },
    { label: 'From', value: (p) => (p.price_from_paisa === undefined ? '' : fmt.money(p.price_from_paisa)), cls: 'num opt' },
    { label: 'Active', value: (p) => (p.active === false ? h('span.badge.off', 'inactive') : 'Yes') },
  ];
  const show = () => {
    const q = search.value.trim();
    replaceQuery({ q });
    results.replaceChildren(pagedList({
      path: '/api/v1/products',
      query: { q },
      columns,
      rowLink: (p) => `#/products/${p.id}`,
      empty: q ? `No product matches “${q}”.` : 'No products yet.',
      what: 'products',
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

async function newProduct() {
  const created = await formDialog({
    title: 'New product',
    fields: productFields(),
    submitLabel: 'Create product',
    onSubmit: (v) => api('/api/v1/products', { method: 'POST', body: productBody(v) }),
  });
  if (created) {
    forgetLookups('products');
    toast(`Product ${created.sku} created.`, 'ok');
    go(`/products/${created.id}`);
  }
}

async function productPage({ view, params }) {
  const [product] = await Promise.all([api(`/api/v1/products/${params.id}`), lookupAll('vendors', 'products')]);
  pageHead(view, product.name, h('code.sku', product.sku), product.active === false && h('span.badge.off', 'inactive'));
  const fields = productFields(product);
  view.append(h('section.card', h('div.card-head', h('h2', 'Details')), makeForm({
    fields,
    submitLabel: 'Save changes',
    cls: 'cols',
    onSubmit: async (v) => {
      const before = productBody(readFieldsFrom(product, fields));
      const patch = changes(before, productBody(v));
      if (!Object.keys(patch).length) return toast('Nothing changed.');
      await api(`/api/v1/products/${product.id}`, { method: 'PATCH', body: patch });
      forgetLookups('products');
      toast('Product saved.', 'ok');
      render();
    },
  })));
  view.append(listingsSection({ product_id: product.id }, { title: 'Vendors selling it', showVendor: true, showProduct: false }));
}

/** The values a form would read for `obj`, for comparing against what was typed. */
function readFieldsFrom(obj, specs) {
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

function inlineEdit({ value, kind, label, column, save }) {
  const toText = (v) => (kind === 'money' ? hundredthsInput(v) : v ?? '');
  let saved = value;
  let inflight = null;
  const input = h('input.inline', { value: toText(value), inputmode: kind === 'money' ? 'decimal' : 'numeric', 'aria-label': label, dataset: { col: column } });
  const commit = async () => {
    let v;
    try {
      v = kind === 'money' ? parseRupees(input.value) : parseCount(input.value);
      if (v === null) throw new Error(`${label} cannot be empty.`);
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

function listingColumns({ role, showVendor, showProduct = true }) {
  const staff = STAFF.includes(role);
  const patch = (l, body) => api(`/api/v1/listings/${l.id}`, { method: 'PATCH', body }).then((u) => {
    Object.assign(l, u || body);
    return u || body;
  });
  return [
    showProduct && { label: 'Product', value: (l) => (staff ? h('a.plain', { href: `#/products/${l.product_id}` }, productCell(l)) : productCell(l)) },
    showVendor && { label: 'Vendor', value: (l) => partyLink('vendors', l.vendor_id) },
    {
      label: 'Price (रु)',
      cls: 'num',
      value: (l) => inlineEdit({ value: l.price_paisa, kind: 'money', label: 'Price', column: 'price_paisa', save: (v) => patch(l, { price_paisa: v }) }),
    },
    { label: 'MRP', cls: 'num opt', value: (l) => fmt.money(l.mrp_paisa) },
    { label: 'Stock', cls: 'num', value: (l) => inlineEdit({ value: l.stock, kind: 'count', label: 'Stock', column: 'stock', save: (v) => patch(l, { stock: v }) }) },
    { label: 'Min / pack', cls: 'num opt', value: (l) => `${fmt.qty(l.min_qty)} / ${fmt.qty(l.pack_multiple)}` },
    { label: 'Active', value: (l) => (l.active === false ? h('span.badge.off', 'off') : 'Yes'), cls: 'opt' },
    { label: 'Updated', value: (l) => (l.updated_at ? h('small.muted', fmt.time(l.updated_at)) : ''), cls: 'opt' },
    staff && { label: '', value: (l) => h('button.btn.ghost.small', { type: 'button', onclick: (ev) => editListing(l, ev.target.closest('tr'), { role, showVendor, showProduct }) }, 'Edit') },
  ].filter(Boolean);
}

function listingFields(l = {}) {
  return [
    { name: 'price_paisa', label: 'Price (रु, before VAT)', type: 'money', value: l.price_paisa, required: true },
    { name: 'mrp_paisa', label: 'MRP (रु)', type: 'money', value: l.mrp_paisa, required: true },
    { name: 'stock', label: 'Stock', type: 'count', value: l.stock, required: true },
    { name: 'min_qty', label: 'Minimum quantity', type: 'count', value: l.min_qty ?? 1, required: true },
    { name: 'max_qty', label: 'Maximum quantity per order', type: 'count', value: l.max_qty, hint: 'Empty: no maximum.' },
    { name: 'pack_multiple', label: 'Sold in multiples of', type: 'count', value: l.pack_multiple ?? 1, required: true },
    { name: 'active', label: 'Active', type: 'checkbox', value: l.active ?? true },
  ];
}

async function editListing(l, row, columnOptions) {
  const updated = await formDialog({
    title: `Edit listing · ${lookupName('products', l.product_id)}`,
    intro: `Sold by ${lookupName('vendors', l.vendor_id)}`,
    fields: listingFields(l),
    onSubmit: async (v) => {
      const patch = changes(l, v);
      if (!Object.keys(patch).length) return l;
      return api(`/api/v1/listings/${l.id}`, { method: 'PATCH', body: patch });
    },
  });
  if (updated && updated !== true) {
    Object.assign(l, updated);
    toast('Listing saved.', 'ok');
    const fresh = dataTable(listingColumns(columnOptions));
    fresh.addRows([l]);
    row.replaceWith(fresh.tbody.firstChild);
  }
}

async function newListing(preset = {}) {
  const [vendors, products] = await lookupAll('vendors', 'products');
  const bySku = new Map([...products.values()].map((p) => [String(p.sku).toUpperCase(), p]));
  const datalist = h('datalist', { id: 'listing-sku-list' }, [...products.values()].map((p) => h('option', { value: p.sku }, p.name)));
  document.body.append(datalist);
  const presetProduct = preset.product_id && products.get(preset.product_id);
  const created = await formDialog({
    title: 'New listing',
    fields: [
      { name: 'vendor_id', label: 'Vendor', type: 'select', options: partyOptions(vendors, 'Choose…'), value: preset.vendor_id, required: true },
      { name: 'sku', label: 'Product SKU', list: 'listing-sku-list', value: presetProduct?.sku, required: true },
      ...listingFields(),
    ],
    submitLabel: 'Create listing',
    onSubmit: async (v) => {
      const product = bySku.get(v.sku.toUpperCase());
      if (!product) throw new FieldError('sku', `No product has SKU ${v.sku}.`);
      const { sku, active, ...rest } = v; // a new listing is active; `active` is for edits
      return api('/api/v1/listings', { method: 'POST', body: { ...rest, vendor_id: Number(v.vendor_id), product_id: product.id } });
    },
  });
  datalist.remove();
  if (created) {
    toast('Listing created.', 'ok');
    render();
  }
}

/** A listings table for one vendor or one product, with a text filter over the loaded rows. */
function listingsSection(query, { title = 'Listings', showVendor = false, showProduct = true } = {}) {
  const role = session.role;
  const filter = h('input.search.small', { type: 'search', placeholder: 'Filter these rows', 'aria-label': 'Filter listings' });
  const list = pagedList({
    path: '/api/v1/listings',
    query,
    limit: 200,
    columns: listingColumns({ role, showVendor, showProduct }),
    empty: 'No listings.',
    what: 'listings',
    onPage: () => setTimeout(applyFilter),
  });
  function applyFilter() {
    const q = filter.value.trim().toLowerCase();
    for (const tr of list.querySelectorAll('tbody tr')) tr.hidden = !!q && !tr.textContent.toLowerCase().includes(q);
  }
  filter.addEventListener('input', applyFilter);
  const add = STAFF.includes(role) && h('button.btn.secondary.small', { type: 'button', onclick: () => newListing(query) }, 'Add listing');
  return h('section.card.flush', h('div.card-head', h('h2', title), h('div.actions', filter, add)),
    h('p.hint.pad', 'Click a price or stock, type, press Enter to save and move down (Esc undoes).'), list);
}

async function listingsPage({ view, query, me }) {
  const staff = STAFF.includes(me.role);
  pageHead(view, staff ? 'Listings' : 'My listings');
  const [vendors, products] = await lookupAll(...(staff ? ['vendors', 'products'] : ['products']));
  if (staff) {
    const productOptions = [['', 'Any product'], ...[...(products || new Map()).values()].sort((a, b) => a.sku.localeCompare(b.sku)).map((p) => [p.id, `${p.sku} · ${p.name}`])];
    view.append(filterBar([
      { name: 'vendor_id', label: 'Vendor', type: 'select', options: partyOptions(vendors, 'Any vendor') },
      { name: 'product_id', label: 'Product', type: 'select', options: productOptions },
    ], query, (q) => go('/listings', q)));
  }
  const q = staff ? { vendor_id: query.vendor_id, product_id: query.product_id } : { vendor_id: me.vendor_id };
  view.append(listingsSection(q, { title: staff ? 'Prices and stock' : 'Your prices and stock', showVendor: staff && !query.vendor_id }));
}

/* Match tester */

async function matchPage({ view, query }) {
  pageHead(view, 'Match tester');
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
      { name: 'q', label: 'What the retailer wrote', required: true, value: query.q, placeholder: 'e.g. chamal 25 kg', wide: true },
      { name: 'retailer_id', label: 'As retailer (optional)', type: 'select', options: partyOptions(retailers, 'Nobody in particular'), value: query.retailer_id, hint: 'Their order history can break ties.' },
    ],
    submitLabel: 'Match',
    cls: 'cols',
    onSubmit: runMatch,
  });
  const chips = h('div.chips', h('span.muted', 'Try: '), samples.map((s) => h('button.chip', {
    type: 'button',
    onclick: () => {
      form.elements.namedItem('q').value = s;
      form.requestSubmit();
    },
  }, s)));
  view.append(h('section.card', form, chips), out);
  if (query.q) form.requestSubmit();
}

function matchResult(res) {
  const kinds = { matched: 'ok', ambiguous: 'warn', not_found: 'bad' };
  const words = { matched: 'Matched', ambiguous: 'Ambiguous: the retailer would be asked to choose', not_found: 'Not found' };
  return h('section.card',
    h('div.card-head', h('h2', h(`span.decision.${kinds[res.decision] || 'warn'}`, words[res.decision] || res.decision))),
    simpleTable([
      { label: '#', value: (c) => String((res.candidates || []).indexOf(c) + 1), cls: 'num' },
      { label: 'Product', value: (c) => h('div', h('div', c.name), h('small.muted', c.sku)) },
      { label: 'Confidence', value: (c) => confidenceBar(c.confidence) },
      { label: 'Why', value: (c) => c.reason || '' },
    ], res.candidates || [], { empty: 'No candidates.' }));
}

function confidenceBar(x) {
  const v = Number(x);
  const pct = Math.max(0, Math.min(100, v <= 1 ? v * 100 : v));
  const fill = h('span.bar-fill');
  fill.style.width = `${pct}%`; // CSSOM, allowed by the CSP (style attributes in markup are not)
  return h('span.bar-wrap', h('span.bar', fill), h('span.bar-label', fmt.percent(v)));
}

/* Vendors */

function vendorFields(v = {}) {
  return [
    { name: 'name', label: 'Name', required: true, value: v.name },
    { name: 'phone', label: 'WhatsApp phone', type: 'tel', required: true, value: v.phone, placeholder: '+9779801000001' },
    { name: 'district', label: 'District', required: true, value: v.district },
    { name: 'province', label: 'Province', required: true, value: v.province },
    { name: 'commission_bps', label: 'Commission (%)', type: 'percent', value: v.commission_bps, placeholder: 'default', hint: 'Empty: the platform default.' },
  ];
}

async function vendorsPage({ view }) {
  pageHead(view, 'Vendors', h('button.btn.primary', {
    type: 'button',
    onclick: async () => {
      const created = await formDialog({
        title: 'New vendor',
        fields: vendorFields(),
        submitLabel: 'Create vendor',
        onSubmit: (v) => api('/api/v1/vendors', { method: 'POST', body: { ...v, phone: phoneE164(v.phone) } }),
      });
      if (created) {
        forgetLookups('vendors');
        toast(`Vendor ${created.name} created.`, 'ok');
        go(`/vendors/${created.id}`);
      }
    },
  }, 'New vendor'));
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/vendors',
    columns: [
      { label: 'Name', value: (v) => link(`#/vendors/${v.id}`, v.name) },
      { label: 'Phone', value: (v) => v.phone },
      { label: 'District', value: (v) => v.district || '', cls: 'opt' },
      { label: 'Province', value: (v) => v.province || '', cls: 'opt' },
      { label: 'Commission', value: (v) => (v.commission_bps === null || v.commission_bps === undefined ? h('span.muted', 'default') : `${hundredthsInput(v.commission_bps)}%`), cls: 'num opt' },
      { label: 'Active', value: (v) => (v.active === false ? h('span.badge.off', 'inactive') : 'Yes') },
    ],
    rowLink: (v) => `#/vendors/${v.id}`,
    empty: 'No vendors yet.',
    what: 'vendors',
  })));
}

async function vendorPage({ view, params }) {
  const [vendor] = await Promise.all([api(`/api/v1/vendors/${params.id}`), lookup('products')]);
  pageHead(view, vendor.name, vendor.active === false && h('span.badge.off', 'inactive'),
    h('a.btn.secondary', { href: `#/orders?vendor_id=${vendor.id}` }, 'Orders'),
    h('a.btn.secondary', { href: `#/whatsapp?phone=${encodeURIComponent(vendor.phone)}` }, 'WhatsApp'));
  const fields = [...vendorFields(vendor), { name: 'active', label: 'Active (receives orders)', type: 'checkbox', value: vendor.active ?? true }];
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', 'Details')), makeForm({
      fields,
      submitLabel: 'Save changes',
      onSubmit: async (v) => {
        const patch = changes(readFieldsFrom(vendor, fields), v);
        if (!Object.keys(patch).length) return toast('Nothing changed.');
        if (patch.phone) patch.phone = phoneE164(patch.phone);
        await api(`/api/v1/vendors/${vendor.id}`, { method: 'PATCH', body: patch });
        forgetLookups('vendors');
        toast('Vendor saved.', 'ok');
        render();
      },
    })),
    section('Performance', async () => kvTable(await api(`/api/v1/vendors/${vendor.id}/performance`)), { what: 'vendor performance' })));
  view.append(listingsSection({ vendor_id: vendor.id }, { title: 'Listings' }));
}

/* Retailers */

const LANGUAGES = [['ne', 'Nepali'], ['en', 'English']];

async function newRetailer() {
  const r = await formDialog({
    title: 'New retailer',
    intro: 'A retailer login with the same phone is linked to the shop.',
    fields: [
      { name: 'name', label: 'Shop name', required: true },
      { name: 'owner_name', label: 'Owner', required: true },
      { name: 'phone', label: 'WhatsApp phone', type: 'tel', required: true, placeholder: '+9779802000016' },
      { name: 'district', label: 'District', required: true },
      { name: 'province', label: 'Province', required: true },
      { name: 'credit_limit_paisa', label: 'Credit limit (रु)', type: 'money', required: true },
      { name: 'terms_days', label: 'Terms (days to pay)', type: 'count', hint: 'Empty: the configured default.' },
      { name: 'language', label: 'Replies in', type: 'select', options: LANGUAGES, value: 'ne' },
    ],
    submitLabel: 'Create retailer',
    onSubmit: (v) => api('/api/v1/retailers', { method: 'POST', body: { ...v, phone: phoneE164(v.phone) } }),
  });
  if (r) {
    forgetLookups('retailers');
    toast(`Retailer ${r.name} created.`, 'ok');
    go(`/retailers/${r.id}`);
  }
}

async function retailersPage({ view }) {
  pageHead(view, 'Retailers', h('button.btn.primary', { type: 'button', onclick: newRetailer }, 'New retailer'));
  const filter = h('input.search', { type: 'search', placeholder: 'Filter by name, phone, district', 'aria-label': 'Filter retailers' });
  const list = pagedList({
    path: '/api/v1/retailers',
    limit: 200,
    columns: [
      { label: 'Shop', value: (r) => h('div', link(`#/retailers/${r.id}`, r.name), r.owner_name ? h('small.muted', ` ${r.owner_name}`) : '') },
      { label: 'Phone', value: (r) => r.phone },
      { label: 'District', value: (r) => r.district || '', cls: 'opt' },
      { label: 'Credit limit', value: (r) => fmt.money(r.credit_limit_paisa), cls: 'num' },
      { label: 'Terms', value: (r) => (r.terms_days === undefined ? '—' : `${r.terms_days} days`), cls: 'num opt' },
      { label: 'Status', value: (r) => (r.blocked ? h('span.badge.blocked', 'blocked') : h('span.badge.okay', 'ok')) },
    ],
    rowLink: (r) => `#/retailers/${r.id}`,
    empty: 'No retailers yet.',
    what: 'retailers',
  });
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const tr of list.querySelectorAll('tbody tr')) tr.hidden = !!q && !tr.textContent.toLowerCase().includes(q);
  });
  view.append(h('div.searchbar', filter), h('section.card.flush', list));
}

async function retailerPage({ view, params, me }) {
  const staff = STAFF.includes(me.role);
  const id = Number(params.id);
  let retailer = null;
  try {
    retailer = await api(`/api/v1/retailers/${id}`);
  } catch (err) {
    if (staff || !(err instanceof ApiError && (err.status === 403 || err.missing))) throw err;
  }
  pageHead(view, retailer?.name || 'Credit & statement', retailer?.blocked && h('span.badge.blocked', 'blocked'),
    staff && h('a.btn.secondary', { href: `#/orders/new?retailer_id=${id}` }, 'New order'),
    staff && h('button.btn.secondary', { type: 'button', onclick: () => paymentDialog(id).then((p) => p && render()) }, 'Record payment'),
    staff && retailer && h('a.btn.secondary', { href: `#/whatsapp?phone=${encodeURIComponent(retailer.phone)}` }, 'WhatsApp'));

  const credit = section('Credit', () => creditSummary(id), { what: 'credit' });
  if (!retailer) view.append(credit);
  else {
    view.append(h('div.grid-2', credit, h('section.card', h('div.card-head', h('h2', 'Details')),
      staff ? retailerForm(retailer) : kvTable(retailer, { skip: ['id', 'created_at'] }))));
  }
  view.append(h('div.grid-2',
    section('Aging', async () => agingView((await creditOf(id)).aging), { what: 'credit aging' }),
    section('Credit score', async () => scoreView((await creditOf(id)).score), { what: 'the credit score' })));
  view.append(section('Statement', () => statementView(id), { what: 'the statement', cls: 'flush' }));
  if (staff) {
    view.append(h('section.card.flush', h('div.card-head', h('h2', 'Recent orders'), link(`#/orders?retailer_id=${id}`, 'All')),
      pagedList({
        path: '/api/v1/orders',
        query: { retailer_id: id },
        limit: 10,
        columns: orderColumns({ retailer: false }),
        rowLink: (o) => `#/orders/${o.id}`,
        empty: 'No orders yet.',
        what: 'orders',
      })));
    view.append(h('section.card.flush', h('div.card-head', h('h2', 'Payments'), link(`#/payments?retailer_id=${id}`, 'All')),
      pagedList({ path: '/api/v1/payments', query: { retailer_id: id }, limit: 10, columns: paymentColumns(false), empty: 'No payments yet.', what: 'payments' })));
  }
}

const creditCache = new Map(); // one GET /credit per page render, shared by the page's sections

function creditOf(id) {
  const entry = creditCache.get(id);
  if (entry && entry.seq === renderSeq) return entry.promise;
  const promise = api(`/api/v1/retailers/${id}/credit`);
  creditCache.set(id, { seq: renderSeq, promise });
  return promise;
}

async function creditSummary(id) {
  const c = await creditOf(id);
  const limit = Number(c.limit_paisa) || 0;
  const used = (Number(c.posted_paisa) || 0) + (Number(c.held_paisa) || 0);
  const bar = h('div.usage', h('span.usage-posted'), h('span.usage-held'));
  if (limit > 0) {
    bar.children[0].style.width = `${Math.min(100, (Number(c.posted_paisa) / limit) * 100)}%`;
    bar.children[1].style.width = `${Math.max(0, Math.min(100 - (Number(c.posted_paisa) / limit) * 100, (Number(c.held_paisa) / limit) * 100))}%`;
  }
  return [
    c.blocked_reason && notice('error', 'Cannot order on credit now', c.blocked_reason),
    h('div.stats.credit',
      h('div.stat.big', h('span.stat-value', fmt.money(c.available_paisa)), h('span.stat-label', 'available')),
      h('div.stat', h('span.stat-value', fmt.money(c.posted_paisa)), h('span.stat-label', 'owed (posted)')),
      h('div.stat', h('span.stat-value', fmt.money(c.held_paisa)), h('span.stat-label', 'held for open orders')),
      h('div.stat', h('span.stat-value', fmt.money(c.limit_paisa)), h('span.stat-label', 'limit'))),
    limit > 0 && bar,
    limit > 0 && h('p.muted.small-text', `${Math.round((used / limit) * 100)}% of the limit in use`),
    kvTable(c, { skip: ['limit_paisa', 'posted_paisa', 'held_paisa', 'available_paisa', 'aging', 'score', 'blocked_reason'] }),
  ].filter((x) => x && !(x.classList?.contains('empty')));
}

function agingView(aging) {
  if (aging === undefined || aging === null) return h('p.empty', 'No aging figures.');
  if (Array.isArray(aging) && aging.every((b) => b && 'label' in b && 'amount_paisa' in b)) {
    // Buckets: [{label, from_days, to_days, amount_paisa, invoices}]
    return simpleTable([
      { label: 'Days past due', value: (b) => b.label },
      { label: 'Invoices', value: (b) => (b.invoices === undefined ? '' : fmt.qty(b.invoices)), cls: 'num' },
      { label: 'Amount', value: (b) => h(b.amount_paisa ? 'strong' : 'span.muted', fmt.money(b.amount_paisa)), cls: 'num' },
    ], aging, { empty: 'Nothing owed.' });
  }
  if (Array.isArray(aging)) return simpleTable(autoColumns(aging), aging);
  if (typeof aging !== 'object') return h('p', String(aging));
  const buckets = aging.buckets;
  if (Array.isArray(buckets)) return [simpleTable(autoColumns(buckets, { money: true }), buckets), kvTable(aging, { money: true, skip: ['buckets'] })];
  return kvTable(aging, { money: true });
}

function scoreView(score) {
  if (score === undefined || score === null) return h('p.empty', 'No score yet.');
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
      { label: 'Factor', value: (c) => h('div', h('div', fmt.label(c.name || '')), c.explanation && h('small.muted', c.explanation)) },
      { label: 'Weight', value: (c) => (c.weight === undefined ? '' : fmt.number(c.weight)), cls: 'num' },
      { label: 'How good', value: (c) => confidenceBar(c.value) },
    ], components),
    explain && (Array.isArray(explain)
      ? (explain.every((x) => typeof x !== 'object') ? h('ul.explain', explain.map((x) => h('li', String(x)))) : simpleTable(autoColumns(explain), explain))
      : typeof explain === 'object' ? kvTable(explain) : h('p', String(explain))),
    Object.keys(rest).length && kvTable(rest),
  ].filter(Boolean);
}

async function statementView(id) {
  // The statement may be paged ({items, next_cursor}) or one object with rows and totals.
  const first = await api(`/api/v1/retailers/${id}/statement`, { query: { limit: 100 } });
  const rows = rowsOf(first);
  const summary = Object.fromEntries(Object.entries(first || {}).filter(([k, v]) => !['next_cursor', 'retailer_id'].includes(k) && !Array.isArray(v)));
  const out = [];
  if (Object.keys(summary).length) out.push(h('div.pad', kvTable(summary)));
  if (!rows.length) {
    out.push(h('p.empty.pad', 'No transfers yet.'));
    return out;
  }
  const t = dataTable(autoColumns(rows, {
    order: ['at', 'description', 'code', 'order_id', 'debit_paisa', 'credit_paisa', 'balance_paisa', 'hold'],
    skip: ['transfer_id'],
  }));
  t.addRows(rows);
  out.push(t.el);
  if (first?.next_cursor) {
    let cursor = first.next_cursor;
    const more = h('button.btn.secondary.more', { type: 'button' }, 'Load more');
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
const CREDIT_KEYS = ['credit_limit_paisa', 'terms_days', 'blocked'];

function retailerForm(r) {
  const fields = [
    { name: 'phone', label: 'WhatsApp phone', type: 'tel', value: r.phone, required: true },
    { name: 'district', label: 'District', value: r.district },
    { name: 'credit_limit_paisa', label: 'Credit limit (रु)', type: 'money', value: r.credit_limit_paisa, required: true },
    { name: 'terms_days', label: 'Terms (days to pay)', type: 'count', value: r.terms_days, required: true },
    { name: 'language', label: 'Replies in', type: 'select', options: LANGUAGES, value: r.language },
    { name: 'blocked', label: 'Blocked (cannot order on credit)', type: 'checkbox', value: r.blocked },
  ];
  const reasonField = field({ name: 'reason', label: 'Reason for this credit change (kept in the audit log)', type: 'textarea', rows: 2, required: true, wide: true });
  reasonField.hidden = true;
  const form = makeForm({
    fields,
    submitLabel: 'Save changes',
    extra: reasonField,
    onSubmit: async (v) => {
      const patch = changes(readFieldsFrom(r, fields), v);
      if (!Object.keys(patch).length) return toast('Nothing changed.');
      if (CREDIT_KEYS.some((k) => k in patch)) {
        const reason = form.elements.namedItem('reason').value.trim();
        if (!reason) throw new FieldError('reason', 'Say why the credit limit, terms or block change: it is kept in the audit log.');
        patch.reason = reason;
      }
      if (patch.phone) patch.phone = phoneE164(patch.phone);
      await api(`/api/v1/retailers/${r.id}`, { method: 'PATCH', body: patch });
      forgetLookups('retailers');
      toast('Retailer saved.', 'ok');
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

/* Payments */

const METHODS = [['cash', 'Cash'], ['bank_transfer', 'Bank transfer'], ['esewa', 'eSewa'], ['khalti', 'Khalti'], ['fonepay', 'Fonepay'], ['cheque', 'Cheque']];

function paymentColumns(withRetailer = true) {
  return [
    { label: 'When', value: (p) => fmt.time(p.created_at) },
    withRetailer && { label: 'Retailer', value: (p) => partyLink('retailers', p.retailer_id) },
    { label: 'Amount', value: (p) => fmt.money(p.amount_paisa), cls: 'num' },
    { label: 'Method', value: (p) => (METHODS.find(([m]) => m === p.method)?.[1] || p.method) },
    { label: 'Reference', value: (p) => p.reference || '', cls: 'opt' },
    { label: 'Paid against', value: (p) => allocationsText(p.allocations), cls: 'opt' },
    { label: 'Left as credit', value: (p) => (p.unallocated_paisa ? fmt.money(p.unallocated_paisa) : ''), cls: 'num opt' },
  ].filter(Boolean);
}

/** [{order_id, amount_paisa}] → "Order #5 रु 1,000.00, Order #7 रु 200.00" with links. */
function allocationsText(allocs) {
  if (!Array.isArray(allocs)) return renderValue('allocations', allocs);
  if (!allocs.length) return h('span.muted', '—');
  return h('span', allocs.map((a, i) => [
    i ? ', ' : '',
    a.order_id ? link(`#/orders/${a.order_id}`, a.order_number || `Order #${a.order_id}`) : '',
    a.amount_paisa !== undefined ? ` ${fmt.money(a.amount_paisa)}` : '',
  ]));
}

function paymentFields(retailers, retailerId) {
  return [
    { name: 'retailer_id', label: 'Retailer', type: 'select', options: partyOptions(retailers, 'Choose a retailer…'), value: retailerId, required: true },
    { name: 'amount_paisa', label: 'Amount (रु)', type: 'money', required: true, placeholder: 'e.g. 12500 or 12,500.50' },
    { name: 'method', label: 'Method', type: 'select', options: METHODS, value: 'cash' },
    { name: 'reference', label: 'Reference', required: true, placeholder: 'Receipt, cheque or transaction no.', hint: 'Recorded once per reference: a repeat is not counted twice.' },
  ];
}

function paymentBody(v) {
  if (!v.amount_paisa || v.amount_paisa <= 0) throw new FieldError('amount_paisa', 'The amount must be more than zero.');
  if (!Number(v.retailer_id)) throw new FieldError('retailer_id', 'Choose the retailer who paid.');
  return { retailer_id: Number(v.retailer_id), amount_paisa: v.amount_paisa, method: v.method, reference: v.reference };
}

async function paymentDialog(retailerId) {
  const retailers = await lookup('retailers');
  const p = await formDialog({
    title: 'Record a payment',
    fields: paymentFields(retailers, retailerId),
    submitLabel: 'Record payment',
    onSubmit: (v) => api('/api/v1/payments', { method: 'POST', body: paymentBody(v) }),
  });
  if (p) toast(`Payment of ${fmt.money(p.amount_paisa)} recorded.`, 'ok');
  return p;
}

async function paymentsPage({ view, query }) {
  pageHead(view, 'Payments');
  const retailers = await lookup('retailers');
  const result = h('div.payment-result');
  const form = makeForm({
    fields: paymentFields(retailers, query.retailer_id),
    submitLabel: 'Record payment',
    cls: 'cols',
    onSubmit: async (v, f) => {
      const p = await api('/api/v1/payments', { method: 'POST', body: paymentBody(v) });
      toast(`Payment of ${fmt.money(p.amount_paisa)} recorded.`, 'ok');
      f.elements.namedItem('amount_paisa').value = '';
      f.elements.namedItem('reference').value = '';
      for (const echo of f.querySelectorAll('.echo')) echo.textContent = '';
      result.replaceChildren(notice('ok', `Recorded ${fmt.money(p.amount_paisa)} from ${lookupName('retailers', p.retailer_id)}.`),
        h('p', 'Paid against: ', allocationsText(p.allocations),
          p.unallocated_paisa ? ` · ${fmt.money(p.unallocated_paisa)} left as credit` : ''));
      list.replaceChildren(makeList());
    },
  });
  view.append(h('section.card', h('div.card-head', h('h2', 'Record a payment')), form, result));
  view.append(filterBar([{ name: 'retailer_id', label: 'Show payments of', type: 'select', options: partyOptions(retailers, 'All retailers') }], query, (q) => go('/payments', q)));
  const makeList = () => pagedList({
    path: '/api/v1/payments',
    query: { retailer_id: query.retailer_id },
    columns: paymentColumns(!query.retailer_id),
    empty: 'No payments recorded yet.',
    what: 'payments',
  });
  const list = h('section.card.flush', makeList());
  view.append(list);
}

/* Alerts and audit: generic lists */

const ALERT_KINDS = ['credit_utilization', 'overdue', 'score_drop', 'no_vendor', 'lead', 'delivery'];

async function alertsPage({ view, query }) {
  pageHead(view, 'Alerts');
  await lookupAll('retailers', 'vendors');
  view.append(filterBar([
    { name: 'open', label: 'Show', type: 'select', options: [['', 'Open alerts'], ['false', 'All, resolved too']] },
    { name: 'kind', label: 'Kind', type: 'select', options: [['', 'Any kind'], ...ALERT_KINDS.map((k) => [k, fmt.label(k)])] },
  ], query, (q) => go('/alerts', q)));
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/alerts',
    query: { open: query.open, kind: query.kind },
    columns: 'auto',
    empty: query.open === 'false' ? 'No alerts yet.' : 'No open alerts. All quiet.',
    what: 'alerts',
  })));
}

async function auditPage({ view }) {
  pageHead(view, 'Audit log');
  await lookupAll('retailers', 'vendors');
  view.append(h('section.card.flush', pagedList({ path: '/api/v1/audit', columns: 'auto', empty: 'The audit log is empty.', what: 'the audit log' })));
}

/* Users (admin) */

const ROLE_OPTIONS = [['admin', 'Admin'], ['operator', 'Operator'], ['vendor', 'Vendor'], ['retailer', 'Retailer']];

async function usersPage({ view, query }) {
  pageHead(view, 'Users', h('button.btn.primary', { type: 'button', onclick: newUser }, 'New user'));
  view.append(filterBar([{ name: 'role', label: 'Role', type: 'select', options: [['', 'All roles'], ...ROLE_OPTIONS] }], query, (q) => go('/users', q)));
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/users',
    query: { role: query.role },
    columns: [
      { label: 'Name', value: (u) => link(`#/users/${u.id}`, u.name) },
      { label: 'Phone', value: (u) => u.phone },
      { label: 'Role', value: (u) => h(`span.role.r-${u.role}`, u.role) },
      { label: 'Email', value: (u) => u.email || '', cls: 'opt' },
      { label: 'Active', value: (u) => (u.active ? 'Yes' : h('span.badge.off', 'deactivated')) },
      { label: 'Created', value: (u) => fmt.time(u.created_at), cls: 'opt' },
    ],
    rowLink: (u) => `#/users/${u.id}`,
    empty: 'No users with this role.',
    what: 'users',
  })));
}

async function newUser() {
  const u = await formDialog({
    title: 'New user',
    intro: 'A vendor or retailer user logs in as the vendor or retailer with the same phone.',
    fields: [
      { name: 'phone', label: 'Phone', type: 'tel', required: true, placeholder: '+9779812345678' },
      { name: 'name', label: 'Name', required: true },
      { name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: 'operator' },
      { name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password' },
      { name: 'email', label: 'Email (optional)', type: 'email' },
    ],
    submitLabel: 'Create user',
    onSubmit: (v) => api('/api/v1/users', { method: 'POST', body: { ...v, phone: phoneE164(v.phone), email: v.email || null } }),
  });
  if (u) {
    toast(`User ${u.name} created.`, 'ok');
    go(`/users/${u.id}`);
  }
}

async function userPage({ view, params, me }) {
  const user = await api(`/api/v1/users/${params.id}`);
  const self = user.id === me.id;
  pageHead(view, user.name, h(`span.role.r-${user.role}`, user.role), !user.active && h('span.badge.off', 'deactivated'),
    user.active && !self && h('button.btn.danger-outline', {
      type: 'button',
      onclick: async () => {
        const ok = await formDialog({
          title: `Deactivate ${user.name}?`,
          intro: 'They can no longer log in and their sessions end. The account stays for the audit trail.',
          submitLabel: 'Deactivate',
          danger: true,
          onSubmit: () => api(`/api/v1/users/${user.id}/deactivate`, { method: 'POST' }).then(() => true),
        });
        if (ok) {
          toast(`${user.name} deactivated.`, 'ok');
          render();
        }
      },
    }, 'Deactivate'));
  const fields = [
    { name: 'name', label: 'Name', required: true, value: user.name },
    { name: 'email', label: 'Email', type: 'email', value: user.email },
    !self && { name: 'role', label: 'Role', type: 'select', options: ROLE_OPTIONS, value: user.role },
    !self && { name: 'active', label: 'Active', type: 'checkbox', value: user.active },
  ].filter(Boolean);
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', 'Account')), makeForm({
      fields,
      submitLabel: 'Save changes',
      onSubmit: async (v) => {
        const patch = changes(readFieldsFrom(user, fields), v);
        if ('email' in patch && !patch.email) patch.email = null;
        if (!Object.keys(patch).length) return toast('Nothing changed.');
        await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: patch });
        toast('User saved.', 'ok');
        render();
      },
    })),
    h('div.stack',
      h('section.card', h('div.card-head', h('h2', 'Facts')), kvTable({
        phone: user.phone, vendor_id: user.vendor_id, retailer_id: user.retailer_id, created_at: user.created_at, updated_at: user.updated_at,
      })),
      h('section.card', h('div.card-head', h('h2', 'Set a new password')), makeForm({
        fields: [{ name: 'password', label: 'New password', type: 'password', required: true, autocomplete: 'new-password' }],
        submitLabel: 'Set password',
        onSubmit: async (v, form) => {
          await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: { password: v.password } });
          form.reset();
          toast(`Password set for ${user.name}. Tell them in person, not by message.`, 'ok');
        },
      })))));
}

/* WhatsApp: conversations per phone, and the simulator that demos the product */

const SIM_SAMPLES = ['HELP', 'chamal 25 kg 2 bora', 'RICE-1KG x 10', 'चिनी १० किलो', 'CONFIRM', 'CANCEL', 'STATUS', 'BALANCE', 'REORDER', 'ACCEPT', 'REJECT out of stock'];

async function whatsappPage({ view, query }) {
  pageHead(view, 'WhatsApp');
  const [retailers, vendors] = await lookupAll('retailers', 'vendors');
  const phoneOwner = (phone) => [...retailers.values()].find((r) => r.phone === phone)
    || [...vendors.values()].find((v) => v.phone === phone);
  const picker = h('select', { 'aria-label': 'Conversation' },
    h('option', { value: '' }, 'Choose a phone…'),
    h('optgroup', { label: 'Retailers' }, [...retailers.values()].map((r) => h('option', { value: r.phone, selected: r.phone === query.phone }, `${r.name} · ${r.phone}`))),
    h('optgroup', { label: 'Vendors' }, [...vendors.values()].map((v) => h('option', { value: v.phone, selected: v.phone === query.phone }, `${v.name} · ${v.phone}`))));
  const other = h('input', { type: 'tel', placeholder: 'or any phone: +9779…', 'aria-label': 'Other phone', value: query.phone && !phoneOwner(query.phone) ? query.phone : '' });
  const chat = h('div.chat');
  view.append(h('div.toolbar', picker, other), chat);

  const open = (phone) => {
    replaceQuery({ phone });
    chat.replaceChildren(conversation(phone, phoneOwner(phone), phoneOwner));
  };
  picker.addEventListener('change', () => {
    other.value = '';
    if (picker.value) open(picker.value);
  });
  other.addEventListener('change', () => {
    const phone = phoneE164(other.value);
    if (phone) {
      picker.value = '';
      open(phone);
    }
  });
  if (query.phone) open(query.phone);
  else {
    chat.append(notice('info', 'Pick a retailer or vendor to see their conversation.',
      'The simulator below the chat sends messages as that phone, exactly as if they came from WhatsApp: use it to demo ordering end to end.'));
  }
}

function conversation(phone, owner, phoneOwner) {
  const log = h('div.chat-log', { role: 'log', 'aria-live': 'polite' });
  const status = h('div.chat-status');
  const bubble = (m) => {
    const mine = m.direction === 'in'; // from this phone to Khaacho: shown on the right, as on their phone
    return h(`div.msg.${mine ? 'in' : 'out'}`,
      h('div.msg-body', m.body),
      h('div.msg-meta', mine ? '' : 'Khaacho · ', fmt.clock(m.created_at) || 'now', m.status && !mine ? ` · ${m.status}` : ''));
  };
  const elsewhere = (r) => {
    const who = phoneOwner(r.to);
    return h('div.msg.note', h('div.msg-meta', `Also sent to ${who ? who.name : r.to}:`), h('div.msg-body', r.body));
  };
  const scrollDown = () => { log.scrollTop = log.scrollHeight; };

  const loadHistory = async () => {
    status.replaceChildren(loading());
    try {
      const items = rowsOf(await api('/api/v1/messages', { query: { phone, limit: 100 } }));
      log.replaceChildren(...[...items].reverse().map(bubble));
      status.replaceChildren(items.length ? '' : h('p.muted.chat-empty', 'No messages with this phone yet.'));
    } catch (err) {
      status.replaceChildren(err instanceof ApiError && err.missing
        ? h('p.muted', 'Message history (GET /api/v1/messages) is not available on this server yet; simulator replies still show here as they come.')
        : errorNotice(err, 'messages'));
    }
    scrollDown();
  };

  const input = h('textarea', { rows: 1, placeholder: 'Type a message as this phone…', 'aria-label': 'Message' });
  const send = h('button.btn.primary', { type: 'submit' }, 'Send');
  const composer = h('form.composer', input, send);
  const sendText = async (text) => {
    if (!text.trim()) return;
    send.disabled = true;
    const pending = bubble({ direction: 'in', body: text, created_at: new Date().toISOString() });
    log.append(pending);
    status.querySelector('.chat-empty')?.remove();
    scrollDown();
    try {
      const res = await api('/api/v1/simulator/messages', { method: 'POST', body: { from: phone, body: text } });
      input.value = '';
      for (const r of res?.replies || []) {
        log.append(r.to && r.to !== phone ? elsewhere(r) : bubble({ direction: 'out', body: r.body, created_at: new Date().toISOString() }));
      }
      if (!res?.replies?.length) log.append(h('div.msg.note', h('div.msg-meta', 'No reply.')));
    } catch (err) {
      pending.classList.add('failed');
      pending.append(h('div.msg-error', errorText(err)));
      toast(`Simulator: ${errorText(err)}`, 'error');
    } finally {
      send.disabled = false;
      scrollDown();
      input.focus();
    }
  };
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sendText(input.value);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      composer.requestSubmit();
    }
  });
  const chips = h('div.chips', SIM_SAMPLES.map((s) => h('button.chip', { type: 'button', onclick: () => sendText(s) }, s)));

  loadHistory();
  return h('section.card.chat-card',
    h('div.chat-head', h('div', h('strong', owner?.name || phone), h('div.muted', owner ? phone : 'unknown phone')),
      h('button.btn.ghost.small', { type: 'button', onclick: loadHistory }, 'Refresh')),
    log, status,
    h('div.sim', h('div.sim-title', 'Simulator — sends as this phone'), chips, composer));
}

/* ───────────────────────── 8. Start-up ───────────────────────── */

route('/', dashboardPage, ALL, 'Dashboard');
route('/account', accountPage, ALL, 'Your account');
route('/orders', ordersPage, ALL, 'Orders');
route('/orders/new', newOrderPage, STAFF, 'New order');
route('/orders/:id', orderPage, ALL, 'Order');
route('/products', productsPage, STAFF, 'Products');
route('/products/:id', productPage, STAFF, 'Product');
route('/listings', listingsPage, [...STAFF, 'vendor'], 'Listings');
route('/match', matchPage, STAFF, 'Match tester');
route('/vendors', vendorsPage, STAFF, 'Vendors');
route('/vendors/:id', vendorPage, STAFF, 'Vendor');
route('/retailers', retailersPage, STAFF, 'Retailers');
route('/retailers/:id', retailerPage, [...STAFF, 'retailer'], 'Retailer');
route('/payments', paymentsPage, STAFF, 'Payments');
route('/alerts', alertsPage, STAFF, 'Alerts');
route('/whatsapp', whatsappPage, STAFF, 'WhatsApp');
route('/users', usersPage, ADMIN, 'Users');
route('/users/:id', userPage, ADMIN, 'User');
route('/audit', auditPage, ADMIN, 'Audit log');

window.addEventListener('hashchange', render);
window.addEventListener('unhandledrejection', (ev) => toast(errorText(ev.reason), 'error'));
window.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') toggleNav(false);
});

session.load();
render();
