#include "hub/transformer.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/error.h"
#include "hub/gguf_file.h"

namespace tabpilot {
namespace {

std::string Shape(int64_t rows, int64_t cols) { return "[" + std::to_string(cols) + ", " + std::to_string(rows) + "]"; }

const GgufTensor& Tensor(const GgufFile& file, const std::string& name, const std::string& source) {
  const GgufTensor* t = file.FindTensor(name);
  if (t == nullptr) throw InvalidInput(source + ": tensor '" + name + "' is missing");
  return *t;
}

WeightMatrix Matrix(const GgufFile& file, const std::string& name, int64_t rows, int64_t cols,
                    const std::string& source) {
  const GgufTensor& t = Tensor(file, name, source);
  if (t.shape.size() != 2 || static_cast<int64_t>(t.shape[0]) != cols || static_cast<int64_t>(t.shape[1]) != rows) {
    std::string has;
    for (uint64_t d : t.shape) has += (has.empty() ? "" : ", ") + std::to_string(d);
    throw InvalidInput(source + ": tensor '" + name + "' has shape [" + has + "], expected " + Shape(rows, cols));
  }
  return ViewOf(t);
}

std::vector<float> Vector(const GgufFile& file, const std::string& name, int64_t n, const std::string& source) {
  const GgufTensor& t = Tensor(file, name, source);
  if (t.shape.size() != 1 || static_cast<int64_t>(t.shape[0]) != n) {
    throw InvalidInput(source + ": tensor '" + name + "' is not a vector of " + std::to_string(n));
  }
  return Dequantize(ViewOf(t));
}

void LayerNorm(const float* x, int64_t n, int64_t dim, const std::vector<float>& w, const std::vector<float>& b,
               double eps, float* out) {
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * dim;
    double mean = 0;
    for (int64_t i = 0; i < dim; ++i) mean += xt[i];
    mean /= static_cast<double>(dim);
    double var = 0;
    for (int64_t i = 0; i < dim; ++i) var += (xt[i] - mean) * (xt[i] - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) {
      out[t * dim + i] =
          static_cast<float>((xt[i] - mean) * inv) * w[static_cast<size_t>(i)] + b[static_cast<size_t>(i)];
    }
  }
}

void RmsNorm(const float* x, int64_t n, int64_t dim, const std::vector<float>& w, double eps, float* out) {
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * dim;
    double ss = 0;
    for (int64_t i = 0; i < dim; ++i) ss += static_cast<double>(xt[i]) * xt[i];
    const auto inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(dim) + eps));
    for (int64_t i = 0; i < dim; ++i) out[t * dim + i] = xt[i] * inv * w[static_cast<size_t>(i)];
  }
}

void AddBias(float* y, int64_t n, int64_t dim, const std::vector<float>& bias) {
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t i = 0; i < dim; ++i) y[t * dim + i] += bias[static_cast<size_t>(i)];
  }
}

void AddTo(float* x, const float* y, size_t count) {
  for (size_t i = 0; i < count; ++i) x[i] += y[i];
}

}  // namespace

