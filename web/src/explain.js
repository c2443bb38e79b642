// The Explainability tab: global importance (mean |SHAP|), dependence
// summaries of the top columns, and one background row's SHAP values.
import { h, replace, fmtNum, fmtInt, isNum, emptyNote, errorBox, nextId, section, spinner } from './dom.js';
import { api, list } from './api.js';
import { lazyChart, chartBox, hbarOption, baseOption, valueAxis, categoryAxis, tip, COLORS, truncate } from './charts.js';
import { predictionView, scaleName } from './shap.js';

const TOP_IMPORTANCE = 20;
const TOP_DEPENDENCE = 6;
const ROWS_PAGE = 20;

export function renderExplain(panel, version, base) {
  const rep = version.reports && version.reports.explainability;
  const outputs = rep && Array.isArray(rep.outputs) ? rep.outputs : [];
  const globalHost = h('div', { class: 'stack' });
  const parts = [];
  if (outputs.length) {
    const scale = scaleName(rep.scale);
    let outSelect = null;
    if (outputs.length > 1) {
      const id = nextId('out');
      outSelect = h('div', { class: 'toolbar' },
        h('label', { for: id }, 'Output explained'),
        h('select', { id, 'data-testid': 'explain-output', onchange: (e) => showOutput(outputs[Number(e.target.value)]) },
          outputs.map((o, i) => h('option', { value: String(i) }, String(o.output)))));
    }
    const showOutput = (o) => replace(globalHost, importanceSection(o, scale, rep), dependenceSection(o, scale));
    parts.push(h('p', { class: 'callout callout-info' },
      `SHAP values on the ${scale} scale, from ${isNum(rep.rows) ? fmtInt(rep.rows) : 'the'} explained rows${rep.data ? ` (${rep.data})` : ''}.`),
    outSelect, globalHost);
    showOutput(outputs[0]);
  } else {
    parts.push(h('p', { class: 'callout callout-info', 'data-testid': 'explain-missing' }, 'The bundle has no explainability report; per-row SHAP values below are computed on request.'));
  }
  parts.push(rowSection(base));
  replace(panel, h('div', { class: 'stack' }, parts));
}

function importanceSection(o, scale) {
  const imp = (o.importance || []).slice().sort((a, b) => b.mean_abs_shap - a.mean_abs_shap);
  const top = imp.slice(0, TOP_IMPORTANCE);
  if (!top.length) return section('Global importance', null, emptyNote('No importance values.'));
  const box = chartBox(`Mean absolute SHAP by column for ${o.output}`, { 'data-testid': 'importance-chart', 'data-bars': String(top.length) }, top.length * 22 + 50);
  lazyChart(box, () => hbarOption(top.map((c) => ({
    name: c.column, value: c.mean_abs_shap, color: COLORS.blue,
    extra: [['mean SHAP (signed)', fmtNum(c.mean_shap, 4)]],
  })), { valueName: `mean |SHAP| (${scale})`, digits: 3 }));
  return section(`Global importance · ${o.output}`, { 'data-testid': 'importance-section' },
    h('p', { class: 'hint' }, `Mean |SHAP| per column: how far, on average, each column moves the ${scale} output from the base value ${fmtNum(o.base_value, 3)}.`
      + (imp.length > TOP_IMPORTANCE ? ` Top ${TOP_IMPORTANCE} of ${imp.length} columns.` : '')),
    box);
}

function binLabel(b) {
  if (b.value !== undefined) return b.value === null || b.value === '' ? '(missing)' : String(b.value);
  const lo = b.low ?? b.from;
  const hi = b.high ?? b.to;
  if (isNum(lo) && isNum(hi)) return lo === hi ? fmtNum(lo) : `${fmtNum(lo)}–${fmtNum(hi)}`;
  if (isNum(lo)) return `≥ ${fmtNum(lo)}`;
  if (isNum(hi)) return `≤ ${fmtNum(hi)}`;
  return '(missing)';
}

