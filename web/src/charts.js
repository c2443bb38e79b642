// Charts: ECharts (bar, line, graph; grid and tooltip), SVG renderer (labels
// become SVG text nodes, so user strings are never parsed as HTML). ECharts
// itself lives in echarts-setup.js, loaded with a dynamic import() the first
// time a chart is created, so pages render their data without it. Charts are
// created lazily: only when their container scrolls into view (hidden tab
// panels have no size), and disposed when the page changes. Tooltips are
// built as DOM nodes. Everything exported here works without ECharts loaded.
import { h, fmtNum, isNum, emptyNote } from './dom.js';

export const COLORS = {
  blue: '#2563c9', teal: '#0f8b8d', orange: '#d9730d', red: '#c62f3a', green: '#1f8a4c', grey: '#8b95a1',
  purple: '#7048c6', amber: '#b7791f', ink: '#1f2933', faint: '#e4e7eb', axis: '#6b7682',
};
export const STATUS_COLORS = {
  ok: '#1f8a4c', run: '#2563c9', pending: '#b7791f', bad: '#c62f3a', off: '#8b95a1', cache: '#7048c6',
};
const PALETTE = [COLORS.blue, COLORS.teal, COLORS.orange, COLORS.purple, COLORS.green, COLORS.red, COLORS.amber, COLORS.grey];

const live = new Set(); // {el, chart, observers, ro, loading, timer}

// The ECharts chunk, fetched once, when the first chart is created.
let echartsModule = null;
let echartsLoaded = false;
function loadECharts() {
  if (!echartsModule) {
    echartsModule = import('./echarts-setup.js').then((ec) => {
      echartsLoaded = true;
      return ec;
    }, (err) => {
      echartsModule = null; // let a later chart try again
      throw err;
    });
  }
  return echartsModule;
}

// Escapes text for the few places ECharts takes an HTML string.
export function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

