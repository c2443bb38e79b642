// The Model quality tab: metrics, confusion matrix, ROC / PR curves and the
// decision-threshold slider (from threshold_curve, when the report has one).
import { h, replace, fmtNum, fmtInt, fmtPct, isNum, emptyNote, nextId, section } from './dom.js';
import { lazyChart, chartBox, baseOption, valueAxis, tip, COLORS, truncate } from './charts.js';
import { dataTable } from './table.js';

const KINDS = [
  ['binary_classification_metrics', 'binary'],
  ['multiclass_classification_metrics', 'multiclass'],
  ['regression_metrics', 'regression'],
];
const CURVE_KEYS = new Set(['confusion_matrix', 'receiver_operating_characteristic_curve', 'precision_recall_curve', 'threshold_curve', 'threshold', 'positive_label']);

function nonEmpty(o) {
  return o && typeof o === 'object' && Object.keys(o).length > 0;
}

function kindOf(report) {
  for (const [key, kind] of KINDS) if (report && report[key]) return { key, kind, metrics: report[key] };
  return null;
}

export function renderQuality(panel, version) {
  const test = nonEmpty(version.evaluation_report) ? version.evaluation_report : null;
  const oof = version.reports && nonEmpty(version.reports.model_quality) ? version.reports.model_quality : null;
  const sources = [];
  if (test) sources.push({ id: 'test', label: 'Test split (evaluate step)', report: test });
  if (oof) sources.push({ id: 'oof', label: 'Out-of-fold (training)', report: oof });
  if (!sources.length) {
    replace(panel, emptyNote('No model-quality report: the bundle has none and no evaluate step attached one.'));
    return;
  }
  const body = h('div', { class: 'quality-body' });
  const show = (src) => replace(body, reportView(src, version));
  let switcher = null;
  if (sources.length > 1) {
    const name = nextId('src');
    switcher = h('fieldset', { class: 'segmented', 'data-testid': 'quality-source' },
      h('legend', null, 'Evaluation data'),
      sources.map((s, i) => {
        const id = `${name}-${s.id}`;
        return h('span', { class: 'seg' },
          h('input', { type: 'radio', name, id, value: s.id, checked: i === 0, 'data-testid': `quality-source-${s.id}`, onchange: () => show(s) }),
          h('label', { for: id }, s.label));
      }));
  }
  replace(panel, switcher, body);
  show(sources[0]);
}

function reportView(src, version) {
  const r = src.report;
  const k = kindOf(r);
  const which = src.id === 'test'
    ? 'Shown: the evaluate step\'s report on the held-out test split.'
    : 'Shown: the bundle\'s out-of-fold report (each training row predicted by a model that did not see it); no test-split evaluation is attached.';
  const about = h('p', { class: 'callout callout-info', 'data-testid': 'quality-shown' }, which,
    r.data ? ` Data: ${r.data}.` : '', r.dataset && isNum(r.dataset.item_count) ? ` ${fmtInt(r.dataset.item_count)} rows.` : '');
  if (!k) return h('div', null, about, emptyNote('The report has no metrics this page knows how to show.'));
  const m = k.metrics;
  const parts = [about];
  const metricsTable = metricsTableOf(m);
  if (k.kind === 'binary') {
    const cm = m.confusion_matrix ? confusionSection(m.confusion_matrix, version) : null;
    parts.push(h('div', { class: 'grid-2' }, section('Metrics', { 'data-testid': 'metrics' }, metricsTable), cm || h('div')));
    parts.push(binaryCurves(m));
  } else if (k.kind === 'multiclass') {
    parts.push(section('Metrics', { 'data-testid': 'metrics' }, metricsTable));
    if (m.confusion_matrix) parts.push(confusionSection(m.confusion_matrix, version));
  } else {
    parts.push(section('Metrics', { 'data-testid': 'metrics' }, metricsTable));
  }
  return h('div', { class: 'stack' }, parts);
}

function metricValue(v) {
  if (isNum(v)) return { value: v };
  if (v && typeof v === 'object' && isNum(v.value)) return v;
  return null;
}