function dependenceSection(o, scale) {
  const deps = (o.dependence || []).slice(0, TOP_DEPENDENCE);
  if (!deps.length) return null;
  const grid = h('div', { class: 'grid-3', 'data-testid': 'dependence-charts' });
  for (const d of deps) {
    const bins = (d.bins || []).filter((b) => isNum(b.mean_shap));
    const labels = bins.map(binLabel);
    const box = chartBox(`Mean SHAP of ${d.column} by value`, { 'data-testid': 'dependence-chart', 'data-column': d.column }, 200);
    lazyChart(box, () => baseOption({
      grid: { left: 8, right: 12, top: 10, bottom: 8, containLabel: true },
      tooltip: {
        ...baseOption().tooltip, trigger: 'item',
        formatter: (p) => {
          const b = bins[p.dataIndex];
          return tip(`${d.column}: ${labels[p.dataIndex]}`, [['mean SHAP', fmtNum(b.mean_shap, 4)], ['rows', fmtInt(b.rows)],
            ...(isNum(b.mean_value) ? [['mean value', fmtNum(b.mean_value)]] : [])]);
        },
      },
      xAxis: categoryAxis(labels, { axisLabel: { color: COLORS.axis, interval: 'auto', rotate: labels.length > 5 ? 30 : 0, formatter: (v) => truncate(v, 12), fontSize: 10 } }),
      yAxis: valueAxis('', { axisLabel: { color: COLORS.axis, formatter: (v) => fmtNum(v) } }),
      series: [{
        type: 'bar', barMaxWidth: 26,
        data: bins.map((b) => ({ value: b.mean_shap, itemStyle: { color: b.mean_shap >= 0 ? COLORS.red : COLORS.blue, borderRadius: 2 } })),
      }],
    }));
    grid.append(h('figure', { class: 'mini' },
      h('figcaption', null, h('span', { class: 'mono' }, d.column), h('span', { class: `type type-${d.type}` }, d.type || '')),
      box));
  }
  return section('Dependence: mean SHAP by value', { 'data-testid': 'dependence-section' },
    h('p', { class: 'hint' }, `For the most important columns, the mean SHAP (${scale}) of the explained rows in each value bin.`),
    grid);
}

// The row picker over background rows, then /explain?row=N.
function rowSection(base) {
  const out = h('div', { class: 'row-shap', 'data-testid': 'row-shap', 'aria-live': 'polite' });
  const tableHost = h('div', { class: 'table-wrap rows-wrap' });
  const info = h('span', { class: 'pager-info', 'data-testid': 'rows-pager-info' });
  const prev = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'rows-prev' }, '‹ Prev');
  const next = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'rows-next' }, 'Next ›');
  const inputId = nextId('row');
  const rowInput = h('input', { id: inputId, type: 'number', min: '0', step: '1', value: '0', class: 'narrow', 'data-testid': 'explain-row-input' });
  const explainBtn = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'explain-row-button' }, 'Explain row');
  let offset = 0;
  let total = 0;
  let selected = null;

  const explain = async (n) => {
    selected = n;
    rowInput.value = String(n);
    for (const tr of tableHost.querySelectorAll('tr[data-row]')) tr.classList.toggle('row-selected', Number(tr.dataset.row) === n);
    replace(out, spinner(`Explaining row ${n}…`));
    try {
      const res = await api(`${base}/explain`, { query: { row: n } });
      replace(out, h('h3', null, `Row ${n}`), predictionView(res, { testid: 'row-prediction' }));
    } catch (err) {
      replace(out, errorBox(err));
    }
  };

  const load = async (to) => {
    prev.disabled = true;
    next.disabled = true;
    try {
      const page = await list(`${base}/rows`, { offset: to, limit: ROWS_PAGE });
      offset = page.offset ?? to;
      total = page.total ?? page.items.length;
      const cols = page.columns || [];
      const table = h('table', { class: 'table compact rows-table', 'data-testid': 'rows-table' },
        h('caption', { class: 'sr-only' }, 'Background rows'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Row'), cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', null, page.items.map((row, i) => {
          const n = offset + i;
          return h('tr', { 'data-row': String(n), class: n === selected ? 'row-selected' : null },
            h('th', { scope: 'row' }, h('button', { type: 'button', class: 'btn btn-small btn-row', 'data-testid': 'explain-row', 'aria-label': `Explain row ${n}`, onclick: () => explain(n) }, `#${n}`)),
            row.map((v) => h('td', { title: v ?? '' }, v === null || v === '' ? h('span', { class: 'muted' }, '—') : String(v))));
        })));
      replace(tableHost, page.items.length ? table : emptyNote('This bundle has no background rows to explain.'));
      info.textContent = total ? `rows ${fmtInt(offset + 1)}–${fmtInt(offset + page.items.length)} of ${fmtInt(total)}` : 'no rows';
      rowInput.max = String(Math.max(0, total - 1));
      prev.disabled = offset <= 0;
      next.disabled = offset + page.items.length >= total;
    } catch (err) {
      replace(tableHost, errorBox(err));
    }
  };
  prev.addEventListener('click', () => load(Math.max(0, offset - ROWS_PAGE)));
  next.addEventListener('click', () => load(offset + ROWS_PAGE));
  const form = h('form', {
    class: 'toolbar', 'aria-label': 'Explain a background row',
    onsubmit: (e) => {
      e.preventDefault();
      const n = Math.max(0, Math.floor(Number(rowInput.value) || 0));
      explain(n);
    },
  }, h('label', { for: inputId }, 'Row number'), rowInput, explainBtn);
  load(0);
  return section('Explain one row', { 'data-testid': 'row-section' },
    h('p', { class: 'hint' }, 'Pick one of the bundle\'s background rows (a seeded sample of the training rows) to see its prediction and each column\'s SHAP contribution.'),
    form, tableHost, h('nav', { class: 'pager', 'aria-label': 'Background rows pages' }, prev, info, next), out);
}
