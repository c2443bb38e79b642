// llama.cpp (node-llama-cpp's prebuilt CPU build) as a second oracle on a
// test-made GGUF file: the prompt's token ids and N greedy tokens.
//   node greedy.mjs MODEL.gguf PROMPT N   -> {"prompt": [ids], "tokens": [ids], "text": "..."}
import { getLlama } from 'node-llama-cpp';

const [modelPath, prompt, countArg] = process.argv.slice(2);
const count = Number(countArg);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 256, threads: 1 });
const sequence = context.getSequence();
// As llama.cpp's own tools do: BOS first when the model says to add it.
const promptIds = [...(model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : []),
  ...model.tokenize(prompt)];
const tokens = [];
for await (const token of sequence.evaluate(promptIds, { temperature: 0 })) {
  if (model.isSpecialToken(token)) break;
  tokens.push(token);
  if (tokens.length >= count) break;
}
console.log(JSON.stringify({ prompt: Array.from(promptIds), tokens, text: model.detokenize(tokens) }));
await context.dispose();
await model.dispose();
