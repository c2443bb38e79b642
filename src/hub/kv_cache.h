// The keys and values a sequence's tokens left in every layer: a new token
// attends to them instead of recomputing the prefix. One cache per
// sequence (a request's result); f32, layer-major, position rows of kv_dim.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/transformer_config.h"

namespace tabpilot {

class KvCache {
 public:
  // Room for `capacity` positions (at most the model's context).
  KvCache(const TransformerConfig& config, int64_t capacity);

  int64_t length() const { return length_; }
  int64_t capacity() const { return capacity_; }
  // Forgets the positions from `length` on (a shared prompt prefix is kept).
  void Truncate(int64_t length) {
    if (length < length_) length_ = length;
  }
  size_t bytes() const { return (keys_.size() + values_.size()) * sizeof(float); }

  float* Keys(int64_t layer, int64_t pos) { return keys_.data() + Index(layer, pos); }
  float* Values(int64_t layer, int64_t pos) { return values_.data() + Index(layer, pos); }
  const float* Keys(int64_t layer, int64_t pos) const { return keys_.data() + Index(layer, pos); }
  const float* Values(int64_t layer, int64_t pos) const { return values_.data() + Index(layer, pos); }

 private:
  friend class Transformer;
  size_t Index(int64_t layer, int64_t pos) const { return static_cast<size_t>((layer * capacity_ + pos) * kv_dim_); }

  int64_t kv_dim_ = 0;
  int64_t capacity_ = 0;
  int64_t length_ = 0;
  std::vector<float> keys_;
  std::vector<float> values_;
};

}  // namespace tabpilot
