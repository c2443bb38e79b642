// llama.cpp (node-llama-cpp's prebuilt CPU build) on a GGUF file, timed the
// way bench/hub_speed.py times tabpilot: a prompt of P tokens processed, then
// G tokens generated greedily after a 1-token prompt.
//   node run.mjs MODEL.gguf THREADS PROMPT_TOKENS GENERATED_TOKENS  -> one JSON line
import { getLlama } from 'node-llama-cpp';

const [modelPath, threadsArg, promptArg, genArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const promptTokens = Number(promptArg);
const generated = Number(genArg);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 1024, threads, batchSize: 512 });
const now = () => Number(process.hrtime.bigint()) / 1e9;

// Prompt processing: P tokens of the vocabulary (ids 100..), twice; the second is timed.
const prompt = Array.from({ length: promptTokens }, (_, i) => 100 + (i * 7) % 1000);
let seq = context.getSequence();
await seq.evaluateWithoutGeneratingNewTokens(prompt);
seq.dispose();
seq = context.getSequence();
let t0 = now();
await seq.evaluateWithoutGeneratingNewTokens(prompt);
const promptSeconds = now() - t0;
seq.dispose();

// Generation: G tokens greedy after one token (also warmed up once).
async function generate(count) {
  const s = context.getSequence();
  let n = 0;
  const start = now();
  for await (const token of s.evaluate([100], { temperature: 0 })) {
    void token;
    if (++n >= count) break;
  }
  const seconds = now() - start;
  s.dispose();
  return seconds;
}
await generate(8);
const genSeconds = await generate(generated);
console.log(JSON.stringify({
  engine: 'llama.cpp', threads, prompt_tokens: promptTokens, prompt_seconds: promptSeconds,
  prompt_tokens_per_second: promptTokens / promptSeconds, generated_tokens: generated,
  generation_seconds: genSeconds, tokens_per_second: generated / genSeconds,
}));
await context.dispose();
await model.dispose();
