/* Alerts, the audit log, users, and the system screen (backups, outbox, settings). */

import { t } from '../i18n.js';
import { fmt, phoneE164 } from '../format.js';
import { h, link } from '../dom.js';
import { api } from '../api.js';
import { changes, dataTable, formDialog, kvTable, makeForm, pageHead, pagedList, section, simpleTable, toast } from '../ui.js';
import { lookupAll } from '../lookups.js';
import { go, render } from '../router.js';
import { filterBar } from './orders.js';
import { readFieldsFrom } from './products.js';

/* Alerts and audit: generic lists */

export const ALERT_KINDS = ['credit_utilization', 'overdue', 'score_drop', 'no_vendor', 'lead', 'delivery', 'price_change', 'stock_out'];

export async function alertsPage({ view, query }) {
  pageHead(view, t('Alerts'));
  await lookupAll('retailers', 'vendors');
  view.append(filterBar([
    { name: 'open', label: t('Show'), type: 'select', options: [['', t('Open alerts')], ['false', t('All, resolved too')]] },
    { name: 'kind', label: t('Kind'), type: 'select', options: [['', t('Any kind')], ...ALERT_KINDS.map((k) => [k, fmt.label(k)])] },
  ], query, (q) => go('/alerts', q)));
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/alerts',
    query: { open: query.open, kind: query.kind },
    columns: 'auto',
    empty: query.open === 'false' ? t('No alerts yet.') : t('No open alerts. All quiet.'),
    what: t('alerts'),
  })));
}

export async function auditPage({ view }) {
  pageHead(view, t('Audit log'));
  await lookupAll('retailers', 'vendors');
  view.append(h('section.card.flush', pagedList({ path: '/api/v1/audit', columns: 'auto', empty: t('The audit log is empty.'), what: t('the audit log') })));
}

/* Users (admin) */

export const ROLE_OPTIONS = [['admin', t('Admin')], ['operator', t('Operator')], ['vendor', t('Vendor')], ['retailer', t('Retailer')]];

export async function usersPage({ view, query }) {
  pageHead(view, t('Users'), h('button.btn.primary', { type: 'button', onclick: newUser }, t('New user')));
  view.append(filterBar([{ name: 'role', label: t('Role'), type: 'select', options: [['', t('All roles')], ...ROLE_OPTIONS] }], query, (q) => go('/users', q)));
  view.append(h('section.card.flush', pagedList({
    path: '/api/v1/users',
    query: { role: query.role },
    columns: [
      { label: t('Name'), value: (u) => link(`#/users/${u.id}`, u.name) },
      { label: t('Phone'), value: (u) => u.phone },
      { label: t('Role'), value: (u) => h(`span.role.r-${u.role}`, u.role) },
      { label: t('Email'), value: (u) => u.email || '', cls: 'opt' },
      { label: t('Active'), value: (u) => (u.active ? 'Yes' : h('span.badge.off', t('deactivated'))) },
      { label: t('Created'), value: (u) => fmt.time(u.created_at), cls: 'opt' },
    ],
    rowLink: (u) => `#/users/${u.id}`,
    empty: t('No users with this role.'),
    what: t('users'),
  })));
}

export async function newUser() {
  const u = await formDialog({
    title: t('New user'),
    intro: t('A vendor or retailer user logs in as the vendor or retailer with the same phone.'),
    fields: [
      { name: 'phone', label: t('Phone'), type: 'tel', required: true, placeholder: '+9779812345678' },
      { name: 'name', label: t('Name'), required: true },
      { name: 'role', label: t('Role'), type: 'select', options: ROLE_OPTIONS, value: 'operator' },
      { name: 'password', label: t('Password'), type: 'password', required: true, autocomplete: 'new-password' },
      { name: 'email', label: t('Email (optional)'), type: 'email' },
    ],
    submitLabel: t('Create user'),
    onSubmit: (v) => api('/api/v1/users', { method: 'POST', body: { ...v, phone: phoneE164(v.phone), email: v.email || null } }),
  });
  if (u) {
    toast(`User ${u.name} created.`, 'ok');
    go(`/users/${u.id}`);
  }
}

export async function userPage({ view, params, me }) {
  const user = await api(`/api/v1/users/${params.id}`);
  const self = user.id === me.id;
  pageHead(view, user.name, h(`span.role.r-${user.role}`, user.role), !user.active && h('span.badge.off', t('deactivated')),
    user.active && !self && h('button.btn.danger-outline', {
      type: 'button',
      onclick: async () => {
        const ok = await formDialog({
          title: `Deactivate ${user.name}?`,
          intro: t('They can no longer log in and their sessions end. The account stays for the audit trail.'),
          submitLabel: t('Deactivate'),
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
    { name: 'name', label: t('Name'), required: true, value: user.name },
    { name: 'email', label: t('Email'), type: 'email', value: user.email },
    !self && { name: 'role', label: t('Role'), type: 'select', options: ROLE_OPTIONS, value: user.role },
    !self && { name: 'active', label: t('Active'), type: 'checkbox', value: user.active },
  ].filter(Boolean);
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', t('Account'))), makeForm({
      fields,
      submitLabel: t('Save changes'),
      onSubmit: async (v) => {
        const patch = changes(readFieldsFrom(user, fields), v);
        if ('email' in patch && !patch.email) patch.email = null;
        if (!Object.keys(patch).length) return toast(t('Nothing changed.'));
        await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: patch });
        toast(t('User saved.'), 'ok');
        render();
      },
    })),
    h('div.stack',
      h('section.card', h('div.card-head', h('h2', t('Facts'))), kvTable({
        phone: user.phone, vendor_id: user.vendor_id, retailer_id: user.retailer_id, created_at: user.created_at, updated_at: user.updated_at,
      })),
      h('section.card', h('div.card-head', h('h2', t('Set a new password'))), makeForm({
        fields: [{ name: 'password', label: t('New password'), type: 'password', required: true, autocomplete: 'new-password' }],
        submitLabel: t('Set password'),
        onSubmit: async (v, form) => {
          await api(`/api/v1/users/${user.id}`, { method: 'PATCH', body: { password: v.password } });
          form.reset();
          toast(t('Password set for {name}. Tell them in person, not by message.', { name: user.name }), 'ok');
        },
      })))));
}

