// fetch helper for docs/ui-api.md: bearer token (asked once, kept in
// sessionStorage), X-CSRF-Token on POST, {"error"} bodies as exceptions.
import { h } from './dom.js';

const TOKEN_KEY = 'tabpilot.token';
// Relative to the page, so the UI also works behind a path prefix.
const BASE = new URL('api/', document.baseURI);

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let session = null;
let tokenPrompt = null;

function token() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

// The Authorization header for calls outside /api/ (the hub's completions).
export function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export function apiUrl(path, query) {
  const url = new URL(path.replace(/^\/?(api\/)?/, ''), BASE);
  if (query) {
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    }
  }
  return url;
}

// api('jobs', {query: {offset: 0, limit: 50}, signal})
// api('groups/g/versions/1/status', {method: 'POST', body: {...}})
// api('executions/x/steps/s/log', {text: true})
export async function api(path, opts = {}) {
  const { method = 'GET', body, query, signal, text = false } = opts;
  for (let attempt = 0; ; attempt += 1) {
    const headers = { Accept: text ? 'text/plain, application/json' : 'application/json' };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      const s = await getSession(signal);
      if (s && s.csrf_token) headers['X-CSRF-Token'] = s.csrf_token;
    }
    const res = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (res.status === 401 && attempt < 5) {
      await askToken(t ? 'The token was not accepted. Enter the API token again.' : 'This tabpilot UI needs an API token.');
      continue;
    }
    if (res.status === 403 && method !== 'GET' && attempt === 0) {
      // The CSRF token may be stale (server restarted): take a fresh session once.
      session = null;
      continue;
    }
    if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
    if (text) return res.text();
    if (res.status === 204) return null;
    return res.json();
  }
}

async function errorMessage(res) {
  let msg = `${res.status} ${res.statusText}`.trim();
  try {
    const body = await res.text();
    try {
      const j = JSON.parse(body);
      if (j && typeof j.error === 'string') msg = j.error;
    } catch {
      if (body && body.length < 300) msg = body.trim();
    }
  } catch {
    /* keep the status line */
  }
  return msg;
}

export async function getSession(signal) {
  if (!session) {
    session = api('session', { signal }).catch((e) => {
      session = null;
      throw e;
    });
  }
  return session;
}

// A modal asking for the API token; concurrent 401s share one prompt.
function askToken(message) {
  if (tokenPrompt) return tokenPrompt;
  tokenPrompt = new Promise((resolve) => {
    const input = h('input', {
      id: 'token-input', type: 'password', autocomplete: 'current-password', required: true,
      'data-testid': 'token-input', spellcheck: 'false',
    });
    const form = h('form', { method: 'dialog', class: 'token-form' },
      h('h2', { id: 'token-title' }, 'API token'),
      h('p', { class: 'muted' }, message),
      h('label', { for: 'token-input' }, 'Token'),
      input,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'token-submit' }, 'Continue')),
    );
    const dialog = h('dialog', { class: 'token-dialog', 'aria-labelledby': 'token-title', 'data-testid': 'token-dialog' }, form);
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      try {
        sessionStorage.setItem(TOKEN_KEY, value);
      } catch {
        /* private mode: the token lives for this page only */
      }
      dialog.close();
      dialog.remove();
      tokenPrompt = null;
      session = null;
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return tokenPrompt;
}

// A paginated list: {total, offset, limit, items}.
export function list(path, { offset = 0, limit = 50, query = {}, signal } = {}) {
  return api(path, { query: { ...query, offset, limit }, signal });
}

export function enc(s) {
  return encodeURIComponent(String(s));
}
