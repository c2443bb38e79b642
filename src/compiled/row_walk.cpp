// Evaluation of one row (the one-row path): a block of one row would walk
// one tree at a time, each step waiting for the load of the last, so a row
// would cost the trees' summed path latencies. Here up to kGroup trees of
// the same kind are stepped together level by level: their walks are
// independent, so the processor overlaps their loads. Leaves are then added
// tree by tree in the forest's order, so the raw scores are those of the
// block walk to the bit.
#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "compiled/compiled_forest.h"
#include "compiled/eval_step.h"

namespace tabpilot {
namespace {

using compiled_detail::AddLeaf;
using compiled_detail::FillKeys;

// Trees stepped together: enough independent loads to hide their latency,
// few enough for their indices and node pointers to stay in registers.
constexpr size_t kGroup = 16;

enum class Walk { kNumeric, kCategorical, kOblivious };

// The category code of each of the row's values, for MixedRowStep: the
// value's integer part when it is a valid code (0 <= v < 2^24), else
// UINT32_MAX, whose word lies past every set, so the split sends it left.
void FillCodes(const float* row, size_t features, uint32_t* codes) {
  for (size_t f = 0; f < features; ++f) {
    const float v = row[f];
    const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
    codes[f] = valid ? static_cast<uint32_t>(v) : UINT32_MAX;
  }
}

// MixedStep's decision for one row with no branch on the data: the
// numeric and the categorical decision are computed and combined with
// masks, so an unpredictable value or node kind costs no mispredicted jump.
inline uint32_t MixedRowStep(const CompiledNode& node, const float* row, const uint32_t* codes,
                             const CategoricalSplit* splits, const uint32_t* words) {
  const float v = row[node.feature];
  const uint32_t is_categorical = (node.child >> 30) & 1u;
  const uint32_t default_right = ((node.child >> 31) & 1u) ^ 1u;
  const uint32_t numeric = static_cast<uint32_t>(!(v <= node.threshold));
  const CategoricalSplit split = splits[node.payload & (0u - is_categorical)];
  const uint32_t code = codes[node.feature];
  const uint32_t w = code >> 5;
  const uint32_t in_range = static_cast<uint32_t>(w < split.words);
  const uint32_t word = words[(split.word_begin + w) & (0u - in_range)];
  const uint32_t categorical = in_range & (word >> (code & 31u));
  const uint32_t decided = (categorical & (0u - is_categorical)) | (numeric & (is_categorical - 1u));
  const uint32_t nan = static_cast<uint32_t>(std::isnan(v));
  const uint32_t right = (default_right & (0u - nan)) | (decided & (nan - 1u));
  return (node.child & CompiledNode::kIndexMask) + right;
}

Walk WalkOf(const CompiledTree& tree) {
  if (tree.kind == CompiledTree::Kind::kOblivious) return Walk::kOblivious;
  return tree.has_categorical ? Walk::kCategorical : Walk::kNumeric;
}

}  // namespace

void CompiledForest::PredictOneRow(const float* row, double* raw, std::vector<int32_t>* key_buffer) const {
  // The row's keys (2 per feature) for numeric trees, then its category codes.
  key_buffer->resize(3 * num_tree_features_);
  int32_t* keys = key_buffer->data();
  FillKeys(row, num_tree_features_, 1, num_tree_features_, keys);
  auto* codes = reinterpret_cast<uint32_t*>(keys + 2 * num_tree_features_);
  FillCodes(row, num_tree_features_, codes);
  for (const ScorePart& part : parts_) std::copy(part.base.begin(), part.base.end(), raw + part.raw_begin);
  static constexpr CategoricalSplit kNoSplit{};
  static constexpr uint32_t kNoWord = 0;
  const CategoricalSplit* splits = categorical_splits_.empty() ? &kNoSplit : categorical_splits_.data();
  const uint32_t* words = category_words_.empty() ? &kNoWord : category_words_.data();
  uint32_t idx[kGroup];
  size_t t = 0;
  while (t < trees_.size()) {
    // The next run of up to kGroup trees walked the same way, and its depth.
    const Walk walk = WalkOf(trees_[t]);
    size_t end = t + 1;
    uint32_t depth = trees_[t].depth;
    while (end < trees_.size() && end - t < kGroup && WalkOf(trees_[end]) == walk) {
      depth = std::max(depth, trees_[end].depth);
      ++end;
    }
    const size_t g = end - t;
    std::fill(idx, idx + g, 0u);
    if (walk == Walk::kOblivious) {
      for (size_t i = 0; i < g; ++i) {
        const CompiledTree& tree = trees_[t + i];
        const CompiledNode* levels = nodes_.data() + tree.node_begin;
        for (uint32_t d = 0; d < tree.depth; ++d) {
          idx[i] |= static_cast<uint32_t>(row[levels[d].feature] > levels[d].threshold) << d;
        }
      }
    } else if (walk == Walk::kNumeric) {
      // Leaves loop onto themselves, so the shallower trees of the run just stay put.
      const EvalNode* base[kGroup];
      for (size_t i = 0; i < g; ++i) base[i] = eval_nodes_.data() + trees_[t + i].node_begin;
      for (uint32_t d = 0; d < depth; ++d) {
        uint32_t moved = 0;
        for (size_t i = 0; i < g; ++i) {
          const EvalNode& node = base[i][idx[i]];
          const uint32_t next = node.child + static_cast<uint32_t>(keys[node.column] > node.threshold_key);
          moved |= next ^ idx[i];
          idx[i] = next;
        }
        if (moved == 0) break;
      }
    } else {
      const CompiledNode* base[kGroup];
      for (size_t i = 0; i < g; ++i) base[i] = nodes_.data() + trees_[t + i].node_begin;
      for (uint32_t d = 0; d < depth; ++d) {
        uint32_t moved = 0;
        for (size_t i = 0; i < g; ++i) {
          const CompiledNode& node = base[i][idx[i]];
          const uint32_t next = MixedRowStep(node, row, codes, splits, words);
          moved |= next ^ idx[i];
          idx[i] = next;
        }
        if (moved == 0) break;
      }
    }
    // The leaves, in the forest's order (as the block walk adds them).
    for (size_t i = 0; i < g; ++i) {
      const CompiledTree& tree = trees_[t + i];
      const float* values = walk == Walk::kOblivious
                                ? leaf_values_.data() + tree.leaf_begin + static_cast<size_t>(idx[i]) * tree.leaf_width
                                : leaf_values_.data() + eval_nodes_[tree.node_begin + idx[i]].payload;
      double* out = raw + tree.output;
      if (tree.leaf_width == 1 && !tree.float_sum) {
        *out += tree.weight * static_cast<double>(*values);
      } else {
        AddLeaf(out, values, tree.leaf_width, tree.weight, tree.float_sum);
      }
    }
    t = end;
  }
}

}  // namespace tabpilot
