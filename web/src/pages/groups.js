// #/registry: model package groups, by name.
import { h, replace, link, route, badge, fmtInt, timeCell } from '../dom.js';
import { list } from '../api.js';
import { pagedTable } from '../table.js';
import { pageHeader } from './common.js';

export async function renderGroups(ctx) {
  ctx.title('Model registry');
  ctx.crumbs(['Model registry']);
  const columns = [
    { label: 'Group', rowHeader: true, render: (g) => link(route('registry', g.name), g.name) },
    { label: 'Description', class: 'col-desc', render: (g) => g.description || h('span', { class: 'muted' }, '—') },
    { label: 'Versions', numeric: true, render: (g) => fmtInt(g.version_count) },
    {
      label: 'Latest', numeric: true,
      render: (g) => (g.latest_version != null ? link(route('registry', g.name, g.latest_version), `v${g.latest_version}`) : '—'),
    },
    {
      label: 'Latest approved', numeric: true,
      render: (g) => (g.latest_approved != null
        ? h('span', { class: 'approved-cell' }, link(route('registry', g.name, g.latest_approved), `v${g.latest_approved}`), ' ', badge('Approved'))
        : h('span', { class: 'muted' }, 'none')),
    },
    { label: 'Created', render: (g) => timeCell(g.created_at) },
  ];
  const table = pagedTable(columns, (offset, limit, signal) => list('groups', { offset, limit, signal }), {
    testid: 'groups-table', caption: 'Model package groups', signal: ctx.signal, noun: 'groups',
    initialOffset: Number(ctx.query.get('offset')) || 0,
    empty: 'No model package groups. Register a model with `tabpilot registry register`.',
  });
  await table.ready;
  if (!ctx.alive) return;
  replace(ctx.main,
    pageHeader('Model registry', { subtitle: 'Model package groups: versioned models with an approval status.' }),
    h('section', { class: 'card flush', 'aria-label': 'Groups' }, table.el));
  ctx.ready('groups');
}
