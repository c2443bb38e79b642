// The forward pass of a decoder-only transformer (GPT-2 or LLaMA family,
// transformer_config.h) over weights viewed in the model file: tokens in,
// next-token logits out, keys and values kept in a KvCache. A prompt of n
// tokens goes through in one call (each weight read once for all n); a
// generated token is a call with one. Immutable after construction but for
// its thread pool: threads may run Forward on their own caches at once, and
// their parallel steps take turns on the pool.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hub/kv_cache.h"
#include "hub/matmul.h"
#include "hub/transformer_config.h"
#include "hub/weight_matrix.h"

namespace tabpilot {

class GgufFile;

struct LayerWeights {
  std::vector<float> attn_norm, attn_norm_bias;  // bias: GPT-2 only
  WeightMatrix qkv;                              // GPT-2: q, k and v in one (3 * embedding rows)
  std::vector<float> qkv_bias;
  WeightMatrix q, k, v;  // LLaMA
  WeightMatrix attn_out;
  std::vector<float> attn_out_bias;
  std::vector<float> ffn_norm, ffn_norm_bias;
  WeightMatrix gate;  // LLaMA's SwiGLU
  WeightMatrix up, down;
  std::vector<float> up_bias, down_bias;
};

struct TransformerWeights {
  WeightMatrix token_embedding;
  WeightMatrix position_embedding;  // GPT-2
  std::vector<float> output_norm, output_norm_bias;
  WeightMatrix output;  // the token embedding when the model ties them
  std::vector<LayerWeights> layers;
};

// Binds llama.cpp's tensor names ("blk.3.attn_q.weight", ...) and checks
// each shape against the config; InvalidInput naming `source` and the
// tensor for a missing or misshapen one.
TransformerWeights BindGgufWeights(const GgufFile& file, const TransformerConfig& config, const std::string& source);

// One sequence's part of a batch: its new tokens, its cache, where its
// logits go (the last token's; every token's, n x vocab, when `all`).
struct SequenceStep {
  std::span<const int32_t> tokens;
  KvCache* cache = nullptr;
  std::vector<float>* logits = nullptr;
  bool all = false;
};

class Transformer {
 public:
  struct Options {
    // Threads for the products and attention (0: every core).
    int threads = 0;
    // Kernels for the products (default: the best this CPU runs).
    const MatMulKernels* kernels = nullptr;
  };

  Transformer(TransformerConfig config, TransformerWeights weights, Options options);

  const TransformerConfig& config() const { return config_; }
  int threads() const { return pool_->size(); }
  // A cache for a sequence of up to `capacity` tokens (clamped to the context).
  KvCache NewCache(int64_t capacity) const;

  // Runs `tokens` at the positions after those in `cache`, appending their
  // keys and values, and sets `logits` to the last token's next-token
  // logits (vocab floats), or every token's (n x vocab) when `all`.
  // InvalidInput for an id outside the vocabulary or a sequence longer
  // than the cache.
  void Forward(std::span<const int32_t> tokens, KvCache* cache, std::vector<float>* logits, bool all = false) const;
  // Several sequences in one pass (continuous batching): each weight is
  // read once for every token of every step. A token's logits are the same
  // as in a call of its own, whatever else is in the batch. Every step is
  // checked before any cache changes.
  void ForwardBatch(std::span<const SequenceStep> steps) const;

  // Bytes of weights one generated token reads (every matrix once, the
  // embedding one row): what memory bandwidth bounds generation by.
  size_t WeightBytesPerToken() const;

 private:
  struct Batch;
  void Check(std::span<const SequenceStep> steps) const;
  void Embed(const Batch& b, float* x) const;
  void Rope(float* v, const Batch& b, int64_t heads) const;
  void StoreKeysValues(int64_t layer, const Batch& b, const float* k, const float* v, int64_t stride) const;
  void Attention(int64_t layer, const Batch& b, const float* q, int64_t q_stride, float* out) const;
  void Gpt2Block(int64_t layer, const Batch& b, float* x) const;
  void LlamaBlock(int64_t layer, const Batch& b, float* x) const;
  // Threads worth waking for an elementwise pass over `values` floats.
  int ElementwiseThreads(int64_t values) const;

  TransformerConfig config_;
  TransformerWeights weights_;
  std::unique_ptr<SpinPool> pool_;
  const MatMulKernels* kernels_ = nullptr;
  std::vector<float> rope_freq_;  // per rotated pair: base^(-2i/d)
};

}  // namespace tabpilot
