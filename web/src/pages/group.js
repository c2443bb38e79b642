// #/registry/{group}: the group's versions (paginated) and a metric across versions.
import {
  h, replace, link, route, badge, fmtAuto, timeCell, section, emptyNote, errorBox, nextId, statusTone, isNum, spinner,
} from '../dom.js';
import { api, list, enc } from '../api.js';
import { pagedTable } from '../table.js';
import { lazyChart, chartBox, baseOption, valueAxis, tip, COLORS, STATUS_COLORS } from '../charts.js';
import { pageHeader } from './common.js';
import { setQuery } from '../router.js';

const PREFERRED = ['f1', 'auc', 'accuracy', 'balanced_accuracy', 'r2', 'rmse', 'mae', 'logloss'];

export async function renderGroup(ctx) {
  const { group } = ctx.params;
  ctx.title(`${group} · registry`);
  ctx.crumbs([['Model registry', '#/registry'], group]);
  let metricKeys = [];
  const metricCols = [];
  const columns = [
    { label: 'Version', rowHeader: true, render: (v) => link(route('registry', group, v.version), `v${v.version}`, { 'data-testid': 'version-link' }) },
    { label: 'Status', render: (v) => badge(v.status) },
    { label: 'Metrics', class: 'col-metrics', render: (v) => metricChips(v.metrics, metricCols) },
    { label: 'Description', class: 'col-desc', render: (v) => v.description || h('span', { class: 'muted' }, '—') },
    { label: 'Execution', render: (v) => (v.execution_id ? link(route('executions', v.execution_id), short(v.execution_id), { class: 'mono', title: v.execution_id }) : h('span', { class: 'muted' }, '—')) },
    { label: 'Created', render: (v) => timeCell(v.created_at) },
    { label: 'Updated', render: (v) => timeCell(v.updated_at) },
  ];
  const table = pagedTable(columns, async (offset, limit, signal) => {
    const page = await list(`groups/${enc(group)}/versions`, { offset, limit, signal });
    if (!metricKeys.length) {
      const seen = new Set();
      for (const v of page.items) for (const k of Object.keys(v.metrics || {})) seen.add(k);
      metricKeys = [...seen].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      metricCols.push(...metricKeys.slice(0, 4));
    }
    return page;
  }, {
    testid: 'versions-table', caption: `Versions of ${group}`, signal: ctx.signal, noun: 'versions',
    initialOffset: Number(ctx.query.get('offset')) || 0, empty: 'No versions in this group.',
    rowAttrs: (v) => ({ 'data-version': String(v.version) }),
  });
  await table.ready;
  if (!ctx.alive) return;

  const chartHost = h('div');
  let metric = ctx.query.get('metric') || metricKeys[0];
  const selectId = nextId('metric');
  const select = h('select', {
    id: selectId, 'data-testid': 'metric-select',
    onchange: () => {
      metric = select.value;
      setQuery({ metric });
      loadMetric();
    },
  }, metricKeys.map((k) => h('option', { value: k, selected: k === metric }, k)));
  // The chart's box (with a loading note) is on the page at once; the page is
  // ready with its versions table, and the chart draws when its points (and
  // ECharts) have loaded.
  let loads = 0;
  const loadMetric = async () => {
    const mine = ++loads;
    if (!metric) {
      replace(chartHost, emptyNote('The versions carry no metrics.'));
      return;
    }
    const box = chartBox(`${metric} across versions`, { 'data-testid': 'metric-chart' }, 240);
    box.append(spinner(`Loading ${metric} across versions…`));
    replace(chartHost, box, legend());
    try {
      const res = await api(`groups/${enc(group)}/metrics`, { query: { metric }, signal: ctx.signal });
      if (mine !== loads || !ctx.alive) return;
      const pts = (res.points || []).filter((p) => isNum(p.value));
      if (!pts.length) {
        replace(chartHost, emptyNote(`No version has ${metric}.`));
        return;
      }
      lazyChart(box, () => metricOption(res.metric || metric, pts));
    } catch (err) {
      if (mine === loads && !ctx.signal.aborted) replace(chartHost, errorBox(err));
    }
  };

  loadMetric(); // the request goes out now, while the page is built
  replace(ctx.main,
    pageHeader(group, { eyebrow: 'Model package group' }),
    section('Metric across versions', { 'data-testid': 'metric-section' },
      metricKeys.length ? h('div', { class: 'toolbar' }, h('label', { for: selectId }, 'Metric'), select) : null,
      chartHost),
    h('section', { class: 'card flush', 'aria-label': 'Versions' }, h('h2', { class: 'card-title pad' }, 'Versions'), table.el));
  ctx.ready('group');
}

function rank(k) {
  const i = PREFERRED.indexOf(k);
  return i < 0 ? PREFERRED.length : i;
}

function short(id) {
  const s = String(id);
  return s.length > 14 ? `${s.slice(0, 13)}…` : s;
}

function metricChips(metrics, keys) {
  if (!metrics || !keys.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, keys.filter((k) => metrics[k] !== undefined).map((k) => {
    const v = metrics[k];
    const val = v && typeof v === 'object' && 'value' in v ? v.value : v;
    return h('span', { class: 'chip' }, h('span', { class: 'muted' }, `${k} `), fmtAuto(val, 4));
  }));
}

function legend() {
  return h('p', { class: 'legend' }, ['Approved', 'PendingManualApproval', 'Rejected'].map((s) => h('span', { class: 'legend-item' },
    h('span', { class: 'dot', style: { background: STATUS_COLORS[statusTone(s)] } }), s === 'PendingManualApproval' ? 'Pending' : s)));
}

function metricOption(metric, pts) {
  const many = pts.length > 300;
  return baseOption({
    grid: { left: 12, right: 20, top: 16, bottom: 40, containLabel: true },
    tooltip: {
      ...baseOption().tooltip, trigger: 'item',
      formatter: (p) => {
        const pt = pts[p.dataIndex];
        return tip(`Version ${pt.version}`, [[metric, pt.value], ['status', pt.status, STATUS_COLORS[statusTone(pt.status)]]]);
      },
    },
    xAxis: valueAxis('version', { minInterval: 1, min: 'dataMin', max: 'dataMax', axisLabel: { color: COLORS.axis, formatter: (v) => `v${v}` } }),
    yAxis: valueAxis('', { scale: true }),
    series: [{
      type: 'line', name: metric, showSymbol: !many, symbolSize: 7,
      lineStyle: { color: '#9aa5b1', width: 1.5 },
      data: pts.map((p) => ({ value: [Number(p.version), p.value], itemStyle: { color: STATUS_COLORS[statusTone(p.status)] } })),
    }],
  });
}
