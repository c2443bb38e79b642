#!/usr/bin/env node
// End-to-end check of the tabpilot Studio pages against a running `tabpilot ui`
// (or any server that follows docs/ui-api.md), with headless Chromium.
//
//   node tests/e2e.mjs --base-url http://127.0.0.1:8765 --screenshots /tmp/shots \
//     --group G --version V --job ID --execution ID --endpoint NAME [--token T]
//     [--chromium /usr/bin/chromium] [--timeout 15000] [--allow-no-threshold-curve]
//
// Exits 0 when every check passes; otherwise prints one line
// "E2E FAIL: <check>: <reason>" and exits 1. The last line on success is
// {"pages": {"jobs": ms, ...}}: per page, the time from navigation to the
// page's ready marker (main[data-page-ready]). The first page is a full load
// (bundle included); the others are in-app hash navigations, as a user clicks.
import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

const USAGE = 'usage: node tests/e2e.mjs --base-url URL --screenshots DIR [--token T] --group G --version V --job ID --execution ID --endpoint NAME [--chromium PATH] [--timeout MS] [--allow-no-threshold-curve]';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    if (key === 'allow-no-threshold-curve' || key === 'headed') {
      out[key] = true;
      continue;
    }
    if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
    out[key] = argv[i += 1];
  }
  return out;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
  for (const k of ['base-url', 'screenshots', 'group', 'version', 'job', 'execution', 'endpoint']) {
    if (!opts[k]) throw new Error(`missing --${k}`);
  }
} catch (e) {
  console.error(`E2E FAIL: arguments: ${e.message}\n${USAGE}`);
  process.exit(2);
}

const BASE = opts['base-url'].replace(/\/+$/, '');
const SHOTS = opts.screenshots;
const TIMEOUT = Number(opts.timeout || 15000);
const CHROMIUM = opts.chromium || process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const enc = encodeURIComponent;
const timings = {};
const notes = [];

class Fail extends Error {}
let currentCheck = 'startup';
function assert(cond, msg) {
  if (!cond) throw new Fail(msg);
}
const log = (s) => process.stderr.write(`  ${s}\n`);