TransformerWeights BindGgufWeights(const GgufFile& file, const TransformerConfig& c, const std::string& source) {
  TransformerWeights w;
  const int64_t e = c.embedding;
  const int64_t ff = c.feed_forward;
  w.token_embedding = Matrix(file, "token_embd.weight", c.vocab, e, source);
  w.output = file.FindTensor("output.weight") != nullptr ? Matrix(file, "output.weight", c.vocab, e, source)
                                                         : w.token_embedding;
  w.output_norm = Vector(file, "output_norm.weight", e, source);
  const bool gpt2 = c.architecture == Architecture::kGpt2;
  if (gpt2) {
    w.position_embedding = Matrix(file, "position_embd.weight", c.context, e, source);
    w.output_norm_bias = Vector(file, "output_norm.bias", e, source);
  }
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights l;
    l.attn_norm = Vector(file, p + "attn_norm.weight", e, source);
    l.attn_out = Matrix(file, p + "attn_output.weight", e, e, source);
    l.ffn_norm = Vector(file, p + "ffn_norm.weight", e, source);
    l.up = Matrix(file, p + "ffn_up.weight", ff, e, source);
    l.down = Matrix(file, p + "ffn_down.weight", e, ff, source);
    if (gpt2) {
      l.attn_norm_bias = Vector(file, p + "attn_norm.bias", e, source);
      l.qkv = Matrix(file, p + "attn_qkv.weight", 3 * e, e, source);
      l.qkv_bias = Vector(file, p + "attn_qkv.bias", 3 * e, source);
      l.attn_out_bias = Vector(file, p + "attn_output.bias", e, source);
      l.ffn_norm_bias = Vector(file, p + "ffn_norm.bias", e, source);
      l.up_bias = Vector(file, p + "ffn_up.bias", ff, source);
      l.down_bias = Vector(file, p + "ffn_down.bias", e, source);
    } else {
      l.q = Matrix(file, p + "attn_q.weight", e, e, source);
      l.k = Matrix(file, p + "attn_k.weight", c.kv_dim(), e, source);
      l.v = Matrix(file, p + "attn_v.weight", c.kv_dim(), e, source);
      l.gate = Matrix(file, p + "ffn_gate.weight", ff, e, source);
    }
    w.layers.push_back(std::move(l));
  }
  return w;
}

Transformer::Transformer(TransformerConfig config, TransformerWeights weights, Options options)
    : config_(std::move(config)), weights_(std::move(weights)) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool_ = std::make_unique<SpinPool>(options.threads > 0 ? options.threads : cores);
  kernels_ = options.kernels != nullptr ? options.kernels : &BestKernels();
  for (int64_t i = 0; i < config_.rope_dims / 2; ++i) {
    rope_freq_.push_back(static_cast<float>(
        std::pow(config_.rope_base, -2.0 * static_cast<double>(i) / static_cast<double>(config_.rope_dims))));
  }
}

int Transformer::ElementwiseThreads(int64_t values) const { return values >= 16384 ? pool_->size() : 1; }

KvCache Transformer::NewCache(int64_t capacity) const { return KvCache(config_, capacity); }

size_t Transformer::WeightBytesPerToken() const {
  size_t bytes = weights_.token_embedding.row_bytes + weights_.output.bytes();
  if (config_.architecture == Architecture::kGpt2) bytes += weights_.position_embedding.row_bytes;
  for (const LayerWeights& l : weights_.layers) {
    for (const WeightMatrix* m : {&l.qkv, &l.q, &l.k, &l.v, &l.attn_out, &l.gate, &l.up, &l.down}) bytes += m->bytes();
  }
  return bytes;
}

// Where each row of a batch goes: its token, its sequence's cache and its
// position there. Rows of prompts (steps of several tokens) come first: the
// tiled kernels take them; one-token steps follow (the vector kernels).
struct Transformer::Batch {
  int64_t n = 0;
  int64_t tiled = 0;
  std::vector<int32_t> token;
  std::vector<KvCache*> cache;
  std::vector<int64_t> pos;
};

void Transformer::Embed(const Batch& b, float* x) const {
  const int64_t e = config_.embedding;
  std::vector<float> position(static_cast<size_t>(e));
  for (int64_t t = 0; t < b.n; ++t) {
    float* xt = x + t * e;
    DequantizeRow(weights_.token_embedding, b.token[static_cast<size_t>(t)], xt);
    if (config_.architecture == Architecture::kGpt2) {
      DequantizeRow(weights_.position_embedding, b.pos[static_cast<size_t>(t)], position.data());
      AddTo(xt, position.data(), position.size());
    }
  }
}

