// Hash routing: #/jobs, #/jobs/{id}, #/registry/{group}/{version}?tab=quality ...
import { h, clear, replace, errorBox, spinner } from './dom.js';
import { disposeCharts } from './charts.js';

const routes = [];
let current = null; // {controller, cleanups}
let firstRender = true;

// pattern: 'registry/:group/:version'
export function addRoute(pattern, section, render) {
  routes.push({ parts: pattern.split('/'), section, render });
}

export function parseHash(hash = location.hash) {
  let s = hash.replace(/^#\/?/, '');
  let query = '';
  const q = s.indexOf('?');
  if (q >= 0) {
    query = s.slice(q + 1);
    s = s.slice(0, q);
  }
  const segments = s.split('/').filter((x) => x !== '').map((x) => {
    try {
      return decodeURIComponent(x);
    } catch {
      return x;
    }
  });
  return { segments, query: new URLSearchParams(query), path: s };
}

function match(segments) {
  for (const r of routes) {
    if (r.parts.length !== segments.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < r.parts.length; i += 1) {
      const p = r.parts[i];
      if (p.startsWith(':')) params[p.slice(1)] = segments[i];
      else if (p !== segments[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { route: r, params };
  }
  return null;
}

// Replaces the query part of the current hash without re-rendering.
export function setQuery(updates) {
  const { path, query } = parseHash();
  for (const [k, v] of Object.entries(updates)) {
    if (v === null || v === undefined || v === '' || v === 0) query.delete(k);
    else query.set(k, String(v));
  }
  const qs = query.toString();
  const encodedPath = path;
  history.replaceState(history.state, '', `#/${encodedPath}${qs ? `?${qs}` : ''}`);
}

function setCrumbs(items) {
  const ol = document.getElementById('crumbs');
  if (!ol) return;
  clear(ol);
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    const [text, href] = Array.isArray(item) ? item : [item, null];
    ol.append(h('li', null, last || !href ? h('span', { 'aria-current': last ? 'page' : null }, text) : h('a', { href }, text)));
  });
}

function setSection(section) {
  for (const a of document.querySelectorAll('#topnav a[data-section]')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

export async function navigate() {
  const main = document.getElementById('main');
  const { segments, query } = parseHash();
  if (segments.length === 0) {
    history.replaceState(null, '', '#/jobs');
    return navigate();
  }
  if (current) {
    current.controller.abort();
    for (const fn of current.cleanups) {
      try {
        fn();
      } catch {
        /* ignore */
      }
    }
  }
  disposeCharts(main);
  const toasts = document.getElementById('toasts');
  if (toasts) clear(toasts);
  const controller = new AbortController();
  const state = { controller, cleanups: [] };
  current = state;
  const started = performance.now();
  delete main.dataset.pageReady;
  delete document.body.dataset.ready;
  main.setAttribute('aria-busy', 'true');
  replace(main, spinner());

  const m = match(segments);
  if (!m) {
    setSection(null);
    setCrumbs(['Not found']);
    document.title = 'Not found · tabpilot';
    replace(main, h('h1', { 'data-testid': 'page-heading' }, 'Page not found'),
      h('p', null, 'No page lives at this address. ', h('a', { href: '#/jobs' }, 'Go to AutoML jobs'), '.'));
    main.dataset.pageReady = 'notfound';
    document.body.dataset.ready = '1';
    main.removeAttribute('aria-busy');
    return;
  }
  setSection(m.route.section);
  const ctx = {
    params: m.params,
    query,
    main,
    signal: controller.signal,
    crumbs: setCrumbs,
    title(t) {
      document.title = `${t} · tabpilot`;
    },
    onCleanup(fn) {
      state.cleanups.push(fn);
    },
    get alive() {
      return current === state && !controller.signal.aborted;
    },
    ready(name) {
      if (current !== state) return;
      main.dataset.pageReady = name;
      document.body.dataset.ready = '1';
      main.removeAttribute('aria-busy');
      window.__tabpilotRender = { page: name, ms: Math.round(performance.now() - started) };
    },
  };
  try {
    await m.route.render(ctx);
  } catch (err) {
    if (controller.signal.aborted || current !== state) return;
    if (err && err.status === 404) {
      replace(main, h('h1', { 'data-testid': 'page-heading' }, 'Not found'), errorBox(err),
        h('p', null, h('a', { href: '#/jobs' }, 'Back to AutoML jobs')));
    } else {
      console.error(err);
      replace(main, h('h1', { 'data-testid': 'page-heading' }, 'Something went wrong'), errorBox(err));
    }
    main.dataset.pageReady = 'error';
    document.body.dataset.ready = '1';
    main.removeAttribute('aria-busy');
  }
  if (!firstRender && current === state) {
    const heading = main.querySelector('h1');
    if (heading && !main.contains(document.activeElement)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
  firstRender = false;
}

export function startRouter() {
  window.addEventListener('hashchange', () => {
    window.scrollTo(0, 0);
    navigate();
  });
  navigate();
}
