// Tables: a static table, a client-side sortable table and a server-paginated table.
import { h, clear, replace, fmtInt, errorBox } from './dom.js';
import { setQuery } from './router.js';

// columns: [{label, render(row, i) -> node|string, numeric?, rowHeader?, class?, title?}]
export function dataTable(allColumns, rows, { testid, caption, rowAttrs, empty = 'Nothing to show.', className = '' } = {}) {
  const columns = allColumns.filter(Boolean);
  const thead = h('thead', null, h('tr', null, columns.map((c) => h('th', {
    scope: 'col', class: [c.numeric && 'num', c.class], title: c.title,
  }, c.label))));
  const tbody = h('tbody');
  fillBody(tbody, columns, rows, rowAttrs, empty);
  return h('div', { class: 'table-wrap' },
    h('table', { class: `table ${className}`, 'data-testid': testid }, caption ? h('caption', { class: 'sr-only' }, caption) : null, thead, tbody));
}

function fillBody(tbody, columns, rows, rowAttrs, empty) {
  clear(tbody);
  if (!rows.length) {
    tbody.append(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, empty)));
    return;
  }
  rows.forEach((row, i) => {
    const tr = h('tr', rowAttrs ? rowAttrs(row, i) : null);
    for (const c of columns) {
      const content = c.render(row, i);
      tr.append(h(c.rowHeader ? 'th' : 'td', { scope: c.rowHeader ? 'row' : null, class: [c.numeric && 'num', c.class] }, content));
    }
    tbody.append(tr);
  });
}

// Sortable on every column with a `sort` (row -> comparable); headers are
// buttons; the first click sorts ascending, the next reverses.
// Extra rows (e.g. expanded details) come from `after(row)`.
export function sortableTable(columns, rows, { testid, caption, rowAttrs, after, empty = 'Nothing to show.', className = '' } = {}) {
  let key = null;
  let dir = 1;
  const tbody = h('tbody');
  const ths = [];
  const render = () => {
    let sorted = rows;
    if (key !== null) {
      const col = columns[key];
      sorted = rows.map((r, i) => [col.sort(r), i, r]).sort((a, b) => {
        const av = a[0];
        const bv = b[0];
        const an = av === null || av === undefined || Number.isNaN(av);
        const bn = bv === null || bv === undefined || Number.isNaN(bv);
        if (an || bn) return an && bn ? a[1] - b[1] : an ? 1 : -1; // missing last either way
        if (av < bv) return -dir;
        if (av > bv) return dir;
        return a[1] - b[1];
      }).map((x) => x[2]);
    }
    clear(tbody);
    if (!sorted.length) {
      tbody.append(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, empty)));
    }
    sorted.forEach((row, i) => {
      const tr = h('tr', rowAttrs ? rowAttrs(row, i) : null);
      for (const c of columns) {
        tr.append(h(c.rowHeader ? 'th' : 'td', { scope: c.rowHeader ? 'row' : null, class: [c.numeric && 'num', c.class] }, c.render(row, i)));
      }
      tbody.append(tr);
      if (after) {
        const extra = after(row, columns.length);
        if (extra) tbody.append(extra);
      }
    });
    ths.forEach((th, i) => {
      if (i === key) th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      else if (columns[i].sort) th.setAttribute('aria-sort', 'none');
    });
  };
  const thead = h('thead', null, h('tr', null, columns.map((c, i) => {
    const th = h('th', { scope: 'col', class: [c.numeric && 'num', c.class], title: c.title });
    if (c.sort) {
      th.append(h('button', {
        type: 'button',
        class: 'sort-btn',
        'data-testid': c.testid,
        onclick: () => {
          if (key === i) dir = -dir;
          else {
            key = i;
            dir = 1;
          }
          render();
        },
      }, c.label, h('span', { class: 'sort-icon', 'aria-hidden': 'true' })));
    } else {
      th.append(c.label);
    }
    ths.push(th);
    return th;
  })));
  render();
  const table = h('table', { class: `table ${className}`, 'data-testid': testid }, caption ? h('caption', { class: 'sr-only' }, caption) : null, thead, tbody);
  table.rerender = render;
  return h('div', { class: 'table-wrap' }, table);
}

// A server-paginated table: load(offset, limit, signal) -> {total, items}.
// The offset is mirrored into the hash (?<param>=N) so reloads keep the page.
export function pagedTable(columns, load, {
  testid, caption, limit = 50, signal, param = 'offset', initialOffset = 0, empty = 'Nothing here yet.',
  rowAttrs, onLoad, noun = 'items',
} = {}) {
  let offset = Math.max(0, initialOffset | 0);
  const tbody = h('tbody');
  const table = h('table', { class: 'table', 'data-testid': testid, 'aria-busy': 'true' },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: [c.numeric && 'num', c.class], title: c.title }, c.label)))),
    tbody);
  const info = h('span', { class: 'pager-info', 'data-testid': `${testid}-pager-info`, 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': `${testid}-prev`, disabled: true }, '‹ Prev');
  const next = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': `${testid}-next`, disabled: true }, 'Next ›');
  const errorHost = h('div');
  const pager = h('nav', { class: 'pager', 'aria-label': `${caption || 'Table'} pages` }, prev, info, next);
  let token = 0;
  let total = 0;
  const go = async (to, first = false) => {
    const mine = ++token;
    table.setAttribute('aria-busy', 'true');
    prev.disabled = true;
    next.disabled = true;
    try {
      const page = await load(to, limit, signal);
      if (mine !== token) return page;
      offset = page.offset ?? to;
      total = page.total ?? page.items.length;
      if (!first && page.items.length === 0 && offset > 0 && total > 0) {
        return go(Math.max(0, Math.floor((total - 1) / limit) * limit));
      }
      fillBody(tbody, columns, page.items, rowAttrs, empty);
      const end = offset + page.items.length;
      info.textContent = total === 0 ? `0 ${noun}` : `${fmtInt(offset + 1)}–${fmtInt(end)} of ${fmtInt(total)} ${noun}`;
      prev.disabled = offset <= 0;
      next.disabled = end >= total;
      pager.hidden = total <= limit && offset === 0;
      replace(errorHost);
      if (!first) setQuery({ [param]: offset });
      if (onLoad) onLoad(page);
      return page;
    } catch (err) {
      if (signal && signal.aborted) throw err;
      replace(errorHost, errorBox(err));
      prev.disabled = offset <= 0;
      next.disabled = false;
      if (first) throw err;
      return null;
    } finally {
      if (mine === token) table.setAttribute('aria-busy', 'false');
    }
  };
  prev.addEventListener('click', () => go(Math.max(0, offset - limit)));
  next.addEventListener('click', () => go(offset + limit));
  const el = h('div', { class: 'paged' }, errorHost, h('div', { class: 'table-wrap' }, table), pager);
  return { el, ready: go(offset, true), reload: () => go(offset) };
}