function metricsTableOf(m) {
  const rows = [];
  for (const [name, v] of Object.entries(m)) {
    if (CURVE_KEYS.has(name)) continue;
    const mv = metricValue(v);
    if (mv) rows.push({ name, ...mv });
  }
  const main = rows.filter((r) => !r.name.endsWith('_best_constant_classifier'));
  const baseline = new Map(rows.filter((r) => r.name.endsWith('_best_constant_classifier')).map((r) => [r.name.replace('_best_constant_classifier', ''), r.value]));
  if (isNum(m.threshold)) main.push({ name: 'decision threshold', value: m.threshold });
  return dataTable([
    { label: 'Metric', rowHeader: true, render: (r) => r.name.replace(/_/g, ' ') },
    { label: 'Value', numeric: true, render: (r) => fmtNum(r.value, 4) },
    main.some((r) => isNum(r.standard_deviation))
      ? { label: '± std', numeric: true, title: 'Standard deviation (bootstrap / across folds)', render: (r) => (isNum(r.standard_deviation) ? fmtNum(r.standard_deviation, 4) : '') } : null,
    main.some((r) => baseline.has(r.name))
      ? { label: 'Constant baseline', numeric: true, title: 'The same metric for the best constant classifier', render: (r) => (baseline.has(r.name) ? fmtNum(baseline.get(r.name), 4) : '') } : null,
  ], main, { testid: 'metrics-table', caption: 'Metrics', className: 'compact' });
}

function confusionSection(cm, version) {
  let labels = Object.keys(cm);
  const predicted = new Set();
  for (const row of Object.values(cm)) for (const p of Object.keys(row || {})) predicted.add(p);
  for (const p of predicted) if (!labels.includes(p)) labels.push(p);
  const order = version.problem && Array.isArray(version.problem.class_labels) ? version.problem.class_labels.map(String) : [];
  if (order.length) labels = [...order.filter((l) => labels.includes(l)), ...labels.filter((l) => !order.includes(l))];
  const n = labels.length;
  let max = 0;
  const rowTotals = labels.map((a) => labels.reduce((s, p) => s + ((cm[a] && cm[a][p]) || 0), 0));
  for (const a of labels) for (const p of labels) max = Math.max(max, (cm[a] && cm[a][p]) || 0);
  // An HTML heatmap: exact counts as text, cells shaded by their share of the actual class.
  const shade = (f) => {
    const a = Math.max(0, Math.min(1, f));
    return `rgba(37, 99, 201, ${(0.06 + a * 0.84).toFixed(3)})`;
  };
  const table = h('table', { class: 'confusion', 'data-testid': 'confusion-matrix' },
    h('caption', { class: 'sr-only' }, 'Confusion matrix: actual classes in rows, predicted classes in columns'),
    h('thead', null,
      h('tr', null, h('td', { class: 'cm-corner' }), h('th', { scope: 'colgroup', colspan: String(n), class: 'cm-axis' }, 'Predicted')),
      h('tr', null, h('th', { scope: 'col', class: 'cm-axis-y' }, 'Actual'), labels.map((p) => h('th', { scope: 'col', title: p }, truncate(p, 16))))),
    h('tbody', null, labels.map((a, yi) => h('tr', null,
      h('th', { scope: 'row', title: a }, truncate(a, 18)),
      labels.map((p) => {
        const c = (cm[a] && cm[a][p]) || 0;
        const f = rowTotals[yi] ? c / rowTotals[yi] : 0;
        return h('td', {
          class: ['cm-cell', a === p && 'cm-diag', f > 0.55 && 'cm-dark'],
          style: { background: shade(max ? f : 0) },
          title: `actual ${a}, predicted ${p}: ${fmtInt(c)} rows (${fmtPct(f)} of actual ${a})`,
        }, h('span', { class: 'cm-count' }, fmtInt(c)), h('span', { class: 'cm-pct' }, fmtPct(f)));
      })))));
  const box = h('div', { class: 'table-wrap' }, table,
    h('p', { class: 'hint' }, 'Rows: actual class; columns: predicted. Shading and percentages are shares of each actual class (recall on the diagonal).'));
  return section('Confusion matrix', { 'data-testid': 'confusion-section' }, box);
}

function nearestIndex(arr, x) {
  let best = 0;
  for (let i = 1; i < arr.length; i += 1) if (Math.abs(arr[i] - x) < Math.abs(arr[best] - x)) best = i;
  return best;
}

function validCurve(tc) {
  if (!tc || !Array.isArray(tc.thresholds) || tc.thresholds.length < 2) return false;
  const n = tc.thresholds.length;
  return ['precisions', 'recalls', 'f1s'].every((k) => Array.isArray(tc[k]) && tc[k].length === n);
}

