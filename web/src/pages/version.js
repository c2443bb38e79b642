// #/registry/{group}/{version}?tab=quality|explain|details|try
import {
  h, replace, kv, section, badge, link, route, fmtNum, fmtAuto, timeCell, emptyNote, errorBox, nextId, toast, isNum,
} from '../dom.js';
import { api, enc } from '../api.js';
import { dataTable } from '../table.js';
import { setQuery } from '../router.js';
import { tabs, leaderboardTable, objectTable, hashNode, valueNode } from './common.js';
import { renderQuality } from '../quality.js';
import { renderExplain } from '../explain.js';
import { tryItForm } from '../tryit.js';

const TABS = ['quality', 'explain', 'details', 'try'];

export async function renderVersion(ctx) {
  const { group, version } = ctx.params;
  const base = `groups/${enc(group)}/versions/${enc(version)}`;
  ctx.title(`${group} v${version}`);
  ctx.crumbs([['Model registry', '#/registry'], [group, route('registry', group)], `Version ${version}`]);
  let v = await api(base, { signal: ctx.signal });
  if (!ctx.alive) return;

  const statusHost = h('span', { class: 'status-host' });
  const setStatus = () => replace(statusHost, badge(v.status, { 'data-testid': 'status-badge' }));
  setStatus();

  // Details tab content that must follow status changes.
  const auditHost = h('div', { 'data-testid': 'audit' });
  const renderAudit = () => replace(auditHost, auditTable(v.audit || []));
  renderAudit();
  const updatedHost = h('span');
  const renderUpdated = () => replace(updatedHost, timeCell(v.updated_at));
  renderUpdated();

  const header = h('header', { class: 'page-header' },
    h('div', { class: 'page-title' },
      h('p', { class: 'eyebrow' }, 'Model version'),
      h('div', { class: 'title-row' }, h('h1', { 'data-testid': 'page-heading' }, `${group} · v${v.version ?? version}`), statusHost),
      h('p', { class: 'subtitle' }, v.description || problemLine(v.problem))),
    h('div', { class: 'page-actions' }, h('a', { class: 'btn', href: route('registry', group) }, 'All versions')));

  const metricsStrip = metricsSummary(v.metrics);
  const facts = kv([
    ['Task', v.problem ? `${v.problem.task ?? '—'} · target ${v.problem.target ?? '—'}` : null],
    ['Positive label', v.problem && v.problem.positive_label != null ? String(v.problem.positive_label) : undefined],
    ['Decision threshold', v.problem && isNum(v.problem.threshold) ? fmtNum(v.problem.threshold, 4) : undefined],
    ['Created', timeCell(v.created_at)],
    ['Updated', updatedHost],
    ['Execution', v.execution_id ? link(route('executions', v.execution_id), v.execution_id, { class: 'mono' }) : null],
  ], { class: 'kv kv-inline' });

  const approval = approvalPanel(ctx, base, () => v, (nv) => {
    v = { ...v, ...nv };
    setStatus();
    renderAudit();
    renderUpdated();
  });

  const t = tabs([
    { id: 'quality', label: 'Model quality', render: (p) => renderQuality(p, v) },
    { id: 'explain', label: 'Explainability', render: (p) => renderExplain(p, v, base) },
    { id: 'details', label: 'Details', render: (p) => renderDetails(p, v, auditHost) },
    { id: 'try', label: 'Try it', render: (p) => renderTry(p, v, base) },
  ], {
    active: TABS.includes(ctx.query.get('tab')) ? ctx.query.get('tab') : 'quality',
    label: 'Version sections',
    onChange: (id) => setQuery({ tab: id === 'quality' ? null : id }),
  });

  replace(ctx.main, header,
    h('div', { class: 'grid-overview' },
      section('Overview', { 'data-testid': 'version-overview' }, metricsStrip, facts),
      approval),
    t.el);
  t.start();
  ctx.ready('version');
}

function problemLine(p) {
  if (!p) return '';
  return `${p.task ?? ''} model of ${p.target ?? '?'}${Array.isArray(p.class_labels) && p.class_labels.length ? ` · classes ${p.class_labels.join(', ')}` : ''}`;
}

function metricsSummary(metrics) {
  const entries = Object.entries(metrics || {}).filter(([, x]) => isNum(x) || (x && isNum(x.value)));
  if (!entries.length) return null;
  return h('div', { class: 'metric-tiles', 'data-testid': 'version-metrics' }, entries.slice(0, 6).map(([k, x]) => h('div', { class: 'metric-tile' },
    h('span', { class: 'metric-name' }, k), h('span', { class: 'metric-value' }, fmtAuto(isNum(x) ? x : x.value, 4)))));
}

