// #/pipelines and #/pipelines/{name}: pipelines, then one pipeline's executions.
import { h, replace, link, route, badge, fmtInt, timeCell, duration, fmtSeconds } from '../dom.js';
import { list } from '../api.js';
import { pagedTable } from '../table.js';
import { pageHeader } from './common.js';

export async function renderPipelines(ctx) {
  ctx.title('Pipelines');
  ctx.crumbs(['Pipelines']);
  const columns = [
    { label: 'Pipeline', rowHeader: true, render: (p) => link(route('pipelines', p.name), p.name) },
    { label: 'Executions', numeric: true, render: (p) => fmtInt(p.executions) },
    { label: 'Latest status', render: (p) => (p.latest_status ? badge(p.latest_status) : h('span', { class: 'muted' }, '—')) },
    { label: 'Latest start', render: (p) => timeCell(p.latest_start) },
  ];
  const table = pagedTable(columns, (offset, limit, signal) => list('pipelines', { offset, limit, signal }), {
    testid: 'pipelines-table', caption: 'Pipelines', signal: ctx.signal, noun: 'pipelines',
    initialOffset: Number(ctx.query.get('offset')) || 0, empty: 'No pipelines have run yet.',
  });
  await table.ready;
  if (!ctx.alive) return;
  replace(ctx.main,
    pageHeader('Pipelines', { subtitle: 'Workflow definitions and their executions.' }),
    h('section', { class: 'card flush', 'aria-label': 'Pipelines' }, table.el));
  ctx.ready('pipelines');
}

export function executionColumns({ showPipeline = false } = {}) {
  return [
    { label: 'Execution', rowHeader: true, render: (e) => link(route('executions', e.id), e.id, { class: 'mono' }) },
    showPipeline ? { label: 'Pipeline', render: (e) => link(route('pipelines', e.pipeline_name), e.pipeline_name) } : null,
    { label: 'Status', render: (e) => badge(e.status) },
    { label: 'Started', render: (e) => timeCell(e.start_time) },
    { label: 'Duration', numeric: true, render: (e) => fmtSeconds(duration(e.start_time, e.end_time)) },
    { label: 'Parameters', class: 'col-desc', render: (e) => paramsLine(e.parameters) },
    { label: 'Failure', class: 'col-desc', render: (e) => (e.failure_reason ? h('span', { class: 'fail-text', title: e.failure_reason }, e.failure_reason) : '') },
  ].filter(Boolean);
}

function paramsLine(p) {
  if (!p || typeof p !== 'object') return h('span', { class: 'muted' }, '—');
  const entries = Object.entries(p);
  if (!entries.length) return h('span', { class: 'muted' }, 'defaults');
  return h('span', { class: 'chips' }, entries.slice(0, 4).map(([k, v]) => h('span', { class: 'chip', title: `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}` },
    h('span', { class: 'muted' }, `${k}=`), typeof v === 'object' ? JSON.stringify(v) : String(v))),
  entries.length > 4 ? h('span', { class: 'muted' }, ` +${entries.length - 4}`) : null);
}

export async function renderPipeline(ctx) {
  const { name } = ctx.params;
  ctx.title(`${name} · pipelines`);
  ctx.crumbs([['Pipelines', '#/pipelines'], name]);
  const table = pagedTable(executionColumns(), (offset, limit, signal) => list('executions', { offset, limit, signal, query: { pipeline: name } }), {
    testid: 'executions-table', caption: `Executions of ${name}`, signal: ctx.signal, noun: 'executions',
    initialOffset: Number(ctx.query.get('offset')) || 0, empty: 'This pipeline has no executions.',
  });
  await table.ready;
  if (!ctx.alive) return;
  replace(ctx.main,
    pageHeader(name, { eyebrow: 'Pipeline', subtitle: 'Executions, newest first.' }),
    h('section', { class: 'card flush', 'aria-label': 'Executions' }, table.el));
  ctx.ready('pipeline');
}