export function truncate(s, n = 24) {
  const t = String(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

// A tooltip body as DOM: title, then [label, value, color?] lines.
export function tip(title, lines = []) {
  const box = h('div', { class: 'ec-tip' });
  if (title !== null && title !== undefined && title !== '') box.append(h('div', { class: 'ec-tip-title' }, String(title)));
  for (const [label, value, color] of lines) {
    box.append(h('div', { class: 'ec-tip-line' },
      color ? h('span', { class: 'ec-tip-dot', style: { background: color } }) : null,
      h('span', { class: 'ec-tip-label' }, String(label)),
      h('span', { class: 'ec-tip-value' }, typeof value === 'number' ? fmtNum(value) : String(value))));
  }
  return box;
}

export function baseOption(extra = {}) {
  return {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif', fontSize: 11, color: COLORS.ink },
    tooltip: { confine: true, renderMode: 'html', borderColor: '#cfd5db', padding: [6, 8], textStyle: { fontSize: 12 } },
    ...extra,
  };
}

export function valueAxis(name, extra = {}) {
  return {
    type: 'value', name, nameLocation: 'middle', nameGap: 28, nameTextStyle: { color: COLORS.axis },
    axisLabel: { color: COLORS.axis }, splitLine: { lineStyle: { color: COLORS.faint } }, ...extra,
  };
}

export function categoryAxis(data, extra = {}) {
  return {
    type: 'category', data: data.map(String),
    axisLabel: { color: COLORS.axis, formatter: (v) => truncate(v, 22) },
    axisTick: { alignWithLabel: true }, axisLine: { lineStyle: { color: '#c3c9cf' } }, ...extra,
  };
}

// Charts below the fold (in the 300 px look-ahead margin, not on screen) wait
// this long before they load ECharts, unless scrolled to: the main thread
// stays free for the first interactions after a page renders. Charts on
// screen, or created once ECharts is loaded, are drawn at once.
const SETTLE_MS = 800;

// Creates the chart when `el` becomes visible (loading ECharts first, when
// this is the first chart); `build()` returns the option. Anything already in
// `el` (a loading note) is removed when the chart is drawn.
// Returns {ready: Promise<chart>, update(option)}.
export function lazyChart(el, build, { onInit, rebuildOnResize = false } = {}) {
  let resolveReady;
  const ready = new Promise((r) => {
    resolveReady = r;
  });
  const entry = { el, chart: null, observers: [], ro: null, loading: false, timer: 0 };
  live.add(entry);
  const observe = () => {
    for (const o of entry.observers) o.observe(el);
  };
  const unobserve = () => {
    for (const o of entry.observers) o.disconnect();
    clearTimeout(entry.timer);
    entry.timer = 0;
  };
  const create = (ec) => {
    if (entry.chart || !live.has(entry) || !el.isConnected) return;
    if (el.clientWidth === 0) {
      observe(); // hidden again while ECharts loaded: wait until visible
      return;
    }
    el.replaceChildren(); // a placeholder (e.g. a loading note) goes
    const chart = ec.init(el, null, { renderer: 'svg' });
    entry.chart = chart;
    chart.on('finished', () => {
      el.dataset.chartReady = '1';
    });
    chart.setOption(build(), true);
    if (onInit) onInit(chart);
    let lastWidth = el.clientWidth;
    entry.ro = new ResizeObserver(() => {
      if (el.clientWidth === 0) return;
      chart.resize();
      if (rebuildOnResize && Math.abs(el.clientWidth - lastWidth) > 2) chart.setOption(build(), true);
      lastWidth = el.clientWidth;
    });
    entry.ro.observe(el);
    resolveReady(chart);
  };
  const init = () => {
    if (entry.chart || entry.loading || !live.has(entry) || !el.isConnected) return;
    if (el.clientWidth === 0) return; // hidden (e.g. inactive tab): wait
    unobserve();
    entry.loading = true;
    loadECharts().then((ec) => {
      // Each chart in a task of its own, not in the one that ran ECharts'
      // module code: input and painting get a turn in between.
      setTimeout(() => {
        entry.loading = false;
        create(ec);
      }, 0);
    }, (err) => {
      entry.loading = false;
      if (!live.has(entry) || !el.isConnected) return;
      console.error(err);
      // E.g. a cached app.js naming a chunk that a newer build replaced.
      el.dataset.chartError = '1';
      el.style.height = 'auto';
      el.replaceChildren(emptyNote('The chart could not be loaded. Reload the page to try again.'));
    });
  };
  if ('IntersectionObserver' in window) {
    const onScreen = (e) => e.boundingClientRect.bottom > 0 && e.boundingClientRect.top < window.innerHeight;
    // Near the viewport: draw now if on screen or ECharts is here, else soon.
    entry.observers.push(new IntersectionObserver((es) => {
      const e = es.find((x) => x.isIntersecting);
      if (!e) return;
      if (echartsLoaded || onScreen(e)) init();
      else if (!entry.timer) entry.timer = setTimeout(init, SETTLE_MS);
    }, { rootMargin: '300px 0px' }));
    // On screen (scrolled to): draw now.
    entry.observers.push(new IntersectionObserver((es) => {
      if (es.some((e) => e.isIntersecting)) init();
    }));
    observe();
  } else {
    requestAnimationFrame(init);
  }
  return {
    ready,
    el,
    update(option, notMerge = false) {
      ready.then((chart) => chart.setOption(option, notMerge));
    },
  };
}

export function disposeCharts(root) {
  for (const entry of [...live]) {
    if (root && entry.el.isConnected && !root.contains(entry.el)) continue;
    for (const o of entry.observers) o.disconnect();
    clearTimeout(entry.timer);
    entry.ro && entry.ro.disconnect();
    if (entry.chart) entry.chart.dispose();
    live.delete(entry);
  }
}

// A chart container: a div with a fixed height and a label for assistive tech.
export function chartBox(label, attrs = {}, height = 260) {
  return h('div', { class: 'chart', role: 'img', 'aria-label': label, style: { height: `${height}px` }, ...attrs });
}

// ---- reusable chart options -------------------------------------------------

// Horizontal bars, biggest first at the top. items: [{name, value, color?}]
export function hbarOption(items, { valueName = '', signed = false, digits, tipTitle } = {}) {
  const rev = [...items].reverse();
  return baseOption({
    grid: { left: 8, right: 56, top: 8, bottom: valueName ? 34 : 20, containLabel: true },
    tooltip: {
      ...baseOption().tooltip,
      trigger: 'item',
      formatter: (p) => {
        const it = rev[p.dataIndex];
        return tip(it.name, [...(it.extra || []), [valueName || 'value', fmtNum(it.value, digits)]]);
      },
    },
    xAxis: valueAxis(valueName, {
      axisLabel: { color: COLORS.axis, formatter: (v) => fmtNum(v), showMaxLabel: false, showMinLabel: !signed },
      // Room for the value labels on both sides of signed bars.
      min: signed ? (e) => (e.min < 0 ? e.min - (Math.max(e.max, 0) - e.min) * 0.14 : 0) : undefined,
      max: (e) => (e.max > 0 ? e.max + (e.max - Math.min(e.min, 0)) * 0.1 : 0),
    }),
    yAxis: categoryAxis(rev.map((d) => d.name), { axisTick: { show: false }, axisLabel: { color: COLORS.axis, formatter: (v) => truncate(v, 30) } }),
    series: [{
      type: 'bar',
      name: tipTitle || valueName,
      barMaxWidth: 18,
      data: rev.map((d) => ({
        value: d.value,
        itemStyle: { color: d.color || (signed ? (d.value >= 0 ? COLORS.red : COLORS.blue) : COLORS.blue), borderRadius: 2 },
        label: { position: isNum(d.value) && d.value < 0 ? 'left' : 'right' },
      })),
      label: {
        show: true,
        position: 'right',
        color: COLORS.axis,
        fontSize: 10,
        formatter: (p) => (isNum(p.value) ? (signed && p.value > 0 ? '+' : '') + fmtNum(p.value, digits) : ''),
      },
    }],
  });
}
