// First render of each UI page, cold: a fresh browser context per load (no
// cache), the page opened at its URL, timed from the navigation's start to
// the page's ready marker (main[data-page-ready], set once its data is
// drawn). Prints one JSON line: {"pages": {name: [ms, ...]}}.
//
// Usage: node tests/first_render.mjs --base-url URL --runs N PAGE=HASH ...
//   e.g. jobs='#/jobs' version='#/registry/G/1?tab=quality'
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
let base = '';
let runs = 5;
const pages = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--base-url') base = args[++i].replace(/\/+$/, '');
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else {
    const eq = args[i].indexOf('=');
    pages.push([args[i].slice(0, eq), args[i].slice(eq + 1)]);
  }
}
if (!base || !pages.length) {
  console.error('usage: node tests/first_render.mjs --base-url URL [--runs N] NAME=#/route ...');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const out = {};
try {
  for (const [name, hash] of pages) {
    out[name] = [];
    for (let r = 0; r < runs; ++r) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/${hash}`);
      // The time read in the page on the first animation frame with the marker set.
      const handle = await page.waitForFunction(
        () => (document.querySelector('main[data-page-ready]') ? performance.now() : 0), null,
        { polling: 'raf', timeout: 20000 });
      const ms = await handle.jsonValue();
      const marker = await page.getAttribute('main', 'data-page-ready');
      if (marker === 'error' || marker === 'notfound') throw new Error(`${name}: the page says ${marker}`);
      out[name].push(Math.round(ms));
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ pages: out }));