function approvalPanel(ctx, base, getVersion, onUpdated) {
  const id = nextId('comment');
  const comment = h('textarea', { id, rows: '3', 'data-testid': 'status-comment', placeholder: 'Why approve or reject? Kept in the audit trail.' });
  const msg = h('div', { 'aria-live': 'polite', class: 'approval-msg' });
  const buttons = [];
  const setDisabled = () => {
    const s = getVersion().status;
    for (const b of buttons) b.disabled = b.dataset.status === s;
  };
  const act = async (status, btn) => {
    for (const b of buttons) b.disabled = true;
    replace(msg);
    try {
      const res = await api(`${base}/status`, { method: 'POST', body: { status, comment: comment.value } });
      onUpdated(res || { status });
      comment.value = '';
      toast(`Version ${getVersion().version ?? ''} is now ${status === 'PendingManualApproval' ? 'pending approval' : status.toLowerCase()}.`);
    } catch (err) {
      replace(msg, errorBox(err));
    } finally {
      setDisabled();
      if (btn.disabled) comment.focus();
    }
  };
  const mk = (status, label, cls, testid) => {
    const b = h('button', { type: 'button', class: `btn ${cls}`, 'data-status': status, 'data-testid': testid, onclick: () => act(status, b) }, label);
    buttons.push(b);
    return b;
  };
  const panel = section('Approval', { 'data-testid': 'approval' },
    h('label', { for: id }, 'Comment'),
    comment,
    h('div', { class: 'actions' },
      mk('Approved', 'Approve', 'btn-primary', 'approve-button'),
      mk('Rejected', 'Reject', 'btn-danger', 'reject-button'),
      mk('PendingManualApproval', 'Reset to pending', 'btn-quiet', 'pending-button')),
    msg);
  setDisabled();
  return panel;
}

function auditTable(audit) {
  return dataTable([
    { label: 'When', render: (a) => timeCell(a.changed_at) },
    { label: 'Who', render: (a) => a.changed_by || '—' },
    { label: 'From', render: (a) => (a.old_status ? badge(a.old_status) : h('span', { class: 'muted' }, '—')) },
    { label: 'To', render: (a) => badge(a.new_status) },
    { label: 'Comment', class: 'col-desc', render: (a) => (a.comment ? h('span', { class: 'audit-comment' }, a.comment) : h('span', { class: 'muted' }, '—')) },
  ], audit, { testid: 'audit-table', caption: 'Audit trail', empty: 'No status changes yet.', rowAttrs: () => ({ 'data-testid': 'audit-row' }) });
}

function renderDetails(panel, v, auditHost) {
  const hashes = v.input_data_hashes;
  let hashesNode;
  if (hashes && typeof hashes === 'object' && !Array.isArray(hashes)) {
    hashesNode = objectTable(Object.fromEntries(Object.entries(hashes).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)])), { testid: 'input-hashes', keyLabel: 'Input', valueLabel: 'Hash', mono: true, caption: 'Input data hashes' });
  } else if (Array.isArray(hashes) && hashes.length) {
    hashesNode = h('ul', { class: 'plain', 'data-testid': 'input-hashes' }, hashes.map((x) => h('li', null, typeof x === 'string' ? hashNode(x) : valueNode(x))));
  } else if (typeof hashes === 'string' && hashes) {
    hashesNode = hashNode(hashes);
  } else {
    hashesNode = emptyNote('No input data hashes recorded.');
  }
  const schema = Array.isArray(v.input_schema) ? v.input_schema : [];
  replace(panel, h('div', { class: 'stack' },
    section('Audit trail', { 'data-testid': 'audit-section' }, auditHost),
    h('div', { class: 'grid-2' },
      section('Lineage', { 'data-testid': 'lineage' },
        kv([
          ['Pipeline execution', v.execution_id ? link(route('executions', v.execution_id), v.execution_id, { class: 'mono', 'data-testid': 'lineage-execution' }) : h('span', { class: 'muted' }, 'registered by hand')],
          ['Artifact hash', h('span', { 'data-testid': 'artifact-hash' }, v.artifact_hash ? h('code', { class: 'hash wrap' }, v.artifact_hash) : '—')],
        ]),
        h('h3', null, 'Input data hashes'), hashesNode),
      section('Input schema', { 'data-testid': 'input-schema' },
        dataTable([
          { label: 'Column', rowHeader: true, render: (c) => h('span', { class: 'mono' }, c.name) },
          { label: 'Type', render: (c) => h('span', { class: `type type-${c.type}` }, c.type) },
          { label: 'Example', render: (c) => (c.example === null || c.example === undefined || c.example === '' ? h('span', { class: 'muted' }, 'missing') : String(c.example)) },
          { label: 'Values seen', class: 'col-desc', render: (c) => (Array.isArray(c.values) && c.values.length ? `${c.values.slice(0, 6).join(', ')}${c.values.length > 6 ? ` … (${c.values.length})` : ''}` : '—') },
        ], schema, { testid: 'schema-table', caption: 'Input schema', className: 'compact' }))),
    section('Leaderboard', { 'data-testid': 'leaderboard' },
      Array.isArray(v.leaderboard) && v.leaderboard.length ? leaderboardTable(v.leaderboard) : emptyNote('No leaderboard in this bundle.'))));
}

function renderTry(panel, v, base) {
  replace(panel, section('Try it', { 'data-testid': 'tryit' },
    tryItForm(v.input_schema, (row) => api(`${base}/predict`, { method: 'POST', body: { row } }),
      { title: `Predict with ${v.group ?? ''} v${v.version ?? ''}` })));
}

