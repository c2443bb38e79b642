#include "compiled/row_forest.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>

#include "compiled/eval_step.h"
#include "core/error.h"

namespace tabpilot {
namespace {

using compiled_detail::AddLeaf;

// Trees stepped together: enough independent loads to hide their latency,
// few enough for their indices and node pointers to stay in registers.
constexpr size_t kGroup = 16;

enum class Walk { kNumeric, kCategorical, kOblivious };

Walk WalkOf(const CompiledTree& tree) {
  if (tree.kind == CompiledTree::Kind::kOblivious) return Walk::kOblivious;
  return tree.has_categorical ? Walk::kCategorical : Walk::kNumeric;
}

// The row's keys (EvalNode's: feature f at 2f with NaN largest, 2f + 1 with
// NaN smallest) and category codes: the integer part of a valid code
// (0 <= v < 2^24), else UINT32_MAX, whose word lies past every set, so a
// categorical split sends it left.
void FillRow(const float* row, size_t features, int32_t* keys, uint32_t* codes) {
  for (size_t f = 0; f < features; ++f) {
    const float v = row[f];
    const bool missing = std::isnan(v);
    const int32_t key = FloatKey(missing ? 0.0f : v);
    keys[2 * f] = missing ? INT32_MAX : key;
    keys[2 * f + 1] = missing ? INT32_MIN : key;
    const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
    codes[f] = valid ? static_cast<uint32_t>(v) : UINT32_MAX;
  }
}

// One step in a tree with categorical splits (CompiledForest's rule, see
// compiled_forest.h) with no branch on the data: the numeric and the
// categorical decision are both computed and combined with masks.
inline uint32_t MixedStep(RowNode node, const float* row, const uint32_t* codes, const CategoricalSplit* splits,
                          const uint32_t* words) {
  const uint32_t feature = node.column & RowNode::kFeatureMask;
  const float v = row[feature];
  const uint32_t is_categorical = (node.column & RowNode::kCategorical) != 0 ? 1u : 0u;
  const uint32_t default_right = (node.column & RowNode::kDefaultLeft) != 0 ? 0u : 1u;
  const uint32_t numeric = static_cast<uint32_t>(!(v <= std::bit_cast<float>(node.test)));
  const CategoricalSplit split = splits[node.test & (0u - is_categorical)];
  const uint32_t code = codes[feature];
  const uint32_t w = code >> 5;
  const uint32_t in_range = static_cast<uint32_t>(w < split.words);
  const uint32_t word = words[(split.word_begin + w) & (0u - in_range)];
  const uint32_t categorical = in_range & (word >> (code & 31u));
  const uint32_t decided = (categorical & (0u - is_categorical)) | (numeric & (is_categorical - 1u));
  const uint32_t nan = static_cast<uint32_t>(std::isnan(v));
  const uint32_t right = (default_right & (0u - nan)) | (decided & (nan - 1u));
  return node.child + right;
}

}  // namespace

std::shared_ptr<const RowForest> RowForest::Make(std::shared_ptr<const CompiledForest> owner) {
  const CompiledForest& forest = *owner;
  if (2 * forest.num_tree_features() + 1 > UINT16_MAX || forest.num_tree_features() > RowNode::kFeatureMask) {
    return nullptr;
  }
  std::shared_ptr<RowForest> row(new RowForest(std::move(owner)));  // NOLINT: private constructor
  const std::vector<CompiledNode>& nodes = forest.nodes();
  row->nodes_.resize(nodes.size());
  row->payload_.resize(nodes.size());
  for (const CompiledTree& tree : forest.trees()) {
    if (tree.kind == CompiledTree::Kind::kOblivious) continue;  // walked from the forest's level nodes
    if (tree.num_nodes > size_t{UINT16_MAX} + 1) return nullptr;
    for (size_t i = tree.node_begin; i < tree.node_begin + tree.num_nodes; ++i) {
      const CompiledNode& node = nodes[i];
      RowNode& r = row->nodes_[i];
      row->payload_[i] = node.payload;
      if (!tree.has_categorical) {
        const EvalNode e = EvalNodeOf(node);
        r.test = std::bit_cast<uint32_t>(e.threshold_key);
        r.child = static_cast<uint16_t>(e.child);
        r.column = static_cast<uint16_t>(e.column);
        continue;
      }
      const bool categorical = (node.child & CompiledNode::kCategorical) != 0;
      r.test = categorical ? node.payload : std::bit_cast<uint32_t>(node.threshold);
      r.child = static_cast<uint16_t>(node.child & CompiledNode::kIndexMask);
      r.column = static_cast<uint16_t>(node.feature | (categorical ? RowNode::kCategorical : 0u) |
                                       ((node.child & CompiledNode::kDefaultLeft) != 0 ? RowNode::kDefaultLeft : 0u));
    }
  }
  return row;
}

void RowForest::Predict(const Matrix& x, Scratch& scratch, float* out) const {
  if (x.rows != 1 || x.cols != forest_.num_features()) {
    throw Internal("a row forest predicts one row of " + std::to_string(forest_.num_features()) + " features");
  }
  const float* row = x.row(0);
  if (!forest_.extensions().empty()) {
    // The row with every extension's features appended.
    scratch.row.resize(forest_.num_tree_features());
    std::copy_n(row, x.cols, scratch.row.data());
    size_t at = x.cols;
    for (const auto& ext : forest_.extensions()) {
      if (ext->count() > 0) ext->Compute(x, 0, 1, scratch.row.data() + at);
      at += ext->count();
    }
    row = scratch.row.data();
  }
  scratch.raw.resize(forest_.num_raw());
  Raw(row, scratch, scratch.raw.data());
  forest_.ApplyLinks(scratch.raw.data(), 1, out, scratch.work);
}

void RowForest::Raw(const float* row, Scratch& scratch, double* raw) const {
  const size_t features = forest_.num_tree_features();
  scratch.keys.resize(2 * features);
  scratch.codes.resize(features);
  const int32_t* keys = scratch.keys.data();
  const uint32_t* codes = scratch.codes.data();
  FillRow(row, features, scratch.keys.data(), scratch.codes.data());
  for (const ScorePart& part : forest_.parts()) std::copy(part.base.begin(), part.base.end(), raw + part.raw_begin);
  static constexpr CategoricalSplit kNoSplit{};
  static constexpr uint32_t kNoWord = 0;
  const CategoricalSplit* splits =
      forest_.categorical_splits().empty() ? &kNoSplit : forest_.categorical_splits().data();
  const uint32_t* words = forest_.category_words().empty() ? &kNoWord : forest_.category_words().data();
  const std::vector<CompiledTree>& trees = forest_.trees();
  const float* leaf_values = forest_.leaf_values().data();
  uint32_t idx[kGroup];
  const RowNode* base[kGroup];
  size_t t = 0;
  while (t < trees.size()) {
    // The next run of up to kGroup trees walked the same way, and its depth.
    const Walk walk = WalkOf(trees[t]);
    size_t end = t + 1;
    uint32_t depth = trees[t].depth;
    while (end < trees.size() && end - t < kGroup && WalkOf(trees[end]) == walk) {
      depth = std::max(depth, trees[end].depth);
      ++end;
    }
    const size_t g = end - t;
    std::fill(idx, idx + g, 0u);
    for (size_t i = 0; i < g; ++i) base[i] = nodes_.data() + trees[t + i].node_begin;
    if (walk == Walk::kOblivious) {
      for (size_t i = 0; i < g; ++i) {
        const CompiledTree& tree = trees[t + i];
        const CompiledNode* levels = forest_.nodes().data() + tree.node_begin;
        for (uint32_t d = 0; d < tree.depth; ++d) {
          idx[i] |= static_cast<uint32_t>(row[levels[d].feature] > levels[d].threshold) << d;
        }
      }
    } else {
      // Leaves loop onto themselves, so the shallower trees of the run stay put.
      for (uint32_t d = 0; d < depth; ++d) {
        uint32_t moved = 0;
        for (size_t i = 0; i < g; ++i) {
          const RowNode node = base[i][idx[i]];
          const uint32_t next =
              walk == Walk::kNumeric
                  ? node.child + static_cast<uint32_t>(keys[node.column] > std::bit_cast<int32_t>(node.test))
                  : MixedStep(node, row, codes, splits, words);
          moved |= next ^ idx[i];
          idx[i] = next;
        }
        if (moved == 0) break;
      }
    }
    // The leaves, in the forest's order (as the block walk adds them).
    for (size_t i = 0; i < g; ++i) {
      const CompiledTree& tree = trees[t + i];
      const float* values = walk == Walk::kOblivious
                                ? leaf_values + tree.leaf_begin + static_cast<size_t>(idx[i]) * tree.leaf_width
                                : leaf_values + payload_[tree.node_begin + idx[i]];
      double* acc = raw + tree.output;
      if (tree.leaf_width == 1 && !tree.float_sum) {
        *acc += tree.weight * static_cast<double>(*values);
      } else {
        AddLeaf(acc, values, tree.leaf_width, tree.weight, tree.float_sum);
      }
    }
    t = end;
  }
}

}  // namespace tabpilot
