// #/executions/{id}: status, parameters, steps, the DAG and a step's log.
import {
  h, replace, kv, section, badge, link, route, timeCell, duration, fmtSeconds, emptyNote, errorBox, spinner, statusTone,
} from '../dom.js';
import { api, enc } from '../api.js';
import { dataTable } from '../table.js';
import { lazyChart, chartBox, baseOption, tip, STATUS_COLORS, COLORS, truncate } from '../charts.js';
import { pageHeader, objectTable } from './common.js';

export async function renderExecution(ctx) {
  const { id } = ctx.params;
  ctx.title(`Execution ${id}`);
  const ex = await api(`executions/${enc(id)}`, { signal: ctx.signal });
  if (!ctx.alive) return;
  ctx.crumbs([['Pipelines', '#/pipelines'], [ex.pipeline_name ?? '?', route('pipelines', ex.pipeline_name ?? '')], id]);
  const steps = Array.isArray(ex.steps) ? ex.steps : [];
  const edges = Array.isArray(ex.edges) ? ex.edges.filter((e) => Array.isArray(e) && e.length >= 2) : [];

  const logTitle = h('h3', { class: 'log-title' }, 'Select a step to see its log.');
  const logOutputs = h('div');
  const logPre = h('pre', { class: 'log', 'data-testid': 'log-viewer', tabindex: '0', 'aria-label': 'Step log' });
  const logMsg = h('div');
  let current = null;
  const showLog = async (name) => {
    current = name;
    const step = steps.find((s) => s.name === name);
    for (const tr of ctx.main.querySelectorAll('tr[data-step]')) tr.classList.toggle('row-selected', tr.dataset.step === name);
    replace(logTitle, 'Log of ', h('span', { class: 'mono' }, name), ' ', step ? badge(step.status) : null);
    replace(logOutputs, step && step.outputs && Object.keys(step.outputs).length
      ? h('details', { class: 'outputs' }, h('summary', null, 'Step outputs'), objectTable(step.outputs, { testid: 'step-outputs', keyLabel: 'Output', mono: true, caption: 'Step outputs' }))
      : null);
    replace(logMsg, spinner('Loading log…'));
    logPre.textContent = '';
    try {
      const text = await api(`executions/${enc(id)}/steps/${enc(name)}/log`, { text: true, signal: ctx.signal });
      if (current !== name) return;
      replace(logMsg);
      logPre.textContent = text || '(empty log)';
      logPre.dataset.step = name;
      logPre.scrollTop = logPre.scrollHeight;
    } catch (err) {
      if (current !== name || ctx.signal.aborted) return;
      replace(logMsg, err.status === 404 ? emptyNote(step && step.status === 'NotStarted' ? 'This step never ran: no log.' : 'No log for this step.') : errorBox(err));
    }
  };

  const stepsTable = dataTable([
    {
      label: 'Step', rowHeader: true,
      render: (s) => h('button', { type: 'button', class: 'btn-link step-btn', 'data-testid': 'step-log-button', 'aria-label': `Show the log of step ${s.name}`, onclick: () => showLog(s.name) }, s.name),
    },
    { label: 'Type', render: (s) => s.type ?? '—' },
    { label: 'Status', render: (s) => badge(s.status) },
    { label: 'Start', render: (s) => timeCell(s.start_time) },
    { label: 'End', render: (s) => timeCell(s.end_time) },
    { label: 'Duration', numeric: true, render: (s) => fmtSeconds(duration(s.start_time, s.end_time)) },
    { label: 'Attempts', numeric: true, render: (s) => (s.attempts ?? '—') },
    {
      label: 'Cache', render: (s) => (s.cache_hit
        ? h('span', null, h('span', { class: 'tag tag-cache' }, 'hit'), s.cached_from ? [' from ', link(route('executions', s.cached_from), truncate(s.cached_from, 14), { class: 'mono', title: s.cached_from })] : null)
        : h('span', { class: 'muted' }, '—')),
    },
    { label: 'Failure', class: 'col-desc', render: (s) => (s.failure_reason ? h('span', { class: 'fail-text' }, s.failure_reason) : '') },
  ], steps, { testid: 'steps-table', caption: 'Steps', rowAttrs: (s) => ({ 'data-step': s.name, class: s.status === 'Failed' ? 'row-bad' : null }) });

  const dag = dagChart(steps, edges, showLog);
  const total = duration(ex.start_time, ex.end_time);

  replace(ctx.main,
    pageHeader(`Execution ${id}`, {
      eyebrow: `Pipeline ${ex.pipeline_name ?? ''}`, status: ex.status, statusAttrs: { 'data-testid': 'execution-status' },
      actions: h('button', { type: 'button', class: 'btn', 'data-testid': 'refresh', onclick: () => window.dispatchEvent(new HashChangeEvent('hashchange')) }, 'Refresh'),
    }),
    ex.failure_reason ? h('div', { class: 'callout callout-bad', role: 'alert', 'data-testid': 'failure-reason' }, h('strong', null, 'Failed: '), ex.failure_reason) : null,
    h('div', { class: 'grid-2' },
      section('Summary', { 'data-testid': 'execution-summary' }, kv([
        ['Pipeline', ex.pipeline_name ? link(route('pipelines', ex.pipeline_name), ex.pipeline_name) : '—'],
        ['Status', badge(ex.status)],
        ['Started', timeCell(ex.start_time)],
        ['Ended', timeCell(ex.end_time)],
        ['Duration', fmtSeconds(total)],
        ['Steps', stepCounts(steps)],
      ])),
      section('Parameters', { 'data-testid': 'parameters' }, objectTable(ex.parameters || {}, { testid: 'parameters-table', keyLabel: 'Parameter', caption: 'Parameters' }))),
    section('Graph', { 'data-testid': 'dag' }, dag),
    section('Steps', { 'data-testid': 'steps' }, stepsTable),
    section('Step log', { 'data-testid': 'log-section' }, logTitle, logOutputs, logMsg, logPre),
    ex.definition ? h('details', { class: 'card definition' }, h('summary', null, 'Pipeline definition (YAML)'), h('pre', { class: 'code', 'data-testid': 'definition' }, ex.definition)) : null);

  const firstFailed = steps.find((s) => s.status === 'Failed');
  if (firstFailed) showLog(firstFailed.name);
  ctx.ready('execution');
}

