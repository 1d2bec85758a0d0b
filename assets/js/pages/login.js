/* Login, the forced password change and the account page. */

import { phoneE164 } from '../format.js';
import { h } from '../dom.js';
import { FieldError, api, session } from '../api.js';
import { kvTable, makeForm, notice, pageHead, toast } from '../ui.js';
import { frame, render } from '../router.js';

/* Login */

export function showLogin(message = null, kind = 'error') {
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
export function showPasswordChange(current = '') {
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

export async function accountPage({ view, me }) {
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