void Transformer::Rope(float* v, const Batch& b, int64_t heads) const {
  const int64_t d = config_.head_dim();
  const int64_t pairs = config_.rope_dims / 2;
  for (int64_t t = 0; t < b.n; ++t) {
    const auto pos = static_cast<double>(b.pos[static_cast<size_t>(t)]);
    for (int64_t i = 0; i < pairs; ++i) {
      const double angle = pos * rope_freq_[static_cast<size_t>(i)];
      const auto c = static_cast<float>(std::cos(angle));
      const auto s = static_cast<float>(std::sin(angle));
      for (int64_t h = 0; h < heads; ++h) {
        float* head = v + (t * heads + h) * d;
        float* x0 = config_.rope_half_split ? head + i : head + 2 * i;
        float* x1 = config_.rope_half_split ? head + i + pairs : head + 2 * i + 1;
        const float a = *x0;
        const float bb = *x1;
        *x0 = a * c - bb * s;
        *x1 = a * s + bb * c;
      }
    }
  }
}

void Transformer::StoreKeysValues(int64_t layer, const Batch& b, const float* k, const float* v, int64_t stride) const {
  const int64_t kv = config_.kv_dim();
  for (int64_t t = 0; t < b.n; ++t) {
    KvCache* cache = b.cache[static_cast<size_t>(t)];
    const int64_t pos = b.pos[static_cast<size_t>(t)];
    std::copy(k + t * stride, k + t * stride + kv, cache->Keys(layer, pos));
    std::copy(v + t * stride, v + t * stride + kv, cache->Values(layer, pos));
  }
}

void Transformer::Attention(int64_t layer, const Batch& b, const float* q, int64_t q_stride, float* out) const {
  const int64_t heads = config_.heads;
  const int64_t d = config_.head_dim();
  const int64_t group = heads / config_.kv_heads;
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(d)));
  const int64_t items = b.n * heads;
  int64_t longest = 0;
  for (int64_t p : b.pos) longest = std::max(longest, p + 1);
  const int use = static_cast<int>(std::clamp<int64_t>(items * longest * d / 8192, 1, pool_->size()));
  pool_->For(items, use, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(longest));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / heads;
      const int64_t h = item % heads;
      const KvCache* cache = b.cache[static_cast<size_t>(t)];
      const int64_t last = b.pos[static_cast<size_t>(t)];  // causal: positions 0..last of its own sequence
      const int64_t kv_offset = (h / group) * d;
      const float* qh = q + t * q_stride + h * d;
      float best = -INFINITY;
      for (int64_t j = 0; j <= last; ++j) {
        const float* k = cache->Keys(layer, j) + kv_offset;
        float s = 0;
        for (int64_t i = 0; i < d; ++i) s += qh[i] * k[i];
        scores[static_cast<size_t>(j)] = s * scale;
        best = std::max(best, s * scale);
      }
      float sum = 0;
      for (int64_t j = 0; j <= last; ++j) {
        scores[static_cast<size_t>(j)] = std::exp(scores[static_cast<size_t>(j)] - best);
        sum += scores[static_cast<size_t>(j)];
      }
      float* oh = out + t * config_.embedding + h * d;
      std::fill(oh, oh + d, 0.0f);
      for (int64_t j = 0; j <= last; ++j) {
        const float p = scores[static_cast<size_t>(j)] / sum;
        const float* v = cache->Values(layer, j) + kv_offset;
        for (int64_t i = 0; i < d; ++i) oh[i] += p * v[i];
      }
    }
  });
}

