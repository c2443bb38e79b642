// DOM helpers. Everything that comes from the API reaches the page through
// textContent or attribute values set here: never through innerHTML.

const BOOLEAN_PROPS = new Set(['disabled', 'checked', 'selected', 'hidden', 'required', 'readOnly', 'open', 'multiple']);

// h('a', {href: '#/jobs', class: 'x', onclick: fn, 'data-testid': 't'}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key === 'style' && typeof value === 'object') {
        for (const [prop, v] of Object.entries(value)) {
          if (prop.startsWith('--')) el.style.setProperty(prop, v);
          else el.style[prop] = v;
        }
      } else if (key === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) {
        el.value = String(value);
      } else if (BOOLEAN_PROPS.has(key)) {
        el[key] = Boolean(value);
      } else if (key === 'ref' && typeof value === 'function') {
        value(el);
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// ---- formatting -------------------------------------------------------------

const NUM = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function isNum(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

export function fmtNum(v, digits) {
  if (!isNum(v)) return v === null || v === undefined || v === '' ? '—' : String(v);
  if (digits !== undefined) {
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(3);
  return NUM.format(v);
}

// Fixed decimals for small magnitudes, fewer for large ones (245,000 not 245,000.000).
export function fmtAuto(v, digits = 3) {
  if (!isNum(v)) return fmtNum(v);
  const a = Math.abs(v);
  if (a >= 1000) return fmtNum(v, 0);
  if (a >= 100) return fmtNum(v, Math.min(digits, 1));
  return fmtNum(v, digits);
}

export function fmtInt(v) {
  return isNum(v) ? INT.format(v) : '—';
}

export function fmtPct(v, digits = 1) {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : '—';
}

export function fmtSeconds(v) {
  if (!isNum(v)) return '—';
  if (v < 1) return `${(v * 1000).toFixed(0)} ms`;
  if (v < 60) return `${v.toFixed(1)} s`;
  const m = Math.floor(v / 60);
  const s = Math.round(v - m * 60);
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  const hr = Math.floor(m / 60);
  return `${hr}h ${String(m % 60).padStart(2, '0')}m`;
}

export function fmtMicros(v) {
  if (!isNum(v)) return '—';
  if (v < 1000) return `${v.toFixed(v < 10 ? 2 : 1)} µs`;
  return `${(v / 1000).toFixed(2)} ms`;
}

export function parseTime(s) {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

// "2024-05-01 12:03:04 UTC": compact, unambiguous, sortable.
export function fmtTime(s) {
  const t = parseTime(s);
  if (t === null) return s ? String(s) : '—';
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, '') + ' UTC';
}

export function timeCell(s) {
  const t = parseTime(s);
  if (t === null) return h('span', { class: 'muted' }, s ? String(s) : '—');
  return h('time', { datetime: s, title: s }, fmtTime(s));
}

export function duration(start, end) {
  const a = parseTime(start);
  const b = parseTime(end);
  if (a === null || b === null) return null;
  return (b - a) / 1000;
}

export function shortHash(s, n = 12) {
  if (typeof s !== 'string') return s;
  const i = s.indexOf(':');
  const body = i > 0 && i < 10 ? s.slice(i + 1) : s;
  return body.length > n ? `${s.slice(0, i > 0 && i < 10 ? i + 1 : 0)}${body.slice(0, n)}…` : s;
}

// ---- small components ---------------------------------------------------------

const STATUS_TONE = {
  completed: 'ok', succeeded: 'ok', approved: 'ok', serving: 'ok', inservice: 'ok', ok: 'ok', success: 'ok',
  inprogress: 'run', executing: 'run', loading: 'run', creating: 'run', updating: 'run', running: 'run',
  pendingmanualapproval: 'pending', pending: 'pending',
  failed: 'bad', rejected: 'bad', error: 'bad', outofservice: 'bad',
  stopped: 'off', notstarted: 'off', skipped: 'off', cached: 'cache', deleted: 'off',
};

const STATUS_LABEL = { PendingManualApproval: 'Pending approval', InProgress: 'In progress', NotStarted: 'Not started' };

export function statusTone(status) {
  return STATUS_TONE[String(status || '').replace(/[\s_-]/g, '').toLowerCase()] || 'off';
}

export function badge(status, attrs = {}) {
  const text = status === null || status === undefined || status === '' ? 'Unknown' : String(status);
  return h('span', { class: `badge badge-${statusTone(text)}`, 'data-status': text, title: text, ...attrs },
    STATUS_LABEL[text] || text);
}

export function link(href, text, attrs = {}) {
  return h('a', { href, ...attrs }, text);
}

// Route segments are always encoded.
export function route(...parts) {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

export function kv(pairs, attrs = {}) {
  const dl = h('dl', { class: 'kv', ...attrs });
  for (const [k, v] of pairs) {
    if (v === undefined) continue;
    dl.append(h('div', { class: 'kv-item' }, h('dt', null, k), h('dd', null, v === null || v === '' ? '—' : v)));
  }
  return dl;
}

export function section(title, attrs, ...children) {
  const id = `s-${Math.random().toString(36).slice(2, 9)}`;
  return h('section', { class: 'card', 'aria-labelledby': id, ...attrs },
    h('h2', { id, class: 'card-title' }, title), ...children);
}

export function emptyNote(text) {
  return h('p', { class: 'empty' }, text);
}

export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert', 'data-testid': 'error' }, err && err.message ? err.message : String(err));
}

export function spinner(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

let uid = 0;
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A horizontal in-cell bar (e.g. missing %, a class fraction).
export function meter(fraction, tone = '') {
  const f = isNum(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  return h('span', { class: `meter ${tone}`, 'aria-hidden': 'true' }, h('span', { style: { width: `${(f * 100).toFixed(1)}%` } }));
}

export function toast(text, tone = 'ok') {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const t = h('div', { class: `toast toast-${tone}` }, text);
  host.append(t);
  setTimeout(() => t.remove(), 4000);
}
