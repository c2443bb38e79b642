// The official OpenAI client (npm openai) against `tabpilot serve
// --hub-model writer=...`: the model list, a completion, a chat completion
// whole and streamed (the same greedy text), several results, usage, and an
// unknown model as the client's 404 error. Exit 0 when every check holds.
//   node openai_client.mjs PORT
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const port = process.argv[2];
const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'not-needed', maxRetries: 0 });

const models = await client.models.list();
assert.deepEqual(models.data.map((m) => m.id), ['writer']);

const completion = await client.completions.create({ model: 'writer', prompt: 'to be or', max_tokens: 8, temperature: 0 });
assert.equal(completion.object, 'text_completion');
assert.equal(completion.choices.length, 1);
assert.equal(completion.choices[0].finish_reason, 'length');
assert.equal(completion.usage.completion_tokens, 8);
assert.ok(completion.choices[0].text.length > 0);

const streamedCompletion = await client.completions.create({
  model: 'writer', prompt: 'to be or', max_tokens: 8, temperature: 0, stream: true,
});
let streamedText = '';
for await (const chunk of streamedCompletion) streamedText += chunk.choices[0]?.text ?? '';
assert.equal(streamedText, completion.choices[0].text);

const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'to be' }];
const chat = await client.chat.completions.create({ model: 'writer', messages, max_tokens: 10, temperature: 0 });
assert.equal(chat.object, 'chat.completion');
assert.equal(chat.choices[0].message.role, 'assistant');
const stream = await client.chat.completions.create({
  model: 'writer', messages, max_tokens: 10, temperature: 0, stream: true, stream_options: { include_usage: true },
});
let text = '';
let role = '';
let finish = null;
let usage = null;
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) continue;
  role = choice.delta.role ?? role;
  text += choice.delta.content ?? '';
  finish = choice.finish_reason ?? finish;
}
assert.equal(role, 'assistant');
assert.equal(text, chat.choices[0].message.content);
assert.equal(finish, chat.choices[0].finish_reason);
assert.equal(usage.completion_tokens, chat.usage.completion_tokens);

const several = await client.completions.create({ model: 'writer', prompt: 'to', max_tokens: 4, temperature: 1, n: 3, seed: 7 });
assert.equal(several.choices.length, 3);

await assert.rejects(
  client.completions.create({ model: 'nope', prompt: 'x' }),
  (e) => e instanceof OpenAI.APIError && e.status === 404,
);
await assert.rejects(
  client.completions.create({ model: 'writer', prompt: 'x', temperature: 7 }),
  (e) => e instanceof OpenAI.APIError && e.status === 400,
);
console.log('openai client: every check passed');
