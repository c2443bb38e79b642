// #/endpoints and #/endpoints/{name}: endpoints, live stats, and Try it.
import { h, replace, link, route, badge, fmtNum, fmtInt, timeCell, section, kv, emptyNote, errorBox, spinner, nextId } from '../dom.js';
import { predictionView } from '../shap.js';
import { api, list, enc } from '../api.js';
import { pagedTable } from '../table.js';
import { pageHeader } from './common.js';
import { tryItForm } from '../tryit.js';

// status may be a string or a server report {state, model, message, ...}.
function statusOf(e) {
  const s = e.status;
  if (s && typeof s === 'object') return s.state || s.status || 'unknown';
  return s || 'unknown';
}

function sourceNode(src) {
  if (!src || typeof src !== 'object') return h('span', { class: 'muted' }, '—');
  if (src.model_group) {
    return h('span', null, link(route('registry', src.model_group), src.model_group),
      src.version != null ? [' · ', link(route('registry', src.model_group, src.version), `v${src.version}`)] : h('span', { class: 'muted' }, ' · latest approved'));
  }
  if (src.bundle) return h('code', { class: 'path', title: src.bundle }, src.bundle);
  return h('code', null, JSON.stringify(src));
}

function servedNode(e) {
  const src = e.source || {};
  if (e.version_served == null) return h('span', { class: 'muted' }, '—');
  if (src.model_group) return link(route('registry', src.model_group, e.version_served), `v${e.version_served}`);
  return String(e.version_served);
}

function liveCells(l) {
  if (!l) return h('span', { class: 'muted' }, 'not live');
  return h('span', { class: 'live' },
    h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
    `${fmtNum(l.requests_per_second, 1)} rps · p50 ${fmtNum(l.latency_ms_p50, 1)} ms · p99 ${fmtNum(l.latency_ms_p99, 1)} ms`);
}

export async function renderEndpoints(ctx) {
  ctx.title('Endpoints');
  ctx.crumbs(['Endpoints']);
  const columns = [
    { label: 'Endpoint', rowHeader: true, render: (e) => link(route('endpoints', e.name), e.name) },
    { label: 'Source', render: (e) => sourceNode(e.source) },
    { label: 'Status', render: (e) => badge(statusOf(e)) },
    { label: 'Version served', numeric: true, render: servedNode },
    { label: 'Live', render: (e) => liveCells(e.live) },
    { label: 'Requests', numeric: true, render: (e) => (e.live ? fmtInt(e.live.requests_total) : '—') },
    { label: 'Errors', numeric: true, render: (e) => (e.live ? h('span', { class: e.live.errors_total > 0 ? 'err-count' : null }, fmtInt(e.live.errors_total)) : '—') },
    { label: 'Updated', render: (e) => timeCell(e.updated_at) },
  ];
  const table = pagedTable(columns, (offset, limit, signal) => list('endpoints', { offset, limit, signal }), {
    testid: 'endpoints-table', caption: 'Endpoints', signal: ctx.signal, noun: 'endpoints',
    initialOffset: Number(ctx.query.get('offset')) || 0, empty: 'No endpoints. Create one with `tabpilot endpoint create`.',
  });
  await table.ready;
  if (!ctx.alive) return;
  replace(ctx.main,
    pageHeader('Endpoints', { subtitle: 'Real-time endpoints and the model version each serves.' }),
    h('section', { class: 'card flush', 'aria-label': 'Endpoints' }, table.el));
  ctx.ready('endpoints');
}

// The API has no single-endpoint route: find it in the list (by name).
async function findEndpoint(name, signal) {
  for (let offset = 0; ; offset += 500) {
    const page = await list('endpoints', { offset, limit: 500, signal });
    const e = page.items.find((x) => x.name === name);
    if (e) return e;
    if (offset + page.items.length >= (page.total ?? 0) || !page.items.length) return null;
  }
}

