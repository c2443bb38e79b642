// The evaluator's scalar steps, shared by the block walk
// (compiled_evaluator.cpp) and the one-row walk (row_walk.cpp). Internal to
// src/compiled/.
#pragma once

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "compiled/compiled_forest.h"

namespace tabpilot::compiled_detail {

// One step in a tree with categorical splits, without a branch on the node's
// kind or the value (both are unpredictable): the numeric and the
// categorical decision are both computed and the node's flag picks one.
// `words` has at least one word (a split's bits are read at index 0 when the
// code is out of its range, then ignored).
inline uint32_t MixedStep(const CompiledNode& node, float v, const CategoricalSplit* splits, const uint32_t* words) {
  const uint32_t base = node.child & CompiledNode::kIndexMask;
  const uint32_t default_right = ((node.child >> 31) & 1u) ^ 1u;
  const uint32_t numeric = static_cast<uint32_t>(!(v <= node.threshold));
  const uint32_t is_categorical = (node.child >> 30) & 1u;
  const CategoricalSplit split = splits[is_categorical != 0 ? node.payload : 0];
  const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
  const auto code = static_cast<uint32_t>(valid ? v : 0.0f);
  const uint32_t w = code >> 5;
  const bool in_range = valid && w < split.words;
  const uint32_t word = words[in_range ? split.word_begin + w : 0];
  const uint32_t categorical = in_range ? (word >> (code & 31u)) & 1u : 0u;
  const uint32_t right = std::isnan(v) ? default_right : (is_categorical != 0 ? categorical : numeric);
  return base + right;
}

// Adds w x values[0..width) to acc; in float (w is then 1) when float_sum.
inline void AddLeaf(double* acc, const float* values, uint32_t width, double w, bool float_sum) {
  if (float_sum) {
    for (uint32_t k = 0; k < width; ++k) acc[k] = static_cast<double>(static_cast<float>(acc[k]) + values[k]);
    return;
  }
  for (uint32_t k = 0; k < width; ++k) acc[k] += w * static_cast<double>(values[k]);
}

// The block's values as two integer keys per feature (EvalNode): row i's
// feature f at keys[i * 2 * features + 2f] (NaN largest) and + 1 (NaN smallest).
inline void FillKeys(const float* rows, size_t stride, size_t n, size_t features, int32_t* keys) {
  for (size_t i = 0; i < n; ++i) {
    const float* row = rows + i * stride;
    int32_t* k = keys + i * 2 * features;
    for (size_t f = 0; f < features; ++f) {
      const float v = row[f];
      const bool missing = std::isnan(v);
      const int32_t key = FloatKey(missing ? 0.0f : v);
      k[2 * f] = missing ? INT32_MAX : key;
      k[2 * f + 1] = missing ? INT32_MIN : key;
    }
  }
}

}  // namespace tabpilot::compiled_detail
