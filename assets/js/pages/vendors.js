/* Vendors. */

import { t } from '../i18n.js';
import { vendorTrendSection } from './intelligence.js';
import { hundredthsInput, phoneE164 } from '../format.js';
import { h, link } from '../dom.js';
import { api } from '../api.js';
import { changes, formDialog, kvTable, makeForm, pageHead, pagedList, section, toast } from '../ui.js';
import { forgetLookups, lookup } from '../lookups.js';
import { go, render } from '../router.js';
import { listingsSection, readFieldsFrom } from './products.js';

/* Vendors */

export function vendorFields(v = {}) {
  return [
    { name: 'name', label: t('Name'), required: true, value: v.name },
    { name: 'phone', label: t('WhatsApp phone'), type: 'tel', required: true, value: v.phone, placeholder: '+9779801000001' },
    { name: 'district', label: t('District'), required: true, value: v.district },
    { name: 'province', label: t('Province'), required: true, value: v.province },
    { name: 'commission_bps', label: t('Commission (%)'), type: 'percent', value: v.commission_bps, placeholder: t('default'), hint: t('Empty: the platform default.') },
  ];
}

export async function vendorsPage({ view }) {
  pageHead(view, t('Vendors'), h('button.btn.primary', {
    type: 'button',
    onclick: async () => {
      const created = await formDialog({
        title: t('New vendor'),
        fields: vendorFields(),
        submitLabel: t('Create vendor'),
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
      { label: t('Name'), value: (v) => link(`#/vendors/${v.id}`, v.name) },
      { label: t('Phone'), value: (v) => v.phone },
      { label: t('District'), value: (v) => v.district || '', cls: 'opt' },
      { label: t('Province'), value: (v) => v.province || '', cls: 'opt' },
      { label: t('Commission'), value: (v) => (v.commission_bps === null || v.commission_bps === undefined ? h('span.muted', t('default')) : `${hundredthsInput(v.commission_bps)}%`), cls: 'num opt' },
      { label: t('Active'), value: (v) => (v.active === false ? h('span.badge.off', t('inactive')) : 'Yes') },
    ],
    rowLink: (v) => `#/vendors/${v.id}`,
    empty: t('No vendors yet.'),
    what: t('vendors'),
  })));
}

export async function vendorPage({ view, params }) {
  const [vendor] = await Promise.all([api(`/api/v1/vendors/${params.id}`), lookup('products')]);
  pageHead(view, vendor.name, vendor.active === false && h('span.badge.off', t('inactive')),
    h('a.btn.secondary', { href: `#/orders?vendor_id=${vendor.id}` }, 'Orders'),
    h('a.btn.secondary', { href: `#/whatsapp?phone=${encodeURIComponent(vendor.phone)}` }, 'WhatsApp'));
  const fields = [...vendorFields(vendor), { name: 'active', label: t('Active (receives orders)'), type: 'checkbox', value: vendor.active ?? true }];
  view.append(h('div.grid-2',
    h('section.card', h('div.card-head', h('h2', t('Details'))), makeForm({
      fields,
      submitLabel: t('Save changes'),
      onSubmit: async (v) => {
        const patch = changes(readFieldsFrom(vendor, fields), v);
        if (!Object.keys(patch).length) return toast(t('Nothing changed.'));
        if (patch.phone) patch.phone = phoneE164(patch.phone);
        await api(`/api/v1/vendors/${vendor.id}`, { method: 'PATCH', body: patch });
        forgetLookups('vendors');
        toast(t('Vendor saved.'), 'ok');
        render();
      },
    })),
    section(t('Performance'), async () => kvTable(await api(`/api/v1/vendors/${vendor.id}/performance`)), { what: t('vendor performance') })));
  view.append(vendorTrendSection(vendor.id));
  view.append(listingsSection({ vendor_id: vendor.id }, { title: t('Listings') }));
}
