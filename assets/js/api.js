/* Session and api(): tokens in sessionStorage, one refresh on `token_expired`, errors as ApiError. */

import { t } from './i18n.js';
import { forgetLookups } from './lookups.js';
import { endSession } from './router.js';
import { showPasswordChange } from './pages/login.js';

export const SESSION_KEY = 'khaacho.session';

export const session = {
  tokens: null, // { access_token, refresh_token, user_id, role }
  me: null, // GET /auth/me
  load() {
    try {
      this.tokens = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    } catch {
      this.tokens = null;
    }
  },
  save(tokens) {
    this.tokens = { ...this.tokens, ...tokens };
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

export class ApiError extends Error {
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
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.details = { field };
  }
}

export function queryString(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== null && v !== undefined && v !== '') params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function readError(res) {
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

export let refreshing = null;

/** Exchanges the refresh token once, however many requests found the access token expired. */
export function refreshTokens() {
  refreshing ??= api('/api/v1/auth/refresh', {
    method: 'POST',
    body: { refresh_token: session.tokens?.refresh_token },
    auth: false,
  })
    .then((tokens) => session.save(tokens))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/**
 * The one way to call the server. Returns the parsed JSON (null for 204), throws ApiError.
 * options: { method, query, body, headers, auth = true }
 */
export async function api(path, options = {}) {
  const { method = 'GET', query, body, headers = {}, auth = true, retried = false, as = 'json' } = options;
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
    throw new ApiError(0, 'network', t('Cannot reach the Khaacho server. Check the connection and try again.'));
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
        endSession(t('Your session has ended. Please log in again.'));
        throw err;
      }
      return api(path, { ...options, retried: true });
    }
    endSession(t('Your session has ended. Please log in again.'));
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
  if (as === 'blob') return res.blob();
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** Every page of a list, up to maxPages × 1000 items. */
export async function fetchAll(path, query = {}, maxPages = 5) {
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
export function rowsOf(resp) {
  if (Array.isArray(resp)) return resp;
  if (!resp || typeof resp !== 'object') return [];
  for (const key of ['items', 'rows', 'entries', 'transfers', 'lines']) {
    if (Array.isArray(resp[key])) return resp[key];
  }
  return Object.values(resp).find(Array.isArray) || [];
}
