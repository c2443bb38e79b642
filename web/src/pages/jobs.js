// #/jobs: the AutoML jobs, newest first, 50 a page.
import { h, replace, badge, link, route, fmtNum, fmtSeconds, timeCell } from '../dom.js';
import { list } from '../api.js';
import { pagedTable } from '../table.js';
import { pageHeader } from './common.js';

export async function renderJobs(ctx) {
  ctx.title('AutoML jobs');
  ctx.crumbs(['AutoML jobs']);
  const columns = [
    { label: 'Job', rowHeader: true, render: (j) => link(route('jobs', j.id), j.id, { class: 'mono' }) },
    { label: 'Status', render: (j) => badge(j.status) },
    { label: 'Target', render: (j) => j.target ?? '—' },
    { label: 'Task', render: (j) => j.task ?? '—' },
    { label: 'Metric', render: (j) => j.metric ?? '—' },
    { label: 'Best score', numeric: true, render: (j) => fmtNum(j.best_score) },
    { label: 'Best model', render: (j) => j.best_model ?? '—' },
    { label: 'Training', numeric: true, title: 'Training seconds', render: (j) => fmtSeconds(j.training_seconds) },
    { label: 'Created', render: (j) => timeCell(j.created_at) },
  ];
  const table = pagedTable(columns, (offset, limit, signal) => list('jobs', { offset, limit, signal }), {
    testid: 'jobs-table', caption: 'AutoML jobs', signal: ctx.signal, noun: 'jobs',
    initialOffset: Number(ctx.query.get('offset')) || 0,
    empty: 'No AutoML jobs yet. Run `tabpilot automl` to create one.',
    rowAttrs: (j) => ({ 'data-job': j.id }),
  });
  await table.ready;
  if (!ctx.alive) return;
  replace(ctx.main,
    pageHeader('AutoML jobs', { subtitle: 'Training runs: each searched models for one target and kept a bundle.' }),
    h('section', { class: 'card flush', 'aria-label': 'Jobs' }, table.el));
  ctx.ready('jobs');
}