function stepCounts(steps) {
  const counts = {};
  for (const s of steps) counts[s.status] = (counts[s.status] || 0) + 1;
  const parts = Object.entries(counts).map(([st, n]) => h('span', { class: 'count-chip' }, badge(st), ` ${n}`));
  return parts.length ? h('span', { class: 'chips' }, parts) : '—';
}

// Layers from the longest path from a source; order inside a layer by the
// mean position of the predecessors (one barycentre pass).
export function layoutDag(names, edges) {
  const preds = new Map(names.map((n) => [n, []]));
  const succs = new Map(names.map((n) => [n, []]));
  for (const [a, b] of edges) {
    if (!preds.has(a)) { preds.set(a, []); succs.set(a, []); names.push(a); }
    if (!preds.has(b)) { preds.set(b, []); succs.set(b, []); names.push(b); }
    preds.get(b).push(a);
    succs.get(a).push(b);
  }
  const indeg = new Map(names.map((n) => [n, preds.get(n).length]));
  const layer = new Map();
  const queue = names.filter((n) => indeg.get(n) === 0);
  for (const n of queue) layer.set(n, 0);
  for (let qi = 0; qi < queue.length; qi += 1) {
    const n = queue[qi];
    for (const m of succs.get(n)) {
      layer.set(m, Math.max(layer.get(m) ?? 0, layer.get(n) + 1));
      indeg.set(m, indeg.get(m) - 1);
      if (indeg.get(m) === 0) queue.push(m);
    }
  }
  let maxLayer = Math.max(0, ...layer.values());
  for (const n of names) if (!layer.has(n)) layer.set(n, ++maxLayer); // a cycle: put it after
  const layers = [];
  for (const n of names) {
    const l = layer.get(n);
    (layers[l] = layers[l] || []).push(n);
  }
  const pos = new Map();
  layers.forEach((ns, l) => {
    if (l > 0) {
      const bc = (n) => {
        const ps = preds.get(n).filter((p) => pos.has(p));
        return ps.length ? ps.reduce((s, p) => s + pos.get(p).y, 0) / ps.length : 0;
      };
      ns.sort((a, b) => bc(a) - bc(b));
    }
    ns.forEach((n, i) => pos.set(n, { x: l, y: i - (ns.length - 1) / 2, layer: l }));
  });
  return { pos, layers: layers.filter(Boolean) };
}

// The edges not implied by others (a -> c is implied when c can be reached
// from a through another step): a step that reads outputs of every step
// before it would otherwise draw an edge to each of them.
export function reduceEdges(edges) {
  const succs = new Map();
  for (const [a, b] of edges) {
    if (!succs.has(a)) succs.set(a, new Set());
    succs.get(a).add(b);
  }
  const reaches = (from, to, skip) => {
    const seen = new Set();
    const stack = [...(succs.get(from) || [])].filter((n) => n !== skip);
    while (stack.length) {
      const n = stack.pop();
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of succs.get(n) || []) stack.push(m);
    }
    return false;
  };
  const seenEdge = new Set();
  return edges.filter(([a, b]) => {
    const key = `${a}\u0000${b}`;
    if (seenEdge.has(key)) return false;
    seenEdge.add(key);
    return !reaches(a, b, b);
  });
}