void Transformer::Gpt2Block(int64_t layer, const Batch& b, float* x) const {
  const LayerWeights& l = weights_.layers[static_cast<size_t>(layer)];
  const int64_t n = b.n;
  const int64_t e = config_.embedding;
  const int64_t ff = config_.feed_forward;
  const double eps = config_.norm_epsilon;
  std::vector<float> a(static_cast<size_t>(n * e));
  std::vector<float> qkv(static_cast<size_t>(n * 3 * e));
  LayerNorm(x, n, e, l.attn_norm, l.attn_norm_bias, eps, a.data());
  MatMul(l.qkv, a.data(), n, qkv.data(), *pool_, *kernels_, b.tiled);
  AddBias(qkv.data(), n, 3 * e, l.qkv_bias);
  StoreKeysValues(layer, b, qkv.data() + e, qkv.data() + 2 * e, 3 * e);
  Attention(layer, b, qkv.data(), 3 * e, a.data());
  std::vector<float> o(static_cast<size_t>(n * e));
  MatMul(l.attn_out, a.data(), n, o.data(), *pool_, *kernels_, b.tiled);
  AddBias(o.data(), n, e, l.attn_out_bias);
  AddTo(x, o.data(), o.size());
  LayerNorm(x, n, e, l.ffn_norm, l.ffn_norm_bias, eps, a.data());
  std::vector<float> u(static_cast<size_t>(n * ff));
  MatMul(l.up, a.data(), n, u.data(), *pool_, *kernels_, b.tiled);
  AddBias(u.data(), n, ff, l.up_bias);
  // Row by row: a row's values never depend on where a thread's share began.
  pool_->For(n, ElementwiseThreads(n * ff), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) kernels_->gelu(u.data() + r * ff, ff);
  });
  MatMul(l.down, u.data(), n, o.data(), *pool_, *kernels_, b.tiled);
  AddBias(o.data(), n, e, l.down_bias);
  AddTo(x, o.data(), o.size());
}

void Transformer::LlamaBlock(int64_t layer, const Batch& b, float* x) const {
  const LayerWeights& l = weights_.layers[static_cast<size_t>(layer)];
  const int64_t n = b.n;
  const int64_t e = config_.embedding;
  const int64_t kv = config_.kv_dim();
  const int64_t ff = config_.feed_forward;
  std::vector<float> a(static_cast<size_t>(n * e));
  RmsNorm(x, n, e, l.attn_norm, config_.norm_epsilon, a.data());
  std::vector<float> q(static_cast<size_t>(n * e));
  std::vector<float> k(static_cast<size_t>(n * kv));
  std::vector<float> v(static_cast<size_t>(n * kv));
  MatMul(l.q, a.data(), n, q.data(), *pool_, *kernels_, b.tiled);
  MatMul(l.k, a.data(), n, k.data(), *pool_, *kernels_, b.tiled);
  MatMul(l.v, a.data(), n, v.data(), *pool_, *kernels_, b.tiled);
  Rope(q.data(), b, config_.heads);
  Rope(k.data(), b, config_.kv_heads);
  StoreKeysValues(layer, b, k.data(), v.data(), kv);
  std::vector<float> att(static_cast<size_t>(n * e));
  Attention(layer, b, q.data(), e, att.data());
  MatMul(l.attn_out, att.data(), n, a.data(), *pool_, *kernels_, b.tiled);
  AddTo(x, a.data(), a.size());
  RmsNorm(x, n, e, l.ffn_norm, config_.norm_epsilon, a.data());
  std::vector<float> g(static_cast<size_t>(n * ff));
  std::vector<float> u(static_cast<size_t>(n * ff));
  MatMul(l.gate, a.data(), n, g.data(), *pool_, *kernels_, b.tiled);
  MatMul(l.up, a.data(), n, u.data(), *pool_, *kernels_, b.tiled);
  pool_->For(n, ElementwiseThreads(n * ff), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) kernels_->silu_mul(g.data() + r * ff, u.data() + r * ff, ff);
  });
  MatMul(l.down, g.data(), n, a.data(), *pool_, *kernels_, b.tiled);
  AddTo(x, a.data(), a.size());
}

void Transformer::Check(std::span<const SequenceStep> steps) const {
  std::vector<const KvCache*> seen;
  for (const SequenceStep& s : steps) {
    const auto n = static_cast<int64_t>(s.tokens.size());
    if (n == 0) throw InvalidInput("no tokens to run");
    if (s.cache == nullptr || s.logits == nullptr) throw Internal("Transformer: a step without a cache or logits");
    if (std::find(seen.begin(), seen.end(), s.cache) != seen.end()) {
      throw Internal("Transformer: one cache twice in a batch");
    }
    seen.push_back(s.cache);
    if (s.cache->length() + n > s.cache->capacity()) {
      throw InvalidInput("the sequence would be " + std::to_string(s.cache->length() + n) + " tokens; at most " +
                         std::to_string(s.cache->capacity()) + " fit (the model's context is " +
                         std::to_string(config_.context) + ")");
    }
    for (int32_t id : s.tokens) {
      if (id < 0 || id >= config_.vocab) {
        throw InvalidInput("token id " + std::to_string(id) + " is outside the vocabulary (0-" +
                           std::to_string(config_.vocab - 1) + ")");
      }
    }
  }
}

