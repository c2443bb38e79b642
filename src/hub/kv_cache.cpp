#include "hub/kv_cache.h"

#include <algorithm>

namespace tabpilot {

KvCache::KvCache(const TransformerConfig& config, int64_t capacity)
    : kv_dim_(config.kv_dim()), capacity_(std::clamp<int64_t>(capacity, 1, config.context)) {
  const auto cells = static_cast<size_t>(config.layers * capacity_ * kv_dim_);
  keys_.assign(cells, 0.0f);
  values_.assign(cells, 0.0f);
}

}  // namespace tabpilot
