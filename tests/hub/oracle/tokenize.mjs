// Reference tokenizations for the hub's tokenizer tests, from the npm
// packages that ship GPT-2's and LLaMA's real vocabularies.
//   node tokenize.mjs gpt2 texts.json out.json    ids of each text (GPT-2 BPE)
//   node tokenize.mjs llama texts.json out.json   ids of each text (LLaMA SentencePiece: BOS + space prefix)
//   node tokenize.mjs llama-vocab out.json        LLaMA's 32,000 tokens by id and its merges
//                                                 (["left right", priority], lower first)
import { readFileSync, writeFileSync } from 'node:fs';
import gpt2 from 'gpt-3-encoder';
import llama from 'llama-tokenizer-js';

const [mode, input, output] = process.argv.slice(2);
if (mode === 'llama-vocab') {
  writeFileSync(input, JSON.stringify({ tokens: llama.vocabById, merges: [...llama.merges.entries()] }));
} else if (mode === 'gpt2' || mode === 'llama') {
  const texts = JSON.parse(readFileSync(input, 'utf-8'));
  const ids = texts.map((t) => (mode === 'gpt2' ? gpt2.encode(t) : llama.encode(t, true, true)));
  writeFileSync(output, JSON.stringify(ids));
} else {
  console.error('usage: node tokenize.mjs gpt2|llama texts.json out.json | llama-vocab out.json');
  process.exit(2);
}
