// A decoder-only transformer's shape and flavour, from the model file's
// metadata (GGUF: "<arch>.embedding_length", ...). The engine runs two
// families: GPT-2 (learned positions, LayerNorm with biases, GELU, one fused
// QKV projection, output tied to the token embedding) and LLaMA (RoPE,
// RMSNorm, SwiGLU, grouped-query attention; LLaMA 1/2/3, TinyLlama, SmolLM,
// Mistral-style files that say "llama"). Anything else is refused by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tabpilot {

class GgufFile;

enum class Architecture { kGpt2, kLlama };

struct TransformerConfig {
  Architecture architecture = Architecture::kGpt2;
  std::string architecture_name;  // as the file says: "gpt2", "llama"
  int64_t vocab = 0;
  int64_t context = 0;  // the longest sequence the model was trained for
  int64_t embedding = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t kv_heads = 0;  // == heads unless grouped-query attention
  int64_t feed_forward = 0;
  double norm_epsilon = 1e-5;
  // RoPE (LLaMA): base frequency and the leading dimensions of each head it turns.
  double rope_base = 10000.0;
  int64_t rope_dims = 0;
  // Pairs a RoPE turns: (2i, 2i+1) as GGUF files store Q/K (false), or
  // (i, i + d/2) as Hugging Face checkpoints do (true).
  bool rope_half_split = false;

  int64_t head_dim() const { return embedding / heads; }
  int64_t kv_dim() const { return head_dim() * kv_heads; }
};

// The architectures the engine implements (general.architecture values).
const std::vector<std::string>& SupportedArchitectures();

// Reads and checks the shape; InvalidInput naming `source` for an
// unsupported architecture or an inconsistent shape (heads not dividing the
// width, kv heads not dividing heads, ...). `vocab` is the tokenizer's size.
TransformerConfig ReadTransformerConfig(const GgufFile& file, int64_t vocab, const std::string& source);
// The checks alone (a config built from another format).
void CheckTransformerConfig(const TransformerConfig& config, const std::string& source);

}  // namespace tabpilot
