/* Languages: the console in English or Nepali, digits in Latin or Devanagari, and Bikram
 * Sambat dates beside AD.
 *
 * Texts are written in English in the code and wrapped in t(); lang/ne.js maps each to its
 * Nepali. The user's language is stored on the user (`language`, via /auth/me and PATCH
 * /users/{id}) and remembered in localStorage so that the modules, which build some labels when
 * they load, start in it; a change reloads the page. */

import NE from './lang/ne.js';

const LANGUAGE_KEY = 'khaacho.language';
const DIGITS_KEY = 'khaacho.digits';

let current = readStored(LANGUAGE_KEY, ['en', 'ne'], 'en');
let devanagariDigits = readStored(DIGITS_KEY, ['latin', 'devanagari'], 'latin') === 'devanagari';
document.documentElement.lang = current;

function readStored(key, allowed, fallback) {
  try {
    const v = localStorage.getItem(key);
    return allowed.includes(v) ? v : fallback;
  } catch {
    return fallback;
  }
}

/** 'en' or 'ne'. */
export function language() {
  return current;
}

/**
 * Adopts the user's stored language. Returns true when the page must reload to show it (the
 * modules' labels were built in the other one).
 */
export function adoptLanguage(lang) {
  const next = lang === 'ne' ? 'ne' : 'en';
  let stored = true;
  try {
    localStorage.setItem(LANGUAGE_KEY, next);
  } catch {
    stored = false; // private mode: labels built at load stay as they were; no reload loop
  }
  const changed = next !== current;
  current = next;
  document.documentElement.lang = current;
  return changed && stored;
}

export function usesDevanagariDigits() {
  return devanagariDigits;
}

export function setDevanagariDigits(on) {
  devanagariDigits = !!on;
  try {
    localStorage.setItem(DIGITS_KEY, on ? 'devanagari' : 'latin');
  } catch {
    /* private mode: this page only */
  }
}

/** The text in the user's language; `{name}` placeholders are filled from `vars`. */
export function t(text, vars = null) {
  let s = current === 'ne' ? (NE[text] ?? text) : text;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** ASCII digits → Devanagari digits when the user asked for them (numbers on screen only). */
export function digits(text) {
  if (!devanagariDigits) return text;
  return String(text).replace(/[0-9]/g, (d) => String.fromCharCode(0x0966 + Number(d)));
}

/* Bikram Sambat. Month lengths of BS 2070–2090, each month as (days − 29), Baisakh first;
 * BS 2070-01-01 was AD 2013-04-14. Outside these years only the AD date is shown. */
const BS_FIRST_YEAR = 2070;
const BS_EPOCH_MS = Date.UTC(2013, 3, 14);
const BS_MONTHS = [
  '222322011011', '223222101011', '232321101011', '232321110012', '222322101011', '223222101011',
  '232321110011', '232321110102', '222322101011', '223222101011', '232321110011', '232321110102',
  '223222101011', '223222101011', '232321110012', '132321110102', '223222101011', '223222110111',
  '123312110111', '132321110111', '132321110111',
];
export const BS_MONTH_NAMES = {
  en: ['Baisakh', 'Jestha', 'Asar', 'Shrawan', 'Bhadra', 'Asoj', 'Kartik', 'Mangsir', 'Poush', 'Magh', 'Falgun', 'Chaitra'],
  ne: ['वैशाख', 'जेठ', 'असार', 'साउन', 'भदौ', 'असोज', 'कात्तिक', 'मंसिर', 'पुस', 'माघ', 'फागुन', 'चैत'],
};

/** A Nepal calendar day "2026-12-03" → { y: 2083, m: 8, d: 17 } in BS, or null out of range. */
export function toBikramSambat(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(ymd || ''));
  if (!m) return null;
  let days = Math.round((Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - BS_EPOCH_MS) / 86400000);
  if (days < 0) return null;
  for (let yi = 0; yi < BS_MONTHS.length; yi += 1) {
    for (let mi = 0; mi < 12; mi += 1) {
      const len = 29 + Number(BS_MONTHS[yi][mi]);
      if (days < len) return { y: BS_FIRST_YEAR + yi, m: mi + 1, d: days + 1 };
      days -= len;
    }
  }
  return null;
}
