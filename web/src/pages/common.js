// Pieces shared by several pages: headers, tabs, the leaderboard, generic values.
import { h, fmtNum, fmtMicros, fmtSeconds, badge, isNum, shortHash } from '../dom.js';
import { sortableTable } from '../table.js';

export function pageHeader(title, { subtitle, status, statusAttrs, actions, eyebrow } = {}) {
  return h('header', { class: 'page-header' },
    h('div', { class: 'page-title' },
      eyebrow ? h('p', { class: 'eyebrow' }, eyebrow) : null,
      h('div', { class: 'title-row' },
        h('h1', { 'data-testid': 'page-heading' }, title),
        status !== undefined ? badge(status, statusAttrs) : null),
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null);
}

// Tabs with role=tablist/tab/tabpanel, arrow keys, Home/End. Panels render
// lazily on first show. tabs: [{id, label, render(panel)}]
export function tabs(items, { active, onChange, label = 'Sections' }) {
  const list = h('div', { role: 'tablist', 'aria-label': label, class: 'tabs' });
  const panels = h('div', { class: 'tab-panels' });
  const buttons = [];
  const rendered = new Set();
  const panelEls = {};
  const select = (id, focus = false) => {
    for (const b of buttons) {
      const on = b.dataset.tab === id;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const [pid, p] of Object.entries(panelEls)) p.hidden = pid !== id;
    if (!rendered.has(id)) {
      rendered.add(id);
      const item = items.find((t) => t.id === id);
      item.render(panelEls[id]);
    }
    if (onChange) onChange(id);
  };
  for (const t of items) {
    const b = h('button', {
      type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': `panel-${t.id}`,
      'data-tab': t.id, 'data-testid': `tab-${t.id}`, class: 'tab',
      onclick: () => select(t.id),
    }, t.label);
    buttons.push(b);
    list.append(b);
    const p = h('div', { role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, tabindex: '0', hidden: true, 'data-testid': `panel-${t.id}`, class: 'tab-panel' });
    panelEls[t.id] = p;
    panels.append(p);
  }
  list.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % buttons.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + buttons.length) % buttons.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = buttons.length - 1;
    if (j === null) return;
    e.preventDefault();
    select(buttons[j].dataset.tab, true);
  });
  const first = items.some((t) => t.id === active) ? active : items[0].id;
  return { el: h('div', { class: 'tabs-wrap' }, list, panels), select, start: () => select(first), panels: panelEls };
}

// Any JSON value, compactly: objects as key/value lists, arrays joined.
export function valueNode(v) {
  if (v === null || v === undefined || v === '') return h('span', { class: 'muted' }, '—');
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== 'object' || x === null)) return v.map(String).join(', ');
    return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
  }
  return h('pre', { class: 'json' }, JSON.stringify(v, null, 2));
}

export function objectTable(obj, { testid, keyLabel = 'Name', valueLabel = 'Value', mono = false, caption } = {}) {
  const entries = obj && typeof obj === 'object' ? Object.entries(obj) : [];
  const table = h('table', { class: 'table table-kv', 'data-testid': testid },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, keyLabel), h('th', { scope: 'col' }, valueLabel))),
    h('tbody', null, entries.length ? entries.map(([k, v]) => h('tr', null,
      h('th', { scope: 'row' }, k),
      h('td', { class: mono ? 'mono' : null, title: typeof v === 'string' ? v : null }, valueNode(v))))
      : h('tr', { class: 'empty-row' }, h('td', { colspan: 2 }, 'None'))));
  return h('div', { class: 'table-wrap' }, table);
}

export function hashNode(s) {
  if (typeof s !== 'string' || !s) return h('span', { class: 'muted' }, '—');
  return h('code', { class: 'hash', title: s }, shortHash(s, 16));
}

