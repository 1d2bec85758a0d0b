/* Router and page frame: hash routes, role-filtered navigation, header. */

import { adoptLanguage, language, t } from './i18n.js';
import { h } from './dom.js';
import { ApiError, api, queryString, session } from './api.js';
import { errorNotice, errorText, notice, pageHead, toast } from './ui.js';
import { showLogin } from './pages/login.js';

export const ALL = ['admin', 'operator', 'vendor', 'retailer'];
export const STAFF = ['admin', 'operator'];
export const ADMIN = ['admin'];

export const ROUTES = []; // filled in section 8 once the pages exist: [pattern, page, roles]

/** Registers a page. `title` heads the page when it fails before drawing its own heading. */
export function route(pattern, page, roles, title) {
  const keys = [];
  const re = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, k) => { keys.push(k); return '([^/]+)'; })}$`);
  ROUTES.push({ pattern, re, keys, page, roles, title });
}

export function findRoute(path) {
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (m) return { ...r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

export function canOpen(path) {
  const r = findRoute(path);
  if (!r || !r.roles.includes(session.role)) return false;
  if (session.role === 'retailer' && r.pattern === '/retailers/:id') return Number(r.params.id) === session.me?.retailer_id;
  return true;
}

export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(qs)) };
}

/** Navigates to path with query (empty values dropped). */
export function go(path, query = {}) {
  location.hash = `#${path}${queryString(query)}`;
}

/** Rewrites the query of the current hash without re-rendering (search boxes). */
export function replaceQuery(query) {
  const { path } = parseHash();
  history.replaceState(null, '', `#${path}${queryString(query)}`);
}

export function navItems(me) {
  const role = me.role;
  const items = [
    ['Work', [['/', 'Dashboard', ALL], ['/orders', role === 'retailer' ? 'My orders' : 'Orders', ALL], ['/orders/new', 'New order', STAFF],
      ['/payments', 'Payments', STAFF], ['/alerts', 'Alerts', STAFF], ['/recommendations', 'Recommendations', STAFF], ['/whatsapp', 'WhatsApp', STAFF]]],
    ['Catalog', [['/products', 'Products', STAFF], ['/listings', role === 'vendor' ? 'My listings' : 'Listings', [...STAFF, 'vendor']],
      ['/inventory', 'Inventory', [...STAFF, 'vendor']], ['/prices', 'Prices', STAFF],
      ['/match', 'Match tester', STAFF]]],
    ['Parties', [['/retailers', 'Retailers', STAFF], ['/vendors', 'Vendors', STAFF]]],
    ['Admin', [['/users', 'Users', ADMIN], ['/audit', 'Audit log', ADMIN], ['/system', 'System', ADMIN]]],
    ['You', [['/account', 'Account', ALL]]],
  ];
  if (role === 'retailer' && me.retailer_id) items[0][1].push([`/retailers/${me.retailer_id}`, 'Credit & statement', ['retailer']]);
  return items
    .map(([group, links]) => [group, links.filter(([, , roles]) => roles.includes(role))])
    .filter(([, links]) => links.length);
}

export const frame = { root: null, nav: null, main: null };

export function buildFrame(me) {
  const nav = h('nav.sidenav', { id: 'sidenav', 'aria-label': t('Main') },
    navItems(me).map(([group, links]) => h('div.nav-group',
      h('div.nav-title', t(group)),
      links.map(([path, label]) => h('a.nav-link', { href: `#${path}`, dataset: { path } }, t(label))))));
  const menu = h('button.menu-btn', { type: 'button', 'aria-label': t('Menu'), 'aria-controls': 'sidenav', 'aria-expanded': 'false', onclick: () => toggleNav() },
    h('span'), h('span'), h('span'));
  const header = h('header.topbar',
    menu,
    h('a.brand', { href: '#/' }, h('span.logo', { 'aria-hidden': 'true' }, 'K'), 'Khaacho'),
    h('div.spacer'),
    h('div.who', h('span.who-name', me.name || me.phone), h(`span.role.r-${me.role}`, t(me.role))),
    languageToggle(me),
    h('a.account-link', { href: '#/account' }, t('Account')),
    h('button.btn.ghost.small', { type: 'button', onclick: logout }, t('Log out')));
  const main = h('main.main', { id: 'main', tabindex: '-1' });
  const scrim = h('div.scrim', { onclick: () => toggleNav(false) });
  frame.root = h('div.frame', header, h('div.shell', nav, scrim, main));
  frame.nav = nav;
  frame.main = main;
  frame.menu = menu;
  document.getElementById('app').replaceChildren(frame.root);
}

