/* Formatting: money, quantities, Nepal time (with Bikram Sambat beside AD), parsing what people
 * type. The only place values become text; digits follow the user's choice (i18n.js). */

import { BS_MONTH_NAMES, digits, language, t, toBikramSambat } from './i18n.js';

export const NPT_OFFSET_MS = (5 * 60 + 45) * 60 * 1000; // Nepal is UTC+05:45, no DST
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const pad2 = (n) => String(n).padStart(2, '0');

/** Nepali grouping: the last three digits, then pairs (12,34,567). Takes a string of digits. */
export function groupDigits(plain) {
  if (plain.length <= 3) return plain;
  const head = plain.slice(0, -3).replace(/\B(?=(\d{2})+(?!\d))/g, ',');
  return `${head},${plain.slice(-3)}`;
}

/** Devanagari digits (०-९) to ASCII, so "१०" can be typed anywhere a number is asked for. */
export function asciiDigits(text) {
  return String(text).replace(/[०-९]/g, (d) => String(d.charCodeAt(0) - 0x0966));
}

/**
 * A phone as typed ("+977 981-234 5678", "९८१२३४५६७८", "009779812345678") in the E.164 form the
 * API takes (+9779812345678). Anything else is sent as typed, for the server to explain.
 */
export function phoneE164(text) {
  const raw = asciiDigits(String(text).trim());
  const bare = raw.replace(/[\s().-]/g, '');
  if (/^\+[0-9]+$/.test(bare)) return bare;
  if (/^00[0-9]+$/.test(bare)) return `+${bare.slice(2)}`;
  if (/^9[0-9]{9}$/.test(bare)) return `+977${bare}`;
  return raw;
}

/** Splits an RFC 3339 time into its Nepal-time parts; null if it does not parse. */
export function nepalParts(value) {
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value).replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms + NPT_OFFSET_MS);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth(), d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
}

