// A prediction answer ({prediction, probabilities, explanation}) as DOM:
// the predicted value, class probabilities and a signed SHAP bar chart.
import { h, fmtNum, fmtAuto, fmtPct, isNum, meter } from './dom.js';
import { lazyChart, chartBox, hbarOption, COLORS } from './charts.js';
import { dataTable } from './table.js';

const SCALE = { log_odds: 'log-odds', probability: 'probability', raw: 'raw output' };
const MAX_BARS = 16;

export function scaleName(s) {
  return SCALE[s] || s || 'model output';
}

function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

export function predictionView(res, { testid = 'prediction-output' } = {}) {
  const out = h('div', { class: 'prediction', 'data-testid': testid });
  const pred = res && 'prediction' in res ? res.prediction : undefined;
  out.append(h('div', { class: 'pred-head' },
    h('div', { class: 'pred-main' },
      h('span', { class: 'pred-label' }, 'Prediction'),
      h('span', { class: 'pred-value', 'data-testid': 'prediction-value' }, pred === undefined || pred === null ? '—' : (isNum(pred) ? fmtNum(pred) : String(pred)))),
    res && res.probabilities ? probabilities(res.probabilities, pred) : null));
  if (res && res.explanation) out.append(shapView(res.explanation));
  return out;
}

function probabilities(probs, pred) {
  const entries = Object.entries(probs).sort((a, b) => b[1] - a[1]);
  return h('div', { class: 'probs', 'data-testid': 'probabilities' },
    h('span', { class: 'pred-label' }, 'Class probabilities'),
    h('ul', { class: 'prob-list' }, entries.slice(0, 12).map(([label, p]) => h('li', { class: String(pred) === label ? 'prob-top' : null, 'data-class': label },
      h('span', { class: 'prob-name', title: label }, label),
      meter(p, String(pred) === label ? 'meter-blue' : 'meter-grey'),
      h('span', { class: 'prob-val' }, fmtPct(p, 1))))),
    entries.length > 12 ? h('p', { class: 'muted small' }, `${entries.length - 12} more classes under ${fmtPct(entries[11][1])}`) : null);
}

// explanation: {scale, output, base_value, value, contributions: [{column, value, shap}]}
export function shapView(ex, { testid = 'shap-bars' } = {}) {
  const contribs = Array.isArray(ex.contributions) ? [...ex.contributions] : [];
  contribs.sort((a, b) => Math.abs(b.shap) - Math.abs(a.shap));
  const shown = contribs.slice(0, MAX_BARS);
  const rest = contribs.slice(MAX_BARS);
  const items = shown.map((c) => ({
    name: `${c.column} = ${c.value === null || c.value === undefined || c.value === '' ? '(missing)' : c.value}`,
    value: c.shap,
    extra: [['column', c.column], ['input', c.value === null || c.value === undefined || c.value === '' ? '(missing)' : String(c.value)]],
  }));
  if (rest.length) {
    const sum = rest.reduce((s, c) => s + (isNum(c.shap) ? c.shap : 0), 0);
    items.push({ name: `${rest.length} other columns`, value: sum, color: COLORS.grey, extra: [['columns', String(rest.length)]] });
  }
  const scale = scaleName(ex.scale);
  const box = chartBox(`SHAP contributions for ${ex.output ?? 'the prediction'}`, {
    'data-testid': testid, 'data-bars': String(items.length),
  }, Math.max(140, items.length * 24 + 50));
  const big = items.some((it) => isNum(it.value) && Math.abs(it.value) >= 100);
  lazyChart(box, () => hbarOption(items, { valueName: `SHAP (${scale})`, signed: true, digits: big ? 0 : 3 }));
  const sum = isNum(ex.value) ? ex.value : (isNum(ex.base_value) ? ex.base_value + contribs.reduce((s, c) => s + (c.shap || 0), 0) : null);
  const prob = ex.scale === 'log_odds' && isNum(sum) ? ` (p = ${fmtNum(sigmoid(sum), 3)})` : '';
  return h('div', { class: 'shap' },
    h('p', { class: 'shap-summary' },
      h('span', null, 'Explaining ', h('strong', null, String(ex.output ?? 'the output')), ` on the ${scale} scale: `),
      h('span', { class: 'shap-term', 'data-testid': 'shap-base' }, `base ${fmtAuto(ex.base_value)}`),
      ' + ',
      h('span', { class: 'shap-term' }, `contributions ${fmtAuto(isNum(sum) && isNum(ex.base_value) ? sum - ex.base_value : null)}`),
      ' = ',
      h('span', { class: 'shap-term strong', 'data-testid': 'shap-value' }, `${fmtAuto(sum)}${prob}`)),
    h('p', { class: 'legend' },
      h('span', { class: 'legend-item' }, h('span', { class: 'dot', style: { background: COLORS.red } }), 'pushes the output up'),
      h('span', { class: 'legend-item' }, h('span', { class: 'dot', style: { background: COLORS.blue } }), 'pushes it down')),
    box,
    h('details', { class: 'shap-table' },
      h('summary', null, `All ${contribs.length} contributions as a table`),
      dataTable([
        { label: 'Column', rowHeader: true, render: (c) => c.column },
        { label: 'Input', render: (c) => (c.value === null || c.value === undefined || c.value === '' ? h('span', { class: 'muted' }, 'missing') : String(c.value)) },
        { label: 'SHAP', numeric: true, render: (c) => h('span', { class: c.shap >= 0 ? 'pos' : 'neg' }, `${c.shap > 0 ? '+' : ''}${fmtAuto(c.shap, 4)}`) },
      ], contribs, { testid: 'shap-table', caption: 'SHAP contributions' })));
}