/* System (admin): backups, the outbox with its dead letters, the effective settings */

export async function systemPage({ view, query }) {
  pageHead(view, t('System'));
  const backups = section(t('Backups'), () => backupList(), {
    what: t('backups'),
    actions: h('button.btn.primary', { type: 'button', onclick: (ev) => takeBackup(ev.currentTarget, backups) }, t('Take a backup')),
  });
  view.append(backups);
  view.append(outboxSection(query.status || 'dead'));
  view.append(section(t('Settings in effect'), async () => settingsTable(await api('/api/v1/admin/settings')), { what: t('settings') }));
}

async function takeBackup(button, list) {
  button.disabled = true;
  try {
    const b = await api('/api/v1/admin/backups', { method: 'POST' });
    toast(t('Backup {name} written ({size}).', { name: b.name, size: fileSize(b.bytes) }), 'ok');
    list.reload();
  } finally {
    button.disabled = false;
  }
}

function fileSize(bytes) {
  const mb = Number(bytes) / (1024 * 1024);
  return mb >= 1 ? `${fmt.number(Math.round(mb * 10) / 10)} MB` : `${fmt.qty(Math.ceil(Number(bytes) / 1024))} KB`;
}

async function download(name, button) {
  button.disabled = true;
  try {
    const blob = await api(`/api/v1/admin/backups/${encodeURIComponent(name)}`, { as: 'blob' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } finally {
    button.disabled = false;
  }
}

async function backupList() {
  const { items } = await api('/api/v1/admin/backups');
  return simpleTable([
    { label: t('Backup'), value: (b) => h('code', b.name) },
    { label: t('Taken'), value: (b) => fmt.time(b.created_at) },
    { label: t('Size'), value: (b) => fileSize(b.bytes), cls: 'num' },
    { label: t('Actions'), value: (b) => h('button.btn.small.secondary', { type: 'button', onclick: (ev) => download(b.name, ev.currentTarget) }, t('Download')) },
  ], items, { empty: t('No backups taken from the console yet.') });
}

const OUTBOX_STATES = ['dead', 'failed', 'pending', 'sent', 'delivered', 'read'];

function outboxSection(status) {
  const select = h('select', { 'aria-label': t('Status') }, OUTBOX_STATES.map((s) => h('option', { value: s, selected: s === status }, t(s))));
  select.addEventListener('change', () => go('/system', { status: select.value }));
  const retry = async (m, button) => {
    button.disabled = true;
    try {
      await api(`/api/v1/admin/outbox/${m.id}/retry`, { method: 'POST' });
      toast(t('Message {id} will be sent again.', { id: m.id }), 'ok');
      button.closest('tr')?.remove();
    } catch (err) {
      button.disabled = false;
      throw err;
    }
  };
  const list = pagedList({
    path: '/api/v1/admin/outbox',
    query: { status },
    columns: [
      { label: t('Created'), value: (m) => fmt.time(m.created_at) },
      { label: t('Phone'), value: (m) => m.phone },
      { label: t('Kind'), value: (m) => m.kind || '—', cls: 'opt' },
      { label: t('Attempts'), value: (m) => fmt.qty(m.attempts), cls: 'num' },
      { label: t('Last error'), value: (m) => m.last_error || '—', cls: 'opt' },
      { label: t('Actions'), value: (m) => (['dead', 'failed'].includes(m.status)
        ? h('button.btn.small', { type: 'button', onclick: (ev) => retry(m, ev.currentTarget) }, t('Retry'))
        : t(m.status)) },
    ],
    empty: t('No messages in this state.'),
    what: t('the outbox'),
  });
  return h('section.card.flush', h('div.card-head', h('h2', t('Outbox')), select), list);
}

/** Nested settings as "section.key → value" rows; secrets arrive as "[hidden]". */
function settingsTable(settings) {
  const rows = [];
  const walk = (prefix, value) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
    } else {
      rows.push({ key: prefix, value: Array.isArray(value) ? value.join(', ') : value === null ? '—' : String(value) });
    }
  };
  walk('', settings);
  const table = dataTable([
    { label: t('Setting'), value: (r) => h('code', r.key) },
    { label: t('Value'), value: (r) => r.value },
  ]);
  table.addRows(rows);
  return table.el;
}