// The leaderboard: best first as given, every column sortable.
export function leaderboardTable(rows, { metric } = {}) {
  const bestName = rows.length ? rows[0].model : null;
  const expanded = new Set();
  const metricName = metric || (rows[0] && rows[0].metric) || 'score';
  const greater = rows[0] ? rows[0].greater_is_better !== false : true;
  let table;
  const columns = [
    { label: '#', numeric: true, render: (r) => String(rows.indexOf(r) + 1), sort: (r) => rows.indexOf(r), testid: 'sort-rank' },
    {
      label: 'Model', rowHeader: true, testid: 'sort-model', sort: (r) => String(r.model).toLowerCase(),
      render: (r) => h('span', { class: 'model-name' }, r.model,
        r.model === bestName ? h('span', { class: 'tag tag-best', title: 'Best validation score' }, 'best') : null,
        r.model === 'WeightedEnsemble' ? h('span', { class: 'tag' }, 'ensemble') : null),
    },
    { label: 'Family', testid: 'sort-family', sort: (r) => String(r.family ?? ''), render: (r) => r.family ?? '—' },
    {
      label: `Score (${metricName}${greater ? ' ↑' : ' ↓'})`, numeric: true, testid: 'sort-score',
      title: greater ? 'Validation score: greater is better' : 'Validation score: lower is better',
      sort: (r) => (isNum(r.score_val) ? r.score_val : null), render: (r) => h('span', { 'data-score': String(r.score_val) }, fmtNum(r.score_val)),
    },
    { label: 'Fit time', numeric: true, testid: 'sort-fit', sort: (r) => (isNum(r.fit_seconds) ? r.fit_seconds : null), render: (r) => fmtSeconds(r.fit_seconds) },
    { label: 'Predict / row', numeric: true, testid: 'sort-predict', sort: (r) => (isNum(r.predict_us_per_row) ? r.predict_us_per_row : null), render: (r) => fmtMicros(r.predict_us_per_row) },
    {
      label: 'Ensemble weight', numeric: true, testid: 'sort-weight', sort: (r) => (isNum(r.ensemble_weight) ? r.ensemble_weight : null),
      render: (r) => (r.model === 'WeightedEnsemble' ? h('span', { class: 'muted' }, '—') : weightCell(r.ensemble_weight)),
    },
    { label: 'Folds', numeric: true, testid: 'sort-folds', sort: (r) => r.folds ?? null, render: (r) => (r.folds ?? '—') },
    { label: 'Status', testid: 'sort-status', sort: (r) => String(r.status ?? ''), render: (r) => badge(r.status) },
    {
      label: 'Params',
      render: (r) => h('button', {
        type: 'button', class: 'btn btn-link', 'aria-expanded': expanded.has(r.model) ? 'true' : 'false',
        'aria-label': `Parameters of ${r.model}`,
        onclick: () => {
          if (expanded.has(r.model)) expanded.delete(r.model);
          else expanded.add(r.model);
          table.querySelector('table').rerender();
        },
      }, expanded.has(r.model) ? 'Hide' : 'Show'),
    },
  ];
  table = sortableTable(columns, rows, {
    testid: 'leaderboard-table',
    caption: 'Leaderboard',
    className: 'leaderboard',
    rowAttrs: (r) => ({ 'data-testid': 'leaderboard-row', 'data-model': r.model, class: r.model === bestName ? 'row-best' : null }),
    after: (r, span) => (expanded.has(r.model)
      ? h('tr', { class: 'row-detail' }, h('td', { colspan: span }, h('pre', { class: 'json' }, JSON.stringify({ params: r.params ?? {}, info: r.info }, null, 2))))
      : null),
    empty: 'No models in this leaderboard.',
  });
  return table;
}

function weightCell(w) {
  if (!isNum(w) || w === 0) return h('span', { class: 'muted' }, isNum(w) ? '0' : '—');
  return h('span', { class: 'weight' }, h('span', { class: 'meter meter-inline', 'aria-hidden': 'true' }, h('span', { style: { width: `${Math.min(100, w * 100)}%` } })), fmtNum(w, 3));
}

export function fmtDuration(sec) {
  return fmtSeconds(sec);
}