async function main() {
  if (!existsSync(CHROMIUM)) throw new Fail(`no Chromium at ${CHROMIUM} (apt-get install -y chromium, or pass --chromium)`);
  await mkdir(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: !opts.headed,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
  const pageErrors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, locale: 'en-US' });
    context.setDefaultTimeout(TIMEOUT);
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => {
      pageErrors.push(`unexpected browser dialog: ${d.message()}`);
      d.dismiss().catch(() => {});
    });

    // Opens #hash with a full page load and waits for the page's ready marker.
    // The first visit answers the token prompt when the server wants one.
    const visit = async (name, hash, marker) => {
      currentCheck = `open ${name}`;
      // After the first page this is an in-app (hash) navigation; drop the old
      // marker first so a stale one is never mistaken for the new page's.
      await page.evaluate(() => {
        const m = document.querySelector('main');
        if (m) delete m.dataset.pageReady;
      }).catch(() => {});
      const t0 = Date.now();
      await page.goto(`${BASE}/#${hash}`, { waitUntil: 'commit' });
      const readySel = `main[data-page-ready="${marker}"]`;
      const tokenSel = '[data-testid="token-dialog"][open]';
      for (;;) {
        const which = await Promise.race([
          page.waitForSelector(readySel, { timeout: TIMEOUT }).then(() => 'ready'),
          page.waitForSelector(tokenSel, { timeout: TIMEOUT }).then(() => 'token'),
          page.waitForSelector('main[data-page-ready="error"]', { timeout: TIMEOUT }).then(() => 'error'),
        ]).catch(() => 'timeout');
        if (which === 'ready') break;
        if (which === 'error') {
          const msg = await page.innerText('main').catch(() => '');
          throw new Fail(`the page showed an error: ${msg.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
        }
        if (which === 'token') {
          assert(opts.token, 'the server asked for an API token: pass --token');
          await page.fill('[data-testid="token-input"]', opts.token);
          await page.click('[data-testid="token-submit"]');
          await page.waitForSelector(tokenSel, { state: 'detached' });
          continue;
        }
        throw new Fail(`no ${readySel} within ${TIMEOUT} ms`);
      }
      timings[name] = Date.now() - t0;
      assert(await page.$('h1[data-testid="page-heading"]'), 'no page heading');
      return page;
    };

    // Every visible form control needs an accessible name.
    const checkLabels = async (name) => {
      currentCheck = `labels on ${name}`;
      const bad = await page.evaluate(() => {
        const out = [];
        for (const el of document.querySelectorAll('input, select, textarea, button')) {
          if (el.type === 'hidden') continue;
          const style = getComputedStyle(el);
          const hiddenByAncestor = el.closest('[hidden]');
          if (hiddenByAncestor || style.display === 'none') continue;
          let name = el.getAttribute('aria-label') || '';
          const lb = el.getAttribute('aria-labelledby');
          if (!name && lb) name = lb.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ');
          if (!name && el.labels && el.labels.length) name = [...el.labels].map((l) => l.textContent).join(' ');
          if (!name && el.tagName === 'BUTTON') name = el.textContent;
          if (!name && el.title) name = el.title;
          if (!name.trim()) out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}`);
        }
        return out;
      });
      assert(bad.length === 0, `unlabelled form controls: ${bad.slice(0, 5).join(', ')}`);
    };

    // Pressing Tab from the top reaches each selector (before anything else was focused).
    const checkTabReaches = async (name, selectors, maxPresses = 160) => {
      currentCheck = `keyboard on ${name}`;
      await page.evaluate(() => {
        window.scrollTo(0, 0);
        if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      });
      const remaining = new Set(selectors);
      for (let i = 0; i < maxPresses && remaining.size; i += 1) {
        await page.keyboard.press('Tab');
        const hit = await page.evaluate((sels) => sels.filter((s) => {
          const a = document.activeElement;
          return a && a.matches(s);
        }), [...remaining]);
        for (const s of hit) remaining.delete(s);
      }
      assert(remaining.size === 0, `Tab never reached ${[...remaining].join(', ')} within ${maxPresses} presses`);
      const visibleFocus = await page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return true;
        const s = getComputedStyle(a);
        return s.outlineStyle !== 'none' || s.boxShadow !== 'none' || a.matches(':focus-visible');
      });
      assert(visibleFocus, 'the focused element shows no focus style');
    };

    const checkNoXss = async () => {
      const x = await page.evaluate(() => window.__xss);
      assert(x === undefined, 'user data was executed as HTML (window.__xss set)');
    };

    // Scrolls through the page so lazy charts render, then a full-page screenshot.
    const shoot = async (name) => {
      currentCheck = `screenshot ${name}`;
      await page.evaluate(async () => {
        const step = Math.max(200, window.innerHeight - 100);
        for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
          window.scrollTo(0, y);
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 40)));
        }
        window.scrollTo(0, 0);
      });
      await page.waitForFunction(() => [...document.querySelectorAll('.chart')].filter((c) => c.offsetParent !== null).every((c) => c.dataset.chartReady === '1'), null, { timeout: TIMEOUT })
        .catch(() => notes.push(`${name}: some charts were not ready for the screenshot`));
      await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
      await checkNoXss();
    };

    const readScores = () => page.$$eval('[data-testid="leaderboard-table"] [data-testid="leaderboard-row"] [data-score]', (els) => els.map((e) => Number(e.dataset.score)));

    // ---------------- jobs ----------------
    await visit('jobs', '/jobs', 'jobs');
    currentCheck = 'jobs list';
    assert(await page.$('[data-testid="jobs-table"] tbody tr'), 'the jobs table has no rows');
    await checkLabels('jobs');
    await checkTabReaches('jobs', ['a[href^="#/jobs"]', '[data-testid="jobs-table"] a']);
    await shoot('jobs');

    // ---------------- job: sort the leaderboard ----------------
    await visit('job', `/jobs/${enc(opts.job)}`, 'job');
    currentCheck = 'job page';
    assert(await page.$('[data-testid="leaderboard-table"]'), `job ${opts.job} has no leaderboard (pick a Completed job)`);
    await checkLabels('job');
    await checkTabReaches('job', ['[data-testid="sort-score"]', '[data-testid="sort-fit"]']);
    currentCheck = 'leaderboard sort';
    const initial = await readScores();
    assert(initial.length >= 2, `the leaderboard needs 2+ scored rows, has ${initial.length}`);
    await page.click('[data-testid="sort-score"]');
    const asc = await readScores();
    await page.click('[data-testid="sort-score"]');
    const desc = await readScores();
    const isSorted = (a, dir) => a.every((x, i) => i === 0 || Number.isNaN(x) || Number.isNaN(a[i - 1]) || (dir > 0 ? a[i - 1] <= x : a[i - 1] >= x));
    assert(isSorted(asc, 1), `first click did not sort ascending: ${asc.join(', ')}`);
    assert(isSorted(desc, -1), `second click did not sort descending: ${desc.join(', ')}`);
    assert(JSON.stringify(asc) !== JSON.stringify(desc) || new Set(asc).size === 1, 'the order did not flip');
    assert(JSON.stringify([...asc].reverse()) === JSON.stringify(desc) || asc.some((x, i) => asc.indexOf(x) !== i), 'the second order is not the reverse of the first');
    const ariaSort = await page.getAttribute('th:has([data-testid="sort-score"])', 'aria-sort');
    assert(ariaSort === 'descending', `aria-sort is ${ariaSort}, not descending`);
    // Keyboard: headers are buttons.
    await page.focus('[data-testid="sort-fit"]');
    await page.keyboard.press('Enter');
    assert(await page.getAttribute('th:has([data-testid="sort-fit"])', 'aria-sort') === 'ascending', 'Enter on the fit-time header did not sort');
    assert(await page.$('[data-testid="ensemble-table"]') || await page.$('[data-testid="ensemble"]'), 'no ensemble section');
    assert(await page.$('[data-testid="data-report"]'), 'no data report section');
    await shoot('job');

    // ---------------- registry ----------------
    await visit('registry', '/registry', 'groups');
    await checkLabels('registry');
    await checkTabReaches('registry', ['[data-testid="groups-table"] a']);
    await shoot('registry');

    await visit('group', `/registry/${enc(opts.group)}`, 'group');
    currentCheck = 'group page';
    assert(await page.$('[data-testid="versions-table"] tbody tr'), 'the versions table has no rows');
    await checkLabels('group');
    await checkTabReaches('group', ['[data-testid="versions-table"] a'].concat(await page.$('[data-testid="metric-select"]') ? ['[data-testid="metric-select"]'] : []));
    await shoot('group');

    // ---------------- version: model quality + threshold ----------------
    const vHash = `/registry/${enc(opts.group)}/${enc(opts.version)}`;
    await visit('version', vHash, 'version');
    await checkLabels('version');
    const hasSlider = Boolean(await page.$('[data-testid="threshold-slider"]'));
    const tabTargets = ['[data-testid="tab-quality"]', '[data-testid="status-comment"]'];
    if (hasSlider) tabTargets.push('[data-testid="threshold-slider"]');
    await checkTabReaches('version', tabTargets);
    currentCheck = 'threshold slider';
    const isBinary = Boolean(await page.$('[data-testid="roc-chart"], [data-testid="threshold-missing"]'));
    if (!hasSlider && !isBinary) {
      notes.push('version: not a binary classifier, threshold check skipped');
    } else if (!hasSlider) {
      assert(opts['allow-no-threshold-curve'], 'no threshold slider on the Model quality tab (the report has no threshold_curve?); pass --allow-no-threshold-curve to accept');
      assert(await page.$('[data-testid="threshold-missing"]'), 'neither a threshold slider nor the note saying it is missing');
      notes.push('version: no threshold_curve, slider check skipped');
    } else {
      const readouts = () => page.evaluate(() => ['threshold-value', 'threshold-precision', 'threshold-recall', 'threshold-f1']
        .map((t) => document.querySelector(`[data-testid="${t}"]`)?.textContent ?? ''));
      const before = await readouts();
      assert(before.every((x) => x && x !== '—'), `empty readouts: ${before.join(' / ')}`);
      await page.focus('[data-testid="threshold-slider"]');
      for (let i = 0; i < 8; i += 1) await page.keyboard.press('ArrowRight');
      const afterKeys = await readouts();
      assert(afterKeys[0] !== before[0], `ArrowRight did not move the threshold (${before[0]})`);
      assert(afterKeys.slice(1).some((x, i) => x !== before[i + 1]), `precision/recall/F1 did not change: ${afterKeys.join(' / ')}`);
      const max = Number(await page.getAttribute('[data-testid="threshold-slider"]', 'max'));
      await page.fill('[data-testid="threshold-slider"]', String(Math.round(max * 0.2)));
      const afterFill = await readouts();
      assert(afterFill.slice(1).some((x, i) => x !== afterKeys[i + 1]), 'moving the slider with fill() did not change the readouts');
      // precision should not rise when the threshold falls a lot (a sanity check on direction), recall should not fall
      const num = (s) => Number(String(s).replace(/,/g, ''));
      assert(num(afterFill[2]) >= num(afterKeys[2]), `recall fell when the threshold fell (${afterKeys[2]} -> ${afterFill[2]})`);
    }
    assert(await page.$('[data-testid="metrics-table"]'), 'no metrics table on the Model quality tab');
    await shoot('version-quality');

    // ---------------- explainability (reached with arrow keys) ----------------
    currentCheck = 'explainability tab';
    await page.focus('[data-testid="tab-quality"]');
    await page.keyboard.press('ArrowRight');
    assert(await page.getAttribute('[data-testid="tab-explain"]', 'aria-selected') === 'true', 'ArrowRight on the tab list did not select Explainability');
    assert(await page.evaluate(() => document.activeElement?.dataset.testid) === 'tab-explain', 'focus did not move to the Explainability tab');
    await page.waitForSelector('[data-testid="panel-explain"]:not([hidden])');
    const hasReport = await page.$('[data-testid="importance-chart"]');
    if (hasReport) {
      await page.waitForSelector('[data-testid="importance-chart"][data-chart-ready="1"]');
      const bars = await page.$$eval('[data-testid="importance-chart"] svg path', (p) => p.length);
      assert(bars > 0, 'the importance chart drew no bars');
    } else {
      notes.push('version: no explainability report, importance check skipped');
    }
    currentCheck = 'row SHAP';
    await page.waitForSelector('[data-testid="rows-table"] [data-testid="explain-row"]');
    const rowButtons = await page.$$('[data-testid="rows-table"] [data-testid="explain-row"]');
    await rowButtons[Math.min(2, rowButtons.length - 1)].click();
    await page.waitForSelector('[data-testid="row-shap"] [data-testid="shap-bars"]');
    await page.locator('[data-testid="row-shap"] [data-testid="shap-bars"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="row-shap"] [data-testid="shap-bars"][data-chart-ready="1"]');
    const shapBars = Number(await page.getAttribute('[data-testid="row-shap"] [data-testid="shap-bars"]', 'data-bars'));
    assert(shapBars > 0, 'the row SHAP chart has no bars');
    assert((await page.textContent('[data-testid="row-shap"] [data-testid="prediction-value"]')).trim() !== '—', 'the explained row shows no prediction');
    await checkLabels('version explain');
    await shoot('version-explain');

    // ---------------- approve ----------------
    currentCheck = 'approve';
    const badgeStatus = () => page.getAttribute('[data-testid="status-badge"]', 'data-status');
    if (await badgeStatus() === 'Approved') {
      notes.push('version: was already Approved; rejected it first so the approval can be seen');
      await page.fill('[data-testid="status-comment"]', 'e2e: reset before the approval check');
      await page.click('[data-testid="reject-button"]');
      await page.waitForSelector('[data-testid="status-badge"][data-status="Rejected"]');
    }
    await page.evaluate(() => { window.__e2eNoReload = 1; });
    const comment = `e2e approval ${new Date().toISOString()}`;
    await page.fill('[data-testid="status-comment"]', comment);
    await page.click('[data-testid="approve-button"]');
    await page.waitForSelector('[data-testid="status-badge"][data-status="Approved"]');
    await page.click('[data-testid="tab-details"]');
    await page.waitForSelector('[data-testid="panel-details"]:not([hidden]) [data-testid="audit-table"]');
    const lastAudit = await page.$$eval('[data-testid="audit-table"] tbody tr', (trs) => (trs.length ? trs[trs.length - 1].textContent : ''));
    assert(lastAudit.includes(comment), `the audit trail's last row does not carry the comment: "${lastAudit.slice(0, 120)}"`);
    assert(/Approved/.test(lastAudit), 'the audit trail\'s last row is not the approval');
    assert(await page.evaluate(() => window.__e2eNoReload === 1), 'the page reloaded');
    await checkLabels('version details');
    await shoot('version-details');

    // ---------------- version try-it ----------------
    currentCheck = 'version try-it';
    await page.click('[data-testid="tab-try"]');
    await page.waitForSelector('[data-testid="panel-try"]:not([hidden]) [data-testid="tryit-form"]');
    await checkLabels('version try');
    await page.click('[data-testid="panel-try"] [data-testid="tryit-submit"]');
    await page.waitForSelector('[data-testid="panel-try"] [data-testid="prediction-output"]');
    await shoot('version-try');

    // ---------------- endpoints and try-it ----------------
    await visit('endpoints', '/endpoints', 'endpoints');
    await checkLabels('endpoints');
    await checkTabReaches('endpoints', ['[data-testid="endpoints-table"] a']);
    await shoot('endpoints');

    await visit('endpoint', `/endpoints/${enc(opts.endpoint)}`, 'endpoint');
    await checkLabels('endpoint');
    await checkTabReaches('endpoint', ['[data-testid="tryit-form"] input', '[data-testid="tryit-submit"]']);
    currentCheck = 'endpoint try-it';
    await page.click('[data-testid="tryit-submit"]');
    const outcome = await Promise.race([
      page.waitForSelector('[data-testid="prediction-output"]').then(() => 'ok'),
      page.waitForSelector('.tryit-output [data-testid="error"]').then(() => 'error'),
    ]);
    if (outcome === 'error') throw new Fail(`predict failed: ${(await page.textContent('.tryit-output [data-testid="error"]')).trim()}`);
    const pred = (await page.textContent('[data-testid="prediction-value"]')).trim();
    assert(pred && pred !== '—', 'no prediction shown');
    await page.locator('[data-testid="prediction-output"] [data-testid="shap-bars"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="prediction-output"] [data-testid="shap-bars"][data-chart-ready="1"]');
    const epBars = await page.$$eval('[data-testid="prediction-output"] [data-testid="shap-bars"] svg path', (p) => p.length);
    assert(epBars > 0, 'the prediction shows no SHAP bars');
    await shoot('endpoint');

    // ---------------- pipelines and the execution ----------------
    await visit('pipelines', '/pipelines', 'pipelines');
    await checkLabels('pipelines');
    await checkTabReaches('pipelines', ['[data-testid="pipelines-table"] a']);
    await shoot('pipelines');

    await visit('execution', `/executions/${enc(opts.execution)}`, 'execution');
    await checkLabels('execution');
    await checkTabReaches('execution', ['[data-testid="step-log-button"]']);
    currentCheck = 'execution DAG';
    const steps = await page.$$('[data-testid="steps-table"] tbody tr[data-step]');
    assert(steps.length > 0, 'the steps table is empty');
    await page.locator('[data-testid="dag-chart"]').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="dag-chart"][data-chart-ready="1"]');
    const nodes = Number(await page.getAttribute('[data-testid="dag-chart"]', 'data-nodes'));
    assert(nodes === steps.length, `the DAG has ${nodes} nodes for ${steps.length} steps`);
    const drawn = await page.$$eval('[data-testid="dag-chart"] svg path', (p) => p.length);
    assert(drawn >= nodes, 'the DAG drew too few shapes');
    currentCheck = 'step log';
    const ranStep = await page.$('[data-testid="steps-table"] tbody tr[data-step]:not(:has([data-status="NotStarted"])) [data-testid="step-log-button"]');
    assert(ranStep, 'no step has run');
    await ranStep.click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="log-viewer"]')?.textContent || '').length > 0);
    const pipelineName = await page.$eval('[data-testid="execution-summary"] a[href^="#/pipelines/"]', (a) => a.getAttribute('href')).catch(() => null);
    await shoot('execution');

    if (pipelineName) {
      await visit('pipeline', pipelineName.slice(1), 'pipeline');
      await checkLabels('pipeline');
      await checkTabReaches('pipeline', ['[data-testid="executions-table"] a']);
      currentCheck = 'pipeline executions';
      assert(await page.$('[data-testid="executions-table"] tbody tr'), 'the executions table is empty');
      await shoot('pipeline');
    }

    currentCheck = 'page errors';
    assert(pageErrors.length === 0, `JavaScript errors: ${pageErrors.slice(0, 3).join(' | ')}`);
    await context.close();
  } finally {
    await browser.close();
  }
}

main().then(() => {
  for (const n of notes) log(`note: ${n}`);
  console.log(JSON.stringify({ pages: timings }));
  process.exit(0);
}, (e) => {
  const msg = e instanceof Fail ? e.message : (e && e.message ? e.message.split('\n')[0] : String(e));
  console.log(`E2E FAIL: ${currentCheck}: ${msg}`);
  process.exit(1);
});
