#!/usr/bin/env node
// The model hub page in headless Chromium against `tabpilot serve --ui`
// with a registered, approved and served text-generation model: its card
// shows the model's facts and license, and "Try it" streams a completion
// (the output grows while the request runs, then says done).
//   node tests/hub_e2e.mjs --base-url http://127.0.0.1:PORT/ui/ --model NAME --screenshot FILE
//     [--chromium /usr/bin/chromium] [--timeout 15000]
// Exits 0 when every check passes, else prints "HUB E2E FAIL: <reason>" and exits 1.
import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const BASE = (args['base-url'] || '').replace(/\/*$/, '/');
const TIMEOUT = Number(args.timeout || 15000);
const fail = (why) => {
  console.error(`HUB E2E FAIL: ${why}`);
  process.exit(1);
};
if (!args['base-url'] || !args.model || !args.screenshot) fail('usage: --base-url URL --model NAME --screenshot FILE');

const browser = await chromium.launch({ executablePath: args.chromium || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE}#/hub`);
  await page.waitForSelector('main[data-page-ready="hub"]', { timeout: TIMEOUT }).catch(() => fail('no ready hub page'));
  const card = page.locator(`[data-testid="hub-card"][data-model="${args.model}"]`);
  if ((await card.count()) !== 1) fail(`no card for ${args.model}`);
  const text = (await card.innerText()).toLowerCase();  // labels may be styled in capitals
  for (const want of ['text generation', 'architecture', 'gpt2', 'precision', 'license', 'research only', 'try it']) {
    if (!text.includes(want)) fail(`the card lacks "${want}": ${text}`);
  }
  await card.locator('[data-testid="hub-prompt"]').fill('to be or');
  await card.locator('input[type="number"]').first().fill('200');
  await card.locator('[data-testid="hub-generate"]').click();
  // Streamed: the output grows beyond the prompt before the request is done.
  const output = card.locator('[data-testid="hub-output"]');
  await page.waitForFunction(
    (m) => {
      const c = document.querySelector(`[data-testid="hub-card"][data-model="${m}"]`);
      return c.querySelector('[data-testid="hub-output"]').textContent.length > 'to be or'.length;
    },
    args.model, { timeout: TIMEOUT },
  ).catch(async () => fail(`no text arrived: ${await card.locator('[data-testid="hub-status"]').innerText()}`));
  const status = card.locator('[data-testid="hub-status"]');
  await page.waitForFunction(
    (m) => document.querySelector(`[data-testid="hub-card"][data-model="${m}"] [data-testid="hub-status"]`).dataset.done === 'true',
    args.model, { timeout: TIMEOUT },
  ).catch(async () => fail(`not done: ${await status.innerText()}`));
  const done = await status.innerText();
  const pieces = Number((done.match(/Done: (\d+) pieces/) || [])[1]);
  if (!(pieces > 1)) fail(`the completion came in ${pieces} piece(s), not streamed: ${done}`);
  if (!(await output.innerText()).startsWith('to be or')) fail('the output does not start with the prompt');
  if (errors.length) fail(`page errors: ${errors.join('; ')}`);
  await page.screenshot({ path: args.screenshot, fullPage: true });
  console.log(`hub page: card and streamed try-it (${pieces} pieces) checked`);
} finally {
  await browser.close();
}
