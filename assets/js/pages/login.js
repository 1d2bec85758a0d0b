/* Login, the forced password change and the account page. */

import { language, setDevanagariDigits, t, usesDevanagariDigits } from '../i18n.js';
import { phoneE164 } from '../format.js';
import { h } from '../dom.js';
import { FieldError, api, session } from '../api.js';
import { errorText, kvTable, makeForm, notice, pageHead, toast } from '../ui.js';
import { frame, render, switchLanguage } from '../router.js';

/* Login */

export function showLogin(message = null, kind = 'error') {
  document.title = 'Log in · Khaacho';
  const fields = [
    { name: 'phone', label: t('Phone'), type: 'tel', required: true, placeholder: '+9779800000000', autocomplete: 'username' },
    { name: 'password', label: t('Password'), type: 'password', required: true, autocomplete: 'current-password' },
  ];
  const form = makeForm({
    fields,
    submitLabel: t('Log in'),
    cls: 'login-form',
    onSubmit: async (v) => {
      const tokens = await api('/api/v1/auth/login', { method: 'POST', body: { phone: phoneE164(v.phone), password: v.password }, auth: false });
      session.save(tokens);
      if (tokens.password_change_required) return showPasswordChange(v.password);
      enterConsole();
    },
  });
  document.getElementById('app').replaceChildren(h('div.login',
    h('div.login-card',
      h('div.login-brand', h('span.logo', { 'aria-hidden': 'true' }, 'K'), h('div', h('h1', 'Khaacho'), h('p.muted', t('Wholesale ordering for Nepal')))),
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
    ...(current ? [] : [{ name: 'current_password', label: t('The password you logged in with'), type: 'password', required: true, autocomplete: 'current-password' }]),
    { name: 'new_password', label: t('New password (10 characters or more)'), type: 'password', required: true, autocomplete: 'new-password' },
    { name: 'repeat', label: t('New password again'), type: 'password', required: true, autocomplete: 'new-password' },
  ];
  const form = makeForm({
    fields,
    submitLabel: t('Save and continue'),
    cls: 'login-form',
    onSubmit: async (v) => {
      if (v.new_password !== v.repeat) throw new FieldError('repeat', t('The two new passwords differ.'));
      await api('/api/v1/auth/password', { method: 'POST', body: { current_password: current || v.current_password, new_password: v.new_password } });
      enterConsole();
    },
  });
  document.getElementById('app').replaceChildren(h('div.login',
    h('div.login-card',
      h('div.login-brand', h('span.logo', { 'aria-hidden': 'true' }, 'K'), h('div', h('h1', 'Choose your password'), h('p.muted', t('The password printed when Khaacho was installed is for the first login only.')))),
      form)));
  form.querySelector('input').focus();
}

/* Account */

export async function accountPage({ view, me }) {
  pageHead(view, t('Your account'));
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', t('Profile'))),
      kvTable({ name: me.name, phone: me.phone, email: me.email, role: me.role, created_at: me.created_at })),
    h('section.card', h('div.card-head', h('h2', t('Change password'))),
      makeForm({
        fields: [
          { name: 'current_password', label: t('Current password'), type: 'password', required: true, autocomplete: 'current-password' },
          { name: 'new_password', label: t('New password'), type: 'password', required: true, autocomplete: 'new-password' },
          { name: 'repeat', label: t('New password again'), type: 'password', required: true, autocomplete: 'new-password' },
        ],
        submitLabel: t('Change password'),
        onSubmit: async (v, form) => {
          if (v.new_password !== v.repeat) throw new FieldError('repeat', t('The two new passwords differ.'));
          try {
            await api('/api/v1/auth/password', { method: 'POST', body: { current_password: v.current_password, new_password: v.new_password } });
          } catch (err) {
            if (err.code === 'invalid_credentials') throw new FieldError('current_password', t('The current password is wrong.'));
            throw err;
          }
          form.reset();
          toast(t('Password changed. Your other sessions have ended.'), 'ok');
        },
      }))));
  view.append(languageCard(me));
}

/** Into the console as the user just logged in: render() reads who they are and adopts their
 * language, as on any start. */
function enterConsole() {
  session.me = null;
  frame.root = null;
  render();
}

/** The console's language (stored on the user) and the digits numbers are shown in (this browser). */
function languageCard(me) {
  const select = h('select', { id: 'language', name: 'language' },
    h('option', { value: 'en', selected: language() === 'en', lang: 'en' }, 'English'),
    h('option', { value: 'ne', selected: language() === 'ne', lang: 'ne' }, 'नेपाली'));
  select.addEventListener('change', () => switchLanguage(me, select.value).catch((err) => toast(errorText(err), 'error')));
  const deva = h('input', { type: 'checkbox', id: 'devanagari-digits', checked: usesDevanagariDigits() });
  deva.addEventListener('change', () => {
    setDevanagariDigits(deva.checked);
    window.location.reload();
  });
  return h('section.card', h('div.card-head', h('h2', t('Language'))),
    h('div.form', h('div.fields',
      h('div.field', h('label', { for: 'language' }, t('Language')), select),
      h('div.field.check', deva, h('label', { for: 'devanagari-digits' }, t('Show numbers in Devanagari digits (१२३)'))))));
}