void Transformer::Forward(std::span<const int32_t> tokens, KvCache* cache, std::vector<float>* logits, bool all) const {
  const SequenceStep step{tokens, cache, logits, all};
  ForwardBatch(std::span<const SequenceStep>(&step, 1));
}

void Transformer::ForwardBatch(std::span<const SequenceStep> steps) const {
  Check(steps);
  // Prompts (several tokens) first, then one-token steps.
  std::vector<size_t> order;
  for (bool multi : {true, false}) {
    for (size_t i = 0; i < steps.size(); ++i) {
      if ((steps[i].tokens.size() > 1) == multi) order.push_back(i);
    }
  }
  Batch b;
  std::vector<int64_t> first_row(steps.size());
  for (size_t i : order) {
    const SequenceStep& s = steps[i];
    first_row[i] = b.n;
    for (size_t k = 0; k < s.tokens.size(); ++k) {
      b.token.push_back(s.tokens[k]);
      b.cache.push_back(s.cache);
      b.pos.push_back(s.cache->length() + static_cast<int64_t>(k));
    }
    b.n += static_cast<int64_t>(s.tokens.size());
    if (s.tokens.size() > 1) b.tiled = b.n;
  }
  const int64_t e = config_.embedding;
  std::vector<float> x(static_cast<size_t>(b.n * e));
  Embed(b, x.data());
  for (int64_t layer = 0; layer < config_.layers; ++layer) {
    if (config_.architecture == Architecture::kGpt2) {
      Gpt2Block(layer, b, x.data());
    } else {
      LlamaBlock(layer, b, x.data());
    }
  }
  for (const SequenceStep& s : steps) s.cache->length_ += static_cast<int64_t>(s.tokens.size());
  // The rows whose logits are wanted (a step's last, or all of them), in
  // batch order so that a prompt's rows stay in the tiled group.
  std::vector<int64_t> rows;
  int64_t tiled_out = 0;
  for (size_t i : order) {
    const auto n = static_cast<int64_t>(steps[i].tokens.size());
    for (int64_t r = steps[i].all ? 0 : n - 1; r < n; ++r) rows.push_back(first_row[i] + r);
    if (n > 1) tiled_out = static_cast<int64_t>(rows.size());
  }
  const auto m = static_cast<int64_t>(rows.size());
  std::vector<float> last(static_cast<size_t>(m * e));
  for (int64_t r = 0; r < m; ++r) {
    std::copy(x.begin() + rows[static_cast<size_t>(r)] * e, x.begin() + (rows[static_cast<size_t>(r)] + 1) * e,
              last.begin() + r * e);
  }
  std::vector<float> normed(static_cast<size_t>(m * e));
  if (config_.architecture == Architecture::kGpt2) {
    LayerNorm(last.data(), m, e, weights_.output_norm, weights_.output_norm_bias, config_.norm_epsilon, normed.data());
  } else {
    RmsNorm(last.data(), m, e, weights_.output_norm, config_.norm_epsilon, normed.data());
  }
  const int64_t vocab = config_.vocab;
  std::vector<float> out(static_cast<size_t>(m * vocab));
  MatMul(weights_.output, normed.data(), m, out.data(), *pool_, *kernels_, tiled_out);
  int64_t r = 0;
  for (size_t i : order) {
    const auto n = static_cast<int64_t>(steps[i].tokens.size());
    const int64_t count = steps[i].all ? n : 1;
    steps[i].logits->assign(out.begin() + r * vocab, out.begin() + (r + count) * vocab);
    r += count;
  }
}

}  // namespace tabpilot
