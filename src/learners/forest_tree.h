// Flat storage and traversal of a forest of binary decision trees.
//
// Trees are parallel arrays (structure of arrays), one entry per node:
//   feature       input column tested, or -1 for a leaf
//   threshold     go left iff x[feature] <= threshold (a raw float, not a bin)
//   left, right   child node indices, local to the tree; always greater than
//                 the node's own index (nodes are stored parent-first), which
//                 makes every traversal terminate, even on a corrupt file
//   default_left  1 if a missing (NaN) value goes left, 0 if it goes right
//   value_offset  leaves: index of the leaf's first value in leaf_values;
//                 internal nodes: -1
// Each leaf holds `values_per_leaf` floats (class probabilities or the mean).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/matrix.h"

namespace tabpilot {

// One tree as produced by the builder; value offsets are local to the tree.
struct FlatTree {
  std::vector<int32_t> feature;
  std::vector<float> threshold;
  std::vector<int32_t> left;
  std::vector<int32_t> right;
  std::vector<uint8_t> default_left;
  std::vector<int32_t> value_offset;
  std::vector<float> leaf_values;

  size_t num_nodes() const { return feature.size(); }
  // Gives back what the arrays hold beyond their size (a tree grows node by
  // node; a forest keeps hundreds of them until they are concatenated).
  void ShrinkToFit();
};

// All trees of a model concatenated: node arrays of tree t occupy
// [tree_begin[t], tree_begin[t + 1]); child indices stay tree-local, value
// offsets are global. Immutable once built; const members are thread-safe.
class FlatForest {
 public:
  FlatForest() = default;
  FlatForest(int num_features, int values_per_leaf);

  // Appends a tree (moved in). Throws Internal if it breaks the invariants.
  void AddTree(FlatTree tree);
  // Makes room for `nodes` more nodes, `leaf_values` more leaf values and
  // `trees` more trees, so that adding them copies each array once.
  void Reserve(size_t nodes, size_t leaf_values, size_t trees);
  // Checks every invariant listed above (indices, offsets, sizes); throws
  // InvalidInput("corrupt forest model: ...") naming the first violation.
  void Validate() const;

  // Writes the mean over trees of each row's leaf values: for rows
  // [row_begin, row_end) of x, values_per_leaf() floats per row into
  // out[(r - row_begin) * values_per_leaf()]. x.cols must equal num_features().
  // Summation order is fixed (tree 0 first) so results do not depend on how
  // callers split rows across threads.
  void PredictMean(const Matrix& x, size_t row_begin, size_t row_end, float* out) const;
  // The values_per_leaf() values of the leaf `row` (num_features() floats)
  // reaches in tree `t` (< num_trees()).
  const float* Leaf(size_t t, const float* row) const;

  int num_features() const { return num_features_; }
  int values_per_leaf() const { return values_per_leaf_; }
  size_t num_trees() const { return tree_begin_.empty() ? 0 : tree_begin_.size() - 1; }
  size_t num_nodes() const { return feature_.size(); }

  // Raw arrays (for serialization and reference traversal in tests).
  const std::vector<uint64_t>& tree_begin() const { return tree_begin_; }
  const std::vector<int32_t>& feature() const { return feature_; }
  const std::vector<float>& threshold() const { return threshold_; }
  const std::vector<int32_t>& left() const { return left_; }
  const std::vector<int32_t>& right() const { return right_; }
  const std::vector<uint8_t>& default_left() const { return default_left_; }
  const std::vector<int32_t>& value_offset() const { return value_offset_; }
  const std::vector<float>& leaf_values() const { return leaf_values_; }

  // Rebuilds a forest from raw arrays (the decoder's entry point); validates.
  static FlatForest FromArrays(int num_features, int values_per_leaf, std::vector<uint64_t> tree_begin,
                               std::vector<int32_t> feature, std::vector<float> threshold, std::vector<int32_t> left,
                               std::vector<int32_t> right, std::vector<uint8_t> default_left,
                               std::vector<int32_t> value_offset, std::vector<float> leaf_values);

 private:
  int num_features_ = 0;
  int values_per_leaf_ = 1;
  std::vector<uint64_t> tree_begin_{0};
  std::vector<int32_t> feature_;
  std::vector<float> threshold_;
  std::vector<int32_t> left_;
  std::vector<int32_t> right_;
  std::vector<uint8_t> default_left_;
  std::vector<int32_t> value_offset_;
  std::vector<float> leaf_values_;
};

}  // namespace tabpilot