/** Switches the user's console language (stored on the user) and reloads in it. */
export async function switchLanguage(me, lang) {
  const updated = await api(`/api/v1/users/${me.id}`, { method: 'PATCH', body: { language: lang } });
  session.me = { ...me, language: updated.language };
  if (adoptLanguage(updated.language)) window.location.reload();
  else render();
}

function languageToggle(me) {
  const other = language() === 'ne' ? 'en' : 'ne';
  return h('button.btn.ghost.small.lang-toggle', { type: 'button', lang: other, 'aria-label': other === 'ne' ? 'नेपालीमा हेर्नुहोस्' : 'View in English', onclick: () => switchLanguage(me, other).catch((err) => toast(errorText(err), 'error')) },
    other === 'ne' ? 'नेपाली' : 'English');
}

export function toggleNav(open = !document.body.classList.contains('nav-open')) {
  document.body.classList.toggle('nav-open', open);
  frame.menu?.setAttribute('aria-expanded', String(open));
  // Opened from the keyboard: the first link takes the focus, so Tab walks the menu.
  if (open) requestAnimationFrame(() => frame.nav?.querySelector('a.nav-link')?.focus());
}

export function markNav(path) {
  let best = null;
  for (const a of frame.nav.querySelectorAll('a.nav-link')) {
    a.removeAttribute('aria-current');
    const p = a.dataset.path;
    const hit = p === path || (p !== '/' && path.startsWith(`${p}/`));
    if (hit && (!best || p.length > best.dataset.path.length)) best = a;
  }
  best?.setAttribute('aria-current', 'page');
}

export let renderSeq = 0;

export async function render() {
  const seq = ++renderSeq;
  if (!session.tokens) return showLogin();
  if (!session.me) {
    try {
      session.me = await api('/api/v1/auth/me');
    } catch (err) {
      if (session.tokens) showLogin(errorText(err));
      return;
    }
    if (adoptLanguage(session.me.language)) {
      window.location.reload();
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
  // After a move by link or menu, the keyboard and screen readers continue in the new page.
  if (!frame.main.contains(document.activeElement)) frame.main.focus({ preventScroll: true });
  const r = findRoute(path);
  if (!r) {
    pageHead(view, t('Page not found'));
    view.append(notice('error', t('There is no page here.'), t('Use the menu to find your way.')));
    return;
  }
  if (!canOpen(path)) {
    pageHead(view, t('No access'));
    view.append(notice('forbidden', t('This page is not for your role.'), t('You are logged in as {role}.', { role: t(session.role) })));
    return;
  }
  try {
    await r.page({ view, params: r.params, query, me: session.me });
  } catch (err) {
    if (!view.querySelector('.page-head')) pageHead(view, r.title);
    view.append(errorNotice(err, r.title.toLowerCase()));
  }
}

export function endSession(message) {
  const had = !!session.tokens;
  session.clear();
  frame.root = null;
  if (had) showLogin(message);
}

export async function logout() {
  try {
    await api('/api/v1/auth/logout', { method: 'POST' });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(`Logout: ${errorText(err)}`, 'error');
  }
  session.clear();
  frame.root = null;
  showLogin(t('You are logged out.'), 'info');
}
