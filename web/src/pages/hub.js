// #/hub: the registered text-generation models as cards (task, size,
// precision, license and usage terms), each with "Try it": a completion
// streamed from the endpoint that serves it (POST ../v1/completions with
// "stream": true, read as server-sent events as they arrive; Stop aborts
// the request, which frees the server's slot).
import { h, replace, badge, fmtInt, section, kv, emptyNote, errorBox, nextId } from '../dom.js';
import { api, authHeaders } from '../api.js';
import { pageHeader } from './common.js';

function fmtBytes(n) {
  if (n == null) return '—';
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

function fmtParams(n) {
  if (n == null) return '—';
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : `${(n / 1e6).toFixed(1)}M`;
}

// Reads server-sent events from a fetch response, calling onText with each
// completion's text piece; resolves at "data: [DONE]" or the end.
async function readEvents(res, onText) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = pending.indexOf('\n\n')) >= 0) {
      const event = pending.slice(0, cut);
      pending = pending.slice(cut + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error);
      const choice = chunk.choices && chunk.choices[0];
      if (choice && choice.text) onText(choice.text);
    }
  }
}

function tryIt(model) {
  const serving = (model.endpoints || []).find((e) => e.status === 'serving') || (model.endpoints || [])[0];
  if (!serving) {
    return emptyNote(`No endpoint serves ${model.name}. Create one: tabpilot endpoint create NAME --hub-model ${model.name}`);
  }
  const ids = { prompt: nextId('prompt'), tokens: nextId('tokens'), temp: nextId('temp'), topp: nextId('topp') };
  const prompt = h('textarea', { id: ids.prompt, rows: 3, 'data-testid': 'hub-prompt' }, 'To be or not to be');
  const tokens = h('input', { id: ids.tokens, type: 'number', min: 1, max: 4096, value: 32 });
  const temp = h('input', { id: ids.temp, type: 'number', min: 0, max: 2, step: 'any', value: 0.7 });
  const topp = h('input', { id: ids.topp, type: 'number', min: 0.01, max: 1, step: 'any', value: 0.95 });
  const output = h('pre', { class: 'hub-output', 'data-testid': 'hub-output', 'aria-live': 'polite' });
  const status = h('p', { class: 'muted', 'data-testid': 'hub-status', role: 'status' },
    `Served by endpoint ${serving.name}.`);
  const run = h('button', { type: 'submit', class: 'primary', 'data-testid': 'hub-generate' }, 'Generate');
  const stop = h('button', { type: 'button', disabled: true }, 'Stop');
  let controller = null;
  stop.addEventListener('click', () => controller && controller.abort());
  const form = h('form', { class: 'hub-try' },
    h('label', { for: ids.prompt }, 'Prompt'), prompt,
    h('div', { class: 'hub-params' },
      h('label', { for: ids.tokens }, 'Max tokens'), tokens,
      h('label', { for: ids.temp }, 'Temperature'), temp,
      h('label', { for: ids.topp }, 'Top p'), topp),
    h('div', { class: 'hub-actions' }, run, stop), output, status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    controller = new AbortController();
    run.disabled = true;
    stop.disabled = false;
    output.textContent = prompt.value;
    status.textContent = 'Generating…';
    const started = performance.now();
    let pieces = 0;
    try {
      const res = await fetch(new URL('../v1/completions', document.baseURI), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...authHeaders() },
        body: JSON.stringify({
          model: serving.name, prompt: prompt.value, max_tokens: Number(tokens.value),
          temperature: Number(temp.value), top_p: Number(topp.value), stream: true,
        }),
        signal: controller.signal,
      });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new Error(res.status === 404 && !body.error
          ? 'This UI is not served with the endpoints: start it with tabpilot serve --ui to try models.'
          : body.error || `HTTP ${res.status}`);
      }
      await readEvents(res, (text) => {
        output.textContent += text;
        pieces += 1;
      });
      const seconds = (performance.now() - started) / 1000;
      status.textContent = `Done: ${pieces} pieces in ${seconds.toFixed(2)} s.`;
      status.dataset.done = 'true';
    } catch (err) {
      status.textContent = err.name === 'AbortError' ? 'Stopped.' : `Error: ${err.message}`;
    } finally {
      run.disabled = false;
      stop.disabled = true;
      controller = null;
    }
  });
  return form;
}

function card(model) {
  const info = model.info || {};
  const license = model.license || {};
  const title = h('span', null, model.name, ' ', badge(model.status), ' ', h('span', { class: 'muted' }, `v${model.version}`));
  const children = [
    h('p', { class: 'hub-task' }, 'Text generation', model.description ? ` · ${model.description}` : ''),
    kv([
      ['Architecture', info.architecture],
      ['Parameters', fmtParams(info.parameters)],
      ['Precision', info.precision],
      ['Size', fmtBytes(info.file_bytes)],
      ['Context', info.context != null ? `${fmtInt(info.context)} tokens` : undefined],
      ['Chat format', info.chat_format],
      ['License', license.id || 'not stated'],
      ['Usage terms', license.usage_terms],
    ]),
  ];
  if (license.text) children.push(h('details', null, h('summary', null, 'License text'), h('pre', { class: 'license' }, license.text)));
  if (model.error) children.push(errorBox(model.error));
  children.push(h('h3', null, 'Try it'), tryIt(model));
  return section(title, { class: 'card hub-card', 'data-testid': 'hub-card', 'data-model': model.name }, ...children);
}

export async function renderHub(ctx) {
  ctx.title('Model hub');
  ctx.crumbs(['Model hub']);
  const page = await api('hub', { signal: ctx.signal });
  if (!ctx.alive) return;
  const cards = page.items.map(card);
  replace(ctx.main,
    pageHeader('Model hub', { subtitle: 'Text-generation models in the registry, served on the CPU by tabpilot\'s own engine.' }),
    ...(cards.length ? cards : [emptyNote('No text-generation models. Add one with `tabpilot hub add NAME --path model.gguf`.')]),
    h('p', { class: 'muted' }, 'Image generation (Stable Diffusion) is not offered: no CPU runtime for it fits this engine.'));
  ctx.ready('hub');
}
