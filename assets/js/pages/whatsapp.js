/* WhatsApp: conversations per phone, and the simulator that demos the product. */

import { t } from '../i18n.js';
import { fmt, phoneE164 } from '../format.js';
import { h } from '../dom.js';
import { ApiError, api, rowsOf } from '../api.js';
import { errorNotice, errorText, loading, notice, pageHead, toast } from '../ui.js';
import { lookupAll } from '../lookups.js';
import { replaceQuery } from '../router.js';

/* WhatsApp: conversations per phone, and the simulator that demos the product */

export const SIM_SAMPLES = ['HELP', 'chamal 25 kg 2 bora', 'RICE-1KG x 10', 'चिनी १० किलो', 'CONFIRM', 'CANCEL', 'STATUS', 'BALANCE', 'REORDER', 'ACCEPT', 'REJECT out of stock'];

export async function whatsappPage({ view, query }) {
  pageHead(view, t('WhatsApp'));
  const [retailers, vendors] = await lookupAll('retailers', 'vendors');
  const phoneOwner = (phone) => [...retailers.values()].find((r) => r.phone === phone)
    || [...vendors.values()].find((v) => v.phone === phone);
  const picker = h('select', { 'aria-label': t('Conversation') },
    h('option', { value: '' }, t('Choose a phone…')),
    h('optgroup', { label: t('Retailers') }, [...retailers.values()].map((r) => h('option', { value: r.phone, selected: r.phone === query.phone }, `${r.name} · ${r.phone}`))),
    h('optgroup', { label: t('Vendors') }, [...vendors.values()].map((v) => h('option', { value: v.phone, selected: v.phone === query.phone }, `${v.name} · ${v.phone}`))));
  const other = h('input', { type: 'tel', placeholder: t('or any phone: +9779…'), 'aria-label': t('Other phone'), value: query.phone && !phoneOwner(query.phone) ? query.phone : '' });
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
    chat.append(notice('info', t('Pick a retailer or vendor to see their conversation.'),
      t('The simulator below the chat sends messages as that phone, exactly as if they came from WhatsApp: use it to demo ordering end to end.')));
  }
}

export function conversation(phone, owner, phoneOwner) {
  const log = h('div.chat-log', { role: 'log', 'aria-live': 'polite' });
  const status = h('div.chat-status');
  const bubble = (m) => {
    const mine = m.direction === 'in'; // from this phone to Khaacho: shown on the right, as on their phone
    return h(`div.msg.${mine ? 'in' : 'out'}`,
      h('div.msg-body', m.body),
      h('div.msg-meta', mine ? '' : t('Khaacho · '), fmt.clock(m.created_at) || 'now', m.status && !mine ? ` · ${m.status}` : ''));
  };
  const elsewhere = (r) => {
    const who = phoneOwner(r.to);
    return h('div.msg.note', h('div.msg-meta', `${t('Also sent to {who}', { who: who ? who.name : r.to })}:`), h('div.msg-body', r.body));
  };
  const scrollDown = () => { log.scrollTop = log.scrollHeight; };

  const loadHistory = async () => {
    status.replaceChildren(loading());
    try {
      const items = rowsOf(await api('/api/v1/messages', { query: { phone, limit: 100 } }));
      log.replaceChildren(...[...items].reverse().map(bubble));
      status.replaceChildren(items.length ? '' : h('p.muted.chat-empty', t('No messages with this phone yet.')));
    } catch (err) {
      status.replaceChildren(err instanceof ApiError && err.missing
        ? h('p.muted', t('Message history (GET /api/v1/messages) is not available on this server yet; simulator replies still show here as they come.'))
        : errorNotice(err, 'messages'));
    }
    scrollDown();
  };

  const input = h('textarea', { rows: 1, placeholder: t('Type a message as this phone…'), 'aria-label': t('Message') });
  const send = h('button.btn.primary', { type: 'submit' }, t('Send'));
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
      if (!res?.replies?.length) log.append(h('div.msg.note', h('div.msg-meta', t('No reply.'))));
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
      h('button.btn.ghost.small', { type: 'button', onclick: loadHistory }, t('Refresh'))),
    log, status,
    h('div.sim', h('div.sim-title', t('Simulator — sends as this phone')), chips, composer));
}
