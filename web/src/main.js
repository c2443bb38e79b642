// tabpilot Studio pages: routes and the page chrome.
import { addRoute, startRouter } from './router.js';
import { getSession } from './api.js';
import { renderJobs } from './pages/jobs.js';
import { renderJob } from './pages/job.js';
import { renderGroups } from './pages/groups.js';
import { renderGroup } from './pages/group.js';
import { renderVersion } from './pages/version.js';
import { renderPipelines, renderPipeline } from './pages/pipelines.js';
import { renderExecution } from './pages/execution.js';
import { renderEndpoints, renderEndpoint } from './pages/endpoints.js';
import { renderHub } from './pages/hub.js';

addRoute('jobs', 'jobs', renderJobs);
addRoute('jobs/:id', 'jobs', renderJob);
addRoute('registry', 'registry', renderGroups);
addRoute('registry/:group', 'registry', renderGroup);
addRoute('registry/:group/:version', 'registry', renderVersion);
addRoute('pipelines', 'pipelines', renderPipelines);
addRoute('pipelines/:name', 'pipelines', renderPipeline);
addRoute('executions/:id', 'pipelines', renderExecution);
addRoute('endpoints', 'endpoints', renderEndpoints);
addRoute('endpoints/:name', 'endpoints', renderEndpoint);
addRoute('hub', 'hub', renderHub);

async function chrome() {
  try {
    const s = await getSession();
    const store = document.getElementById('store-path');
    if (store && s) {
      store.textContent = s.store || '';
      store.title = `Store: ${s.store || ''}${s.version ? ` · tabpilot ${s.version}` : ''}`;
    }
    const counts = (s && s.counts) || {};
    const map = { jobs: counts.jobs, registry: counts.groups, pipelines: counts.executions, endpoints: counts.endpoints };
    for (const [section, n] of Object.entries(map)) {
      const el = document.querySelector(`#topnav a[data-section="${section}"] .nav-count`);
      if (el && typeof n === 'number') el.textContent = String(n);
    }
    const ver = document.getElementById('app-version');
    if (ver && s && s.version) ver.textContent = `v${s.version}`;
  } catch {
    /* the page itself shows API errors */
  }
}

startRouter();
chrome();
