// A Hugging Face checkpoint folder: config.json (the shape), *.safetensors
// (the weights, one file or shards), tokenizer.json (+ tokenizer_config.json:
// special tokens, chat template). GPT-2 ("model_type": "gpt2") and LLaMA
// ("llama": LLaMA 1/2/3, TinyLlama, SmolLM) in F32, F16 or BF16. Read into
// the same config, vocabulary and weight views as a GGUF file: GPT-2's
// Conv1D weights (stored input-major) are transposed once at load; LLaMA's
// Q/K keep Hugging Face's rotary layout (rope_half_split). Anything this
// engine does not implement (another model type, rope scaling, a tokenizer
// other than BPE) is one InvalidInput naming the folder and what it is.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "hub/safetensors_file.h"
#include "hub/transformer.h"
#include "hub/vocabulary.h"

namespace tabpilot {

struct HfCheckpoint {
  TransformerConfig config;
  Vocabulary vocab;
  TransformerWeights weights;
  std::string name;     // the folder's name
  std::string license;  // config.json / README front matter's "license", when stated
  uint64_t parameters = 0;
  uint64_t file_bytes = 0;
  std::string precision;  // the storage type most weight bytes are in
  // What the weights point into: the mapped files and transposed copies.
  std::vector<SafetensorsFile> files;
  std::vector<std::shared_ptr<std::vector<unsigned char>>> owned;
};

HfCheckpoint ReadHfCheckpoint(const std::filesystem::path& folder);

// tokenizer.json (+ tokenizer_config.json) as the engine's vocabulary: a
// byte-level BPE (GPT-2, LLaMA-3, SmolLM) or a SentencePiece-style BPE with
// byte fallback (LLaMA-1/2, TinyLlama; merge ranks become scores).
Vocabulary ReadHfTokenizer(const SortedJson& tokenizer, const SortedJson& tokenizer_config, const std::string& source);

}  // namespace tabpilot