function dagChart(steps, allEdges, onClick) {
  if (!steps.length) return emptyNote('The definition has no steps.');
  const names = steps.map((s) => s.name);
  const byName = new Map(steps.map((s) => [s.name, s]));
  const edges = reduceEdges(allEdges);
  const { pos, layers } = layoutDag(names, edges);
  const widest = Math.max(...layers.map((l) => l.length));
  const height = Math.max(120, widest * 64 + 40);
  const implied = allEdges.length - edges.length;
  const box = chartBox(`Pipeline graph: ${names.length} steps, ${allEdges.length} dependencies` +
    (implied > 0 ? ` (${implied} implied by others not drawn)` : ''), {
    'data-testid': 'dag-chart', 'data-nodes': String(names.length), 'data-edges': String(allEdges.length),
    'data-edges-drawn': String(edges.length),
  }, height);
  // Pixel coordinates for the container's width, with two invisible corner
  // nodes so the graph's view maps them 1:1 (symbols keep their size).
  const build = () => {
    const W = Math.max(320, box.clientWidth || 900);
    const H = height;
    const L = layers.length;
    const colW = (W - 24) / L;
    const nodeW = Math.max(70, Math.min(160, colW - 36));
    const chars = Math.max(6, Math.floor(nodeW / 7.2));
    const rowH = 64;
    const nodes = [...pos.entries()].map(([name, p]) => {
      const s = byName.get(name) || { status: 'NotStarted' };
      const color = STATUS_COLORS[statusTone(s.status)] || COLORS.grey;
      return {
        name, x: 12 + colW * (p.layer + 0.5), y: H / 2 + p.y * rowH,
        itemStyle: { color, borderColor: s.cache_hit ? STATUS_COLORS.cache : color, borderWidth: s.cache_hit ? 3 : 0 },
      };
    });
    const corner = (name, x, y) => ({ name, x, y, symbolSize: 0, label: { show: false }, tooltip: { show: false }, silent: true });
    return baseOption({
      tooltip: {
        ...baseOption().tooltip, trigger: 'item',
        formatter: (p) => {
          if (p.dataType === 'edge') return tip(null, [['from', p.data.source], ['to', p.data.target]]);
          const s = byName.get(p.name);
          if (!s) return '';
          return tip(p.name, [['type', s.type ?? '—'], ['status', s.status ?? '—', STATUS_COLORS[statusTone(s.status)]],
            ['duration', fmtSeconds(duration(s.start_time, s.end_time))], ...(s.cache_hit ? [['cache', 'hit']] : []),
            ...(s.failure_reason ? [['failure', truncate(s.failure_reason, 80)]] : [])]);
        },
      },
      series: [{
        type: 'graph', layout: 'none', roam: true, draggable: false, nodeScaleRatio: 0,
        left: 0, right: 0, top: 0, bottom: 0,
        symbol: 'roundRect', symbolSize: [nodeW, 32],
        edgeSymbol: ['none', 'arrow'], edgeSymbolSize: [0, 8],
        label: { show: true, color: '#fff', fontSize: 11, fontWeight: 600, formatter: (p) => truncate(p.name, chars) },
        lineStyle: { color: '#9aa5b1', width: 1.5, curveness: 0.1 },
        emphasis: { focus: 'adjacency', lineStyle: { width: 2.5 } },
        data: [corner('\u0000tl', 0, 0), corner('\u0000br', W, H), ...nodes],
        links: edges.map(([a, b]) => ({ source: a, target: b })),
      }],
    });
  };
  lazyChart(box, build, {
    rebuildOnResize: true,
    onInit: (chart) => chart.on('click', (p) => {
      if (p.dataType === 'node' && byName.has(p.name)) onClick(p.name);
    }),
  });
  const legend = h('p', { class: 'legend' }, [['Succeeded', 'ok'], ['Executing', 'run'], ['Failed', 'bad'], ['NotStarted', 'off']].map(([s, tone]) => h('span', { class: 'legend-item' },
    h('span', { class: 'dot', style: { background: STATUS_COLORS[tone] } }), s === 'NotStarted' ? 'Not started / stopped' : s)),
  h('span', { class: 'legend-item' }, h('span', { class: 'dot ring', style: { borderColor: STATUS_COLORS.cache } }), 'cache hit'),
  h('span', { class: 'legend-item muted' }, 'Click a node to see its log; scroll to zoom, drag to pan.'));
  return h('div', null, box, legend);
}