function binaryCurves(m) {
  const roc = m.receiver_operating_characteristic_curve;
  const pr = m.precision_recall_curve;
  const tc = validCurve(m.threshold_curve) ? m.threshold_curve : null;
  const auc = metricValue(m.auc);
  const positiveRate = metricValue(m.precision_best_constant_classifier);
  const charts = {};
  const wrap = h('div', { class: 'stack' });

  // --- threshold slider ---
  let marker = null;
  if (tc) {
    const n = tc.thresholds.length;
    const id = nextId('thr');
    const decision = isNum(m.threshold) ? m.threshold : 0.5;
    const start = nearestIndex(tc.thresholds, decision);
    const slider = h('input', {
      id, type: 'range', min: '0', max: String(n - 1), step: '1', value: String(start),
      'data-testid': 'threshold-slider', class: 'slider',
    });
    const thrOut = h('output', { for: id, class: 'thr-value', 'data-testid': 'threshold-value' });
    const read = (label, key, testid) => {
      const dd = h('dd', { 'data-testid': testid });
      return [h('div', { class: 'readout' }, h('dt', null, label), dd), dd, key];
    };
    const readouts = [
      read('Precision', 'precisions', 'threshold-precision'),
      read('Recall', 'recalls', 'threshold-recall'),
      read('F1', 'f1s', 'threshold-f1'),
      read('False positive rate', 'false_positive_rates', 'threshold-fpr'),
    ].filter(([, , key]) => Array.isArray(tc[key]));
    const resetBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: () => { slider.value = String(start); update(); } }, `Reset to the model's ${fmtNum(decision, 3)}`);
    let raf = 0;
    const update = () => {
      const i = Number(slider.value);
      const t = tc.thresholds[i];
      thrOut.textContent = fmtNum(t, 3);
      slider.setAttribute('aria-valuetext', `threshold ${fmtNum(t, 3)}`);
      for (const [, dd, key] of readouts) dd.textContent = fmtNum(tc[key][i], 4);
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => moveMarkers(i));
    };
    slider.addEventListener('input', update);
    slider.addEventListener('change', update);
    marker = { get: () => Number(slider.value) };
    const moveMarkers = (i) => {
      if (charts.roc && Array.isArray(tc.false_positive_rates)) charts.roc.update({ series: [{ id: 'mark', data: [[tc.false_positive_rates[i], tc.recalls[i]]] }] });
      if (charts.pr) charts.pr.update({ series: [{ id: 'mark', data: [[tc.recalls[i], tc.precisions[i]]] }] });
      if (charts.thr) charts.thr.update({ series: [{ id: 't', data: [[tc.thresholds[i], 0], [tc.thresholds[i], 1]] }] });
    };
    wrap.append(section('Decision threshold', { 'data-testid': 'threshold-section' },
      h('p', { class: 'hint' }, `Rows whose ${m.positive_label !== undefined ? `probability of ${m.positive_label}` : 'positive-class probability'} is at or above the threshold are predicted positive. The model uses ${fmtNum(decision, 3)}.`),
      h('div', { class: 'threshold' },
        h('div', { class: 'slider-row' },
          h('label', { for: id }, 'Decision threshold'),
          slider, thrOut, resetBtn),
        h('dl', { class: 'readouts', 'data-testid': 'threshold-readouts' }, readouts.map(([el]) => el)))));
    update();
  } else {
    wrap.append(h('p', { class: 'callout callout-info', 'data-testid': 'threshold-missing' },
      `This report has no threshold curve, so the threshold cannot be explored here; the metrics above are at the model's decision threshold${isNum(m.threshold) ? ` (${fmtNum(m.threshold, 3)})` : ''}.`));
  }

  const markerSeries = (point) => ({
    id: 'mark', type: 'line', name: 'threshold', showSymbol: true, symbol: 'circle', symbolSize: 11, z: 10, lineStyle: { width: 0 },
    itemStyle: { color: COLORS.orange, borderColor: '#fff', borderWidth: 2 },
    data: point ? [point] : [],
    tooltip: { formatter: (p) => tip('At the chosen threshold', [['x', fmtNum(p.data[0], 3)], ['y', fmtNum(p.data[1], 3)]]) },
  });
  const grid = h('div', { class: 'grid-3' });
  const i0 = marker ? marker.get() : null;
  if (roc && Array.isArray(roc.false_positive_rates)) {
    const box = chartBox('ROC curve', { 'data-testid': 'roc-chart' }, 280);
    const pts = roc.false_positive_rates.map((x, i) => [x, roc.true_positive_rates[i]]);
    charts.roc = lazyChart(box, () => curveOption(pts, 'false positive rate', 'true positive rate', COLORS.blue,
      [[0, 0], [1, 1]], tc && i0 !== null && tc.false_positive_rates ? markerSeries([tc.false_positive_rates[marker.get()], tc.recalls[marker.get()]]) : markerSeries(null)));
    grid.append(section(`ROC curve${auc ? ` · AUC ${fmtNum(auc.value, 4)}` : ''}`, { 'data-testid': 'roc-section' }, box));
  }
  if (pr && Array.isArray(pr.recalls)) {
    const box = chartBox('Precision-recall curve', { 'data-testid': 'pr-chart' }, 280);
    const pts = pr.recalls.map((x, i) => [x, pr.precisions[i]]);
    const base = positiveRate ? [[0, positiveRate.value], [1, positiveRate.value]] : null;
    charts.pr = lazyChart(box, () => curveOption(pts, 'recall', 'precision', COLORS.teal, base,
      markerSeries(tc && i0 !== null ? [tc.recalls[marker.get()], tc.precisions[marker.get()]] : null)));
    grid.append(section('Precision-recall curve', { 'data-testid': 'pr-section' }, box));
  }
  if (tc) {
    const box = chartBox('Precision, recall and F1 by threshold', { 'data-testid': 'threshold-chart' }, 280);
    charts.thr = lazyChart(box, () => thresholdOption(tc, tc.thresholds[marker.get()]));
    grid.append(section('Metrics by threshold', { 'data-testid': 'threshold-chart-section' }, box,
      h('p', { class: 'legend' }, [['precision', COLORS.teal], ['recall', COLORS.blue], ['F1', COLORS.purple], ['chosen threshold', COLORS.orange]].map(([name, color]) => h('span', { class: 'legend-item' },
        h('span', { class: 'dot', style: { background: color } }), name)))));
  }
  if (grid.children.length) wrap.append(grid);
  return wrap;
}

