// #/jobs/{id}: summary, leaderboard, ensemble and data report of one AutoML job.
import {
  h, replace, kv, section, badge, link, route, fmtNum, fmtInt, fmtPct, fmtSeconds, fmtMicros, timeCell, meter,
  emptyNote, isNum,
} from '../dom.js';
import { api, enc } from '../api.js';
import { lazyChart, chartBox, hbarOption, COLORS } from '../charts.js';
import { dataTable } from '../table.js';
import { pageHeader, leaderboardTable } from './common.js';

export async function renderJob(ctx) {
  const { id } = ctx.params;
  ctx.title(`Job ${id}`);
  ctx.crumbs([['AutoML jobs', '#/jobs'], id]);
  const job = await api(`jobs/${enc(id)}`, { signal: ctx.signal });
  if (!ctx.alive) return;

  const summary = section('Summary', { 'data-testid': 'job-summary' }, kv([
    ['Status', badge(job.status, { 'data-testid': 'status-badge' })],
    ['Target', job.target],
    ['Task', job.task],
    ['Metric', job.metric],
    ['Best model', job.best_model],
    ['Best score', fmtNum(job.best_score)],
    ['Rows × columns', `${fmtInt(job.rows)} × ${fmtInt(job.columns)}`],
    ['Time limit', fmtSeconds(job.time_limit_seconds)],
    ['Training time', fmtSeconds(job.training_seconds)],
    ['Predict / row', fmtMicros(job.predict_us_per_row)],
    ['Created', timeCell(job.created_at)],
    ['Ended', timeCell(job.ended_at)],
    ['Data', job.data_path ? h('code', { class: 'path', title: job.data_path }, job.data_path) : null],
    ['Model bundle', job.model_dir ? h('code', { class: 'path', title: job.model_dir }, job.model_dir) : null],
    ['Pipeline execution', job.execution_id
      ? h('span', null, link(route('executions', job.execution_id), job.execution_id, { class: 'mono' }), job.step_name ? ` · step ${job.step_name}` : '')
      : null],
  ]));

  const failure = job.failure_reason
    ? h('div', { class: 'callout callout-bad', role: 'alert', 'data-testid': 'failure-reason' }, h('strong', null, 'Failed: '), job.failure_reason)
    : null;

  const lb = Array.isArray(job.leaderboard) ? job.leaderboard : [];
  const leaderboard = section(`Leaderboard (${lb.length} models)`, { 'data-testid': 'leaderboard' },
    h('p', { class: 'hint' }, 'Validation scores of every model tried, best first. Click a column header to sort; click again to reverse.'),
    lb.length ? leaderboardTable(lb, { metric: job.metric }) : emptyNote('No leaderboard: the job has not finished a model yet.'));

  const ensemble = ensembleSection(job.ensemble, lb);
  const data = dataReportSection(job.data_report);

  replace(ctx.main,
    pageHeader(`Job ${id}`, { eyebrow: 'AutoML job', status: job.status, statusAttrs: { 'data-testid': 'job-status' }, subtitle: jobSubtitle(job) }),
    failure,
    h('div', { class: 'grid-2' }, summary, ensemble),
    leaderboard,
    data);
  ctx.ready('job');
}

function jobSubtitle(j) {
  const parts = [];
  if (j.task) parts.push(`${j.task} on ${j.target ?? '?'}`);
  if (j.metric) parts.push(`optimising ${j.metric}`);
  if (isNum(j.best_score)) parts.push(`best ${fmtNum(j.best_score)} (${j.best_model ?? '—'})`);
  return parts.join(' · ');
}

function ensembleSection(ensemble, lb) {
  let members = Array.isArray(ensemble) ? ensemble.filter((m) => isNum(m.weight) && m.weight > 0) : [];
  if (!members.length) {
    members = lb.filter((r) => r.model !== 'WeightedEnsemble' && isNum(r.ensemble_weight) && r.ensemble_weight > 0)
      .map((r) => ({ model: r.model, weight: r.ensemble_weight }));
  }
  members.sort((a, b) => b.weight - a.weight);
  if (!members.length) return section('Ensemble', { 'data-testid': 'ensemble' }, emptyNote('No weighted ensemble.'));
  const byModel = new Map(lb.map((r) => [r.model, r]));
  const chart = chartBox('Ensemble weights by member', { 'data-testid': 'ensemble-chart' }, Math.max(110, members.length * 30 + 40));
  lazyChart(chart, () => hbarOption(members.map((m) => ({
    name: m.model, value: m.weight, color: COLORS.teal,
    extra: [['family', byModel.get(m.model)?.family ?? '—'], ['score', fmtNum(byModel.get(m.model)?.score_val)]],
  })), { valueName: 'weight', digits: 3 }));
  const table = dataTable([
    { label: 'Member', rowHeader: true, render: (m) => m.model },
    { label: 'Family', render: (m) => byModel.get(m.model)?.family ?? '—' },
    { label: 'Score', numeric: true, render: (m) => fmtNum(byModel.get(m.model)?.score_val) },
    { label: 'Weight', numeric: true, render: (m) => fmtNum(m.weight, 3) },
  ], members, { testid: 'ensemble-table', caption: 'Ensemble members' });
  return section('Ensemble', { 'data-testid': 'ensemble' }, chart, table);
}