export const fmt = {
  /** Integer paisa → "रु 1,23,456.50". */
  money(paisa) {
    if (paisa === null || paisa === undefined || paisa === '') return '—';
    const n = Number(paisa);
    if (!Number.isInteger(n)) return String(paisa);
    const abs = Math.abs(n);
    const text = `रु\u00a0${groupDigits(String(Math.floor(abs / 100)))}.${pad2(abs % 100)}`;
    return digits(n < 0 ? `−${text}` : text);
  },
  /** Integer quantity → "1,200". */
  qty(n) {
    if (n === null || n === undefined || n === '') return '—';
    const v = Number(n);
    if (!Number.isInteger(v)) return String(n);
    return digits((v < 0 ? '−' : '') + groupDigits(String(Math.abs(v))));
  },
  /** RFC 3339 UTC → "26 Nov 2025, 14:05" in Nepal time. */
  time(iso) {
    if (!iso) return '—';
    const p = nepalParts(iso);
    if (!p) return String(iso);
    return `${fmt.day(`${p.y}-${pad2(p.mo + 1)}-${pad2(p.d)}`)}, ${digits(`${pad2(p.h)}:${pad2(p.mi)}`)}`;
  },
  /** A calendar date "2026-12-26" (already a Nepal date) → "26 Dec 2026". */
  day(ymd) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd || ''));
    if (!m) return ymd ? String(ymd) : '—';
    const ad = `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
    const bs = toBikramSambat(ymd);
    if (!bs) return digits(ad);
    const names = BS_MONTH_NAMES[language()];
    // Nepali readers get the BS date first, English readers the AD date first.
    return language() === 'ne'
      ? `${digits(`${bs.d} ${names[bs.m - 1]} ${bs.y}`)} (${digits(ad)})`
      : `${digits(ad)} (${bs.d} ${names[bs.m - 1]} ${bs.y})`;
  },
  /** A calendar date "2026-12-26" → "26 Dec" (AD only: chart axes). */
  dayShort(ymd) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd || ''));
    return m ? digits(`${Number(m[3])} ${MONTHS[Number(m[2]) - 1]}`) : String(ymd || '');
  },
  /** RFC 3339 UTC → "14:05" in Nepal time. */
  clock(iso) {
    const p = iso && nepalParts(iso);
    return p ? `${pad2(p.h)}:${pad2(p.mi)}` : '';
  },
  /** A plain number (scores, ratios): integers grouped, others to 3 significant decimals. */
  number(n) {
    if (Number.isInteger(n)) return fmt.qty(n);
    return digits(Number(n).toLocaleString('en-IN', { maximumFractionDigits: 3 }));
  },
  /** Integer paisa → a short amount for chart axes: "रु 950", "रु 12.5 K", "रु 4.2 L" (lakh), "रु 1.3 Cr" (crore). */
  moneyShort(paisa) {
    const r = Number(paisa) / 100;
    if (!Number.isFinite(r)) return '—';
    const abs = Math.abs(r);
    const [div, unit] = abs >= 1e7 ? [1e7, ' Cr'] : abs >= 1e5 ? [1e5, ' L'] : abs >= 1e3 ? [1e3, ' K'] : [1, ''];
    const v = r / div;
    return digits(`रु\u00a0${(Math.abs(v) >= 100 || div === 1 ? Math.round(v) : Math.round(v * 10) / 10).toString()}${unit}`);
  },
  /** A change from `before` to `now` as "+12%" / "−3%"; "new" when there was nothing before. */
  change(now, before) {
    const a = Number(now);
    const b = Number(before);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return '';
    if (b === 0) return a === 0 ? '±0%' : t('new');
    const pct = Math.round(((a - b) / Math.abs(b)) * 100);
    return pct > 0 ? `+${pct}%` : pct < 0 ? `−${Math.abs(pct)}%` : '±0%';
  },
  /** A fraction as a percentage: 0.87 → "87%", 1.5 → "150%". */
  percent(x) {
    const v = Number(x);
    if (!Number.isFinite(v)) return '—';
    return digits(`${Math.round(v * 100)}%`);
  },
  label(key) {
    const k = String(key).replace(/_paisa$/, '').replace(/_id$/, '').replace(/(\d)_(\d)/g, '$1–$2').replace(/_/g, ' ');
    return k.charAt(0).toUpperCase() + k.slice(1);
  },
};

/** Today's date in Nepal as YYYY-MM-DD. */
export function nepalToday() {
  const p = nepalParts(new Date());
  return `${p.y}-${pad2(p.mo + 1)}-${pad2(p.d)}`;
}

/** "1,234.50" → 123450: a decimal with at most two places as an exact integer of hundredths. */
export function parseHundredths(input, example) {
  const s = asciiDigits(String(input ?? '').trim()).replace(/[,\s]/g, '');
  if (s === '') return null;
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === '' && !m[2])) throw new Error(t('Enter a number like {example}', { example }));
  if ((m[2] || '').length > 2) throw new Error(t('At most two decimals, please.'));
  const n = Number(m[1] || '0') * 100 + Number((m[2] || '').padEnd(2, '0'));
  if (!Number.isSafeInteger(n)) throw new Error(t('That number is too large.'));
  return n;
}

/** "1,234.50" / "रु 1234.5" / "१२००" → integer paisa, exactly (string arithmetic, no floats). */
export function parseRupees(input) {
  return parseHundredths(String(input ?? '').trim().replace(/^(रु\.?|रू\.?|npr|rs\.?)\s*/i, ''), '1234.50');
}

/** "2.5" / "2.5%" → 250 basis points. */
export function parsePercentBps(input) {
  return parseHundredths(String(input ?? '').replace(/%\s*$/, ''), '2.5');
}

/** Integer hundredths (paisa, basis points) → "1234.50" for an input box; parses back unchanged. */
export function hundredthsInput(value) {
  if (value === null || value === undefined) return '';
  const n = Number(value);
  const abs = Math.abs(n);
  return `${n < 0 ? '-' : ''}${Math.floor(abs / 100)}.${pad2(abs % 100)}`;
}

/** "12" / "१२" / "1,200" → 1200; throws on anything else. */
export function parseCount(input) {
  const s = asciiDigits(String(input ?? '').trim()).replace(/,/g, '');
  if (s === '') return null;
  if (!/^\d+$/.test(s)) throw new Error('Enter a whole number, like 12');
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(t('That number is too large.'));
  return n;
}

/** A random RFC 4122 v4 id. crypto.getRandomValues works on plain http too (randomUUID does not). */
export function randomKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
