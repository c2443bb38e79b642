// "Try it": a form generated from a version's input_schema; submits one row
// and shows the prediction, class probabilities and SHAP bars.
import { h, replace, errorBox, nextId, spinner } from './dom.js';
import { predictionView } from './shap.js';

// schema: [{name, type, values, example}]; predict(row) -> Promise<answer>
export function tryItForm(schema, predict, { title = 'Try it', note } = {}) {
  const output = h('div', { class: 'tryit-output', 'aria-live': 'polite' });
  const fields = [];
  const uid = nextId('try');
  const grid = h('div', { class: 'form-grid' });
  if (!Array.isArray(schema) || !schema.length) {
    return h('div', { class: 'tryit' }, h('p', { class: 'empty' }, 'This model has no input schema to build a form from.'));
  }
  schema.forEach((col, i) => {
    const id = `${uid}-f${i}`;
    const type = col.type || 'text';
    let input;
    let extra = null;
    if (type === 'numeric') {
      input = h('input', { id, name: col.name, type: 'number', step: 'any', inputmode: 'decimal' });
    } else if (type === 'categorical') {
      const listId = `${id}-values`;
      input = h('input', { id, name: col.name, type: 'text', list: listId, autocomplete: 'off', spellcheck: 'false' });
      extra = h('datalist', { id: listId }, (col.values || []).map((v) => h('option', { value: String(v) })));
    } else {
      input = h('input', { id, name: col.name, type: 'text', spellcheck: 'false', placeholder: type === 'datetime' ? 'e.g. 2024-01-31T12:00:00' : null });
    }
    const example = col.example === null || col.example === undefined ? '' : String(col.example);
    input.value = example;
    input.dataset.example = example;
    input.dataset.column = col.name;
    input.dataset.type = type;
    fields.push(input);
    grid.append(h('div', { class: 'field' },
      h('label', { for: id }, h('span', { class: 'field-name' }, col.name), h('span', { class: `type type-${type}` }, type)),
      input, extra));
  });

  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'tryit-submit' }, 'Predict');
  const reset = h('button', {
    type: 'button', class: 'btn',
    onclick: () => {
      for (const f of fields) f.value = f.dataset.example;
    },
  }, 'Reset to example');
  const clearBtn = h('button', {
    type: 'button', class: 'btn',
    onclick: () => {
      for (const f of fields) f.value = '';
    },
  }, 'Clear all');

  const form = h('form', { class: 'tryit-form', 'data-testid': 'tryit-form', 'aria-label': title, novalidate: true },
    h('p', { class: 'hint' }, note || 'Prefilled with a background row. Empty fields are sent as missing values.'),
    grid,
    h('div', { class: 'actions' }, submit, reset, clearBtn));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const row = {};
    for (const f of fields) {
      const v = f.value.trim();
      if (v === '') continue; // missing
      if (f.dataset.type === 'numeric' && Number.isFinite(Number(v))) row[f.dataset.column] = Number(v);
      else row[f.dataset.column] = v;
    }
    submit.disabled = true;
    replace(output, spinner('Predicting…'));
    try {
      const res = await predict(row);
      replace(output, predictionView(res));
    } catch (err) {
      replace(output, errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', { class: 'tryit' }, form, output);
}