export async function renderEndpoint(ctx) {
  const { name } = ctx.params;
  ctx.title(`${name} · endpoints`);
  ctx.crumbs([['Endpoints', '#/endpoints'], name]);
  const e = await findEndpoint(name, ctx.signal);
  if (!ctx.alive) return;
  if (!e) {
    replace(ctx.main, pageHeader(name, { eyebrow: 'Endpoint' }), emptyNote('No endpoint has this name.'));
    ctx.ready('endpoint');
    return;
  }
  const src = e.source || {};
  const servedVersion = e.version_served ?? src.version;
  let version = null;
  let versionError = null;
  if (src.model_group && servedVersion != null) {
    try {
      version = await api(`groups/${enc(src.model_group)}/versions/${enc(servedVersion)}`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) return;
      versionError = err;
    }
  }
  if (!ctx.alive) return;
  const status = statusOf(e);
  const report = e.status && typeof e.status === 'object' ? e.status : null;
  const l = e.live;
  const liveSection = section('Live traffic', { 'data-testid': 'endpoint-live' }, l
    ? h('div', { class: 'metric-tiles' },
      tile('Requests / s', fmtNum(l.requests_per_second, 2)),
      tile('Latency p50', `${fmtNum(l.latency_ms_p50, 2)} ms`),
      tile('Latency p99', `${fmtNum(l.latency_ms_p99, 2)} ms`),
      tile('Requests', fmtInt(l.requests_total)),
      tile('Errors', fmtInt(l.errors_total)),
      l.url ? h('div', { class: 'metric-tile wide' }, h('span', { class: 'metric-name' }, 'Server'), h('code', { class: 'path' }, l.url)) : null)
    : emptyNote('No live statistics: the UI was not told about a running server (start it with --endpoint-url).'));

  let tryNode;
  if (version && Array.isArray(version.input_schema) && version.input_schema.length) {
    tryNode = tryItForm(version.input_schema, (row) => api(`endpoints/${enc(name)}/predict`, { method: 'POST', body: { row } }),
      { title: `Predict with endpoint ${name}`, note: `Sends one row to the endpoint (serving ${src.model_group} v${servedVersion}). Prefilled with a background row; empty fields are missing values.` });
  } else {
    tryNode = rawTryIt(name, versionError);
  }

  replace(ctx.main,
    pageHeader(name, { eyebrow: 'Endpoint', status, statusAttrs: { 'data-testid': 'endpoint-status' } }),
    h('div', { class: 'grid-2' },
      section('Summary', { 'data-testid': 'endpoint-summary' }, kv([
        ['Source', sourceNode(src)],
        ['Version served', servedNode(e)],
        ['Status', badge(status)],
        ['Model loaded', report && report.model ? report.model : undefined],
        ['Message', report && report.message ? report.message : undefined],
        ['Updated', timeCell(e.updated_at)],
      ])),
      liveSection),
    section('Try it', { 'data-testid': 'tryit' }, tryNode));
  ctx.ready('endpoint');
}

function tile(name, value) {
  return h('div', { class: 'metric-tile' }, h('span', { class: 'metric-name' }, name), h('span', { class: 'metric-value' }, value));
}

// Without an input schema (a bundle source): a JSON row.
function rawTryIt(name, err) {
  const id = nextId('raw');
  const area = h('textarea', { id, rows: '6', class: 'mono', spellcheck: 'false', value: '{\n  "column": "value"\n}' });
  const output = h('div', { class: 'tryit-output', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'tryit-submit' }, 'Predict');
  const form = h('form', { class: 'tryit-form', 'data-testid': 'tryit-form', 'aria-label': `Predict with endpoint ${name}`, novalidate: true },
    h('p', { class: 'hint' }, err
      ? `The served version could not be read (${err.message}), so there is no form: enter the row as JSON.`
      : 'This endpoint serves a bundle folder, whose input schema the API does not describe: enter the row as JSON. Missing columns are missing values.'),
    h('div', { class: 'field field-wide' }, h('label', { for: id }, 'Row as JSON (column → value)'), area),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let row;
    try {
      row = JSON.parse(area.value);
      if (!row || typeof row !== 'object' || Array.isArray(row)) throw new Error('not an object');
    } catch {
      replace(output, errorBox(new Error('The row is not a JSON object: write {"column": "value", ...}.')));
      return;
    }
    submit.disabled = true;
    replace(output, spinner('Predicting…'));
    try {
      replace(output, predictionView(await api(`endpoints/${enc(name)}/predict`, { method: 'POST', body: { row } })));
    } catch (error) {
      replace(output, errorBox(error));
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', { class: 'tryit' }, form, output);
}