function curveOption(points, xName, yName, color, reference, marker) {
  const series = [{
    type: 'line', name: yName, data: points, showSymbol: false, lineStyle: { color, width: 2 }, itemStyle: { color },
    areaStyle: { color, opacity: 0.06 }, tooltip: { show: false },
  }];
  if (reference) {
    series.push({ type: 'line', name: 'baseline', data: reference, showSymbol: false, silent: true, lineStyle: { color: COLORS.grey, type: 'dashed', width: 1 } });
  }
  series.push(marker);
  return baseOption({
    grid: { left: 26, right: 16, top: 12, bottom: 36, containLabel: true },
    tooltip: { ...baseOption().tooltip, trigger: 'item' },
    xAxis: valueAxis(xName, { min: 0, max: 1 }),
    yAxis: valueAxis(yName, { min: 0, max: 1, nameGap: 30 }),
    series,
  });
}

function thresholdOption(tc, t) {
  const line = (id, name, key, color) => ({
    id, type: 'line', name, showSymbol: false, lineStyle: { color, width: 2 }, itemStyle: { color },
    data: tc.thresholds.map((x, i) => [x, tc[key][i]]),
  });
  const series = [
    line('p', 'precision', 'precisions', COLORS.teal),
    line('r', 'recall', 'recalls', COLORS.blue),
    line('f', 'F1', 'f1s', COLORS.purple),
    {
      id: 't', type: 'line', name: 'chosen threshold', showSymbol: false, silent: true, tooltip: { show: false },
      lineStyle: { color: COLORS.orange, width: 1.5 }, data: [[t, 0], [t, 1]],
    },
  ];
  return baseOption({
    grid: { left: 8, right: 16, top: 12, bottom: 36, containLabel: true },
    tooltip: {
      ...baseOption().tooltip, trigger: 'axis',
      formatter: (ps) => {
        const list = (Array.isArray(ps) ? ps : [ps]).filter((p) => p.seriesId !== 't');
        return tip(`threshold ${fmtNum(list[0].data[0], 3)}`, list.map((p) => [p.seriesName, fmtNum(p.data[1], 4), p.color]));
      },
    },
    xAxis: valueAxis('threshold', { min: 0, max: 1 }),
    yAxis: valueAxis('', { min: 0, max: 1 }),
    series,
  });
}