function dataReportSection(report) {
  if (!report || !Array.isArray(report.columns)) {
    return section('Data report', { 'data-testid': 'data-report' }, emptyNote('The bundle has no data report.'));
  }
  const warnings = Array.isArray(report.warnings) ? report.warnings : [];
  const colWarnings = report.columns.flatMap((c) => (c.warnings || []).map((w) => `${c.name}: ${w}`));
  const allWarnings = [...warnings, ...colWarnings];
  const warnBox = allWarnings.length
    ? h('div', { class: 'callout callout-warn', 'data-testid': 'data-warnings', role: 'note' },
      h('strong', null, `${allWarnings.length} data warning${allWarnings.length > 1 ? 's' : ''}`),
      h('ul', null, allWarnings.map((w) => h('li', null, w))))
    : h('p', { class: 'callout callout-ok', 'data-testid': 'data-warnings' }, 'No data warnings.');

  const target = report.target || {};
  let targetNode;
  if (Array.isArray(target.classes) && target.classes.length) {
    const maxF = Math.max(...target.classes.map((c) => c.fraction || 0));
    targetNode = dataTable([
      { label: 'Class', rowHeader: true, render: (c) => String(c.label) },
      { label: 'Rows', numeric: true, render: (c) => fmtInt(c.count) },
      { label: 'Share', class: 'col-bar', render: (c) => h('span', { class: 'bar-cell' }, meter(maxF ? c.fraction / maxF : 0, 'meter-teal'), fmtPct(c.fraction)) },
    ], target.classes, { testid: 'target-balance', caption: 'Target classes' });
  } else if (target.summary) {
    targetNode = h('div', { 'data-testid': 'target-balance' }, summaryLine(target.summary));
  } else {
    targetNode = emptyNote('No target summary.');
  }

  const columnsTable = dataTable([
    { label: 'Column', rowHeader: true, render: (c) => h('span', { class: 'mono' }, c.name) },
    { label: 'Type', render: (c) => h('span', { class: `type type-${c.type}` }, c.type ?? '—') },
    {
      label: 'Missing', class: 'col-bar', render: (c) => h('span', { class: 'bar-cell' },
        meter(c.missing_fraction, c.missing_fraction > 0.2 ? 'meter-warn' : 'meter-grey'), fmtPct(c.missing_fraction)),
    },
    { label: 'Distinct', numeric: true, render: (c) => fmtInt(c.distinct) },
    { label: 'Used', render: (c) => (c.used === false ? h('span', { class: 'tag tag-off' }, 'dropped') : h('span', { class: 'tag tag-on' }, 'used')) },
    { label: 'Summary', class: 'col-summary', render: (c) => (c.summary ? summaryLine(c.summary, report.rows) : '—') },
    report.columns.some((c) => isNum(c.alone_accuracy))
      ? { label: 'Alone', numeric: true, title: 'Accuracy of a model using this column alone', render: (c) => fmtNum(c.alone_accuracy, 3) } : null,
    {
      label: 'Warnings', render: (c) => (c.warnings && c.warnings.length
        ? h('ul', { class: 'cell-warnings' }, c.warnings.map((w) => h('li', null, w))) : h('span', { class: 'muted' }, '—')),
    },
  ], report.columns, {
    testid: 'data-columns-table', caption: 'Columns',
    rowAttrs: (c) => ({ class: c.warnings && c.warnings.length ? 'row-warn' : (c.used === false ? 'row-muted' : null), 'data-column': c.name }),
  });

  return section('Data report', { 'data-testid': 'data-report' },
    h('p', { class: 'hint' }, `${fmtInt(report.rows)} rows · ${report.columns.length} columns · target ${target.name ?? '—'} (${target.task ?? '—'})`),
    warnBox,
    h('div', { class: 'grid-data' },
      h('div', null, h('h3', null, 'Target balance'), targetNode),
      h('div', null, h('h3', null, 'Columns'), columnsTable)));
}

// 3 significant digits, thousands with k/M: dense enough for a table cell.
function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3).replace(/\.?0+$/, '')}M`;
  if (a >= 1e4) return `${(v / 1e3).toPrecision(3).replace(/\.?0+$/, '')}k`;
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

function summaryLine(s, rows) {
  if (typeof s !== 'object' || s === null) return String(s);
  if (Array.isArray(s.top_values)) {
    const top = s.top_values.slice(0, 3).map((t) => h('span', { class: 'sum-part' }, h('span', { class: 'cat' }, String(t.value)), ' ',
      h('span', { class: 'muted' }, isNum(rows) && rows > 0 ? fmtPct(t.count / rows, 0) : fmtInt(t.count))));
    const more = s.top_values.length - 3 + (s.other_count > 0 ? 1 : 0);
    return h('span', { class: 'summary', title: s.top_values.map((t) => `${t.value}: ${t.count}`).join('\n') }, top, more > 0 ? h('span', { class: 'muted' }, '…') : null);
  }
  const keys = ['min', 'p25', 'median', 'p75', 'max', 'mean', 'std'];
  const parts = keys.filter((k) => isNum(s[k])).map((k) => h('span', { class: 'sum-part' }, h('span', { class: 'muted' }, `${k} `), compact(s[k])));
  if (!parts.length) {
    return h('span', { class: 'summary' }, Object.entries(s).slice(0, 6).map(([k, v]) => h('span', { class: 'sum-part' }, h('span', { class: 'muted' }, `${k} `), typeof v === 'object' ? JSON.stringify(v) : fmtNum(v))));
  }
  return h('span', { class: 'summary', title: keys.concat(['p05', 'p95']).filter((k) => isNum(s[k])).map((k) => `${k}: ${fmtNum(s[k])}`).join('\n') }, parts);
}
