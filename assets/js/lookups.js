/* Look-ups: names of vendors, retailers and products, loaded once per session. */

import { t } from './i18n.js';
import { h, link } from './dom.js';
import { ApiError, fetchAll } from './api.js';
import { errorText, toast } from './ui.js';
import { canOpen } from './router.js';

export const lookups = {}; // kind → Promise<Map<id, item>>
export const names = {}; // kind → Map, once loaded, for synchronous rendering

/** All vendors / retailers / products by id, fetched once. Failing look-ups give an empty map. */
export function lookup(kind) {
  lookups[kind] ??= fetchAll(`/api/v1/${kind}`)
    .then((items) => {
      names[kind] = new Map(items.map((x) => [x.id, x]));
      return names[kind];
    })
    .catch((err) => {
      // 403 (some roles) and endpoints not built yet are expected: ids show instead, and the
      // answer is kept for the session. Other failures are reported and retried next time.
      if (!(err instanceof ApiError && (err.missing || err.status === 403))) {
        toast(`${t('Could not load {what}', { what: t(kind) })}: ${errorText(err)}`, 'error');
        delete lookups[kind];
      }
      return new Map();
    });
  return lookups[kind];
}

export const lookupAll = (...kinds) => Promise.all(kinds.map(lookup));

export function forgetLookups(kind) {
  for (const k of kind ? [kind] : Object.keys(lookups)) {
    delete lookups[k];
    delete names[k];
  }
}

export const SINGULAR = { vendors: 'Vendor', retailers: 'Retailer', products: 'Product', orders: 'Order', users: 'User', listings: 'Listing' };

/** The display name of a record by id; `given` (a name the API sent along) wins when the look-up lacks it. */
export function lookupName(kind, id, given = null) {
  const item = names[kind]?.get(id);
  if (!item) return given || `${SINGULAR[kind] || ''} #${id}`;
  return kind === 'products' ? `${item.name} (${item.sku})` : item.name || item.number || `#${id}`;
}

/** A name that links to its page when this role may open it. */
export function partyLink(kind, id, given = null) {
  if (id === null || id === undefined) return h('span.muted', '—');
  const label = lookupName(kind, id, given);
  return canOpen(`/${kind}/${id}`) ? link(`#/${kind}/${id}`, label) : label;
}

export function partyOptions(map, blank = 'All') {
  const sorted = [...map.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return [['', blank], ...sorted.map((x) => [x.id, `${x.name}${x.district ? ` · ${x.district}` : ''}`])];
}

/** The look-up of `kind`, loaded again when it lacks `id` (a record created elsewhere since). */
export async function lookupWith(kind, id) {
  const map = await lookup(kind);
  if (id === null || id === undefined || id === '' || map.has(Number(id))) return map;
  forgetLookups(kind);
  return lookup(kind);
}
