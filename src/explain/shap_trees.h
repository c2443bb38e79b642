// A CompiledForest's trees in the form TreeSHAP walks (tree_shap.h): every
// tree as nodes with adjacent children (oblivious trees expanded into full
// binary trees), each node carrying its cover fraction, the leaves' values
// times the tree's weight, and the expected value (bias) of every raw score.
//
// Covers. Path-dependent TreeSHAP weighs the branches a row does not take
// by the training weight that went each way. XGBoost keeps it per node
// (sum_hessian, CompiledForest::covers()); our forests and the oblivious
// booster keep none, so their covers are counted from background rows (the
// training rows, or a sample of them): a node's cover is the number of
// background rows that reach it. A node's fraction is cover(node) /
// cover(parent) (the root's 1); under a parent no weight reached (cover 0)
// each child gets 1/2, so the fractions of two siblings always sum to 1 and
// the expectation stays a weighted mean of leaves.
//
// Decisions are the compiled form's (compiled_forest.h): numeric left iff
// x <= threshold, NaN the default way; categorical: NaN the default way, a
// value < 0, >= 2^24 or infinite left, else its integer code right iff its
// bit is set; oblivious levels go right iff x > border, NaN left.
//
// Immutable once built; safe to read from many threads.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "compiled/compiled_forest.h"
#include "data/matrix.h"

namespace tabpilot {

struct ShapNode {
  static constexpr uint32_t kLeaf = 1u << 31;
  static constexpr uint32_t kDefaultLeft = 1u << 30;
  static constexpr uint32_t kCategorical = 1u << 29;
  static constexpr uint32_t kIndexMask = kCategorical - 1;

  uint32_t feature = 0;  // tree feature tested (inputs, then extension features)
  float threshold = 0;   // numeric: left iff x <= threshold
  uint32_t child = 0;    // flags above | tree-local index of the left child (right = left + 1)
  // Leaves: offset of their values in ShapTrees::values(); categorical
  // splits: the split's first word in ShapTrees::category_words().
  uint32_t payload = 0;
  uint32_t words = 0;   // categorical splits: words in the set
  double fraction = 1;  // cover(node) / cover(parent); the root's 1

  bool leaf() const { return (child & kLeaf) != 0; }
  uint32_t left() const { return child & kIndexMask; }
};

// Whether a row whose tested value is `v` goes to the right child of the
// split `node` (not a leaf); `words`: ShapTrees::category_words().
inline bool GoesRight(const ShapNode& node, float v, const uint32_t* words) {
  if (std::isnan(v)) return (node.child & ShapNode::kDefaultLeft) == 0;
  if ((node.child & ShapNode::kCategorical) == 0) return !(v <= node.threshold);
  if (!(v >= 0.0f && v < 16777216.0f)) return false;  // negative, too large or infinite: left
  const auto code = static_cast<uint32_t>(v);
  const uint32_t w = code >> 5;
  return w < node.words && ((words[node.payload + w] >> (code & 31u)) & 1u) != 0;
}

struct ShapTree {
  size_t node_begin = 0;  // in ShapTrees::nodes()
  size_t num_nodes = 0;
  uint32_t depth = 0;       // edges on the longest root-to-leaf path
  uint32_t output = 0;      // first raw score its leaves add to
  uint32_t leaf_width = 1;  // raw scores per leaf
};

// Where a tree's covers come from.
enum class ShapCovers : uint8_t {
  kModel,       // the model's own (XGBoost's); background counts for trees that keep none
  kBackground,  // background counts for every tree
};

class ShapTrees {
 public:
  // Oblivious trees deeper than this are refused (their expansion has
  // 2^(depth + 1) nodes; our oblivious booster stops at 10).
  static constexpr uint32_t kMaxObliviousDepth = 16;

  // The trees of `forest`. `background` (rows of forest.num_features()
  // columns; may be null) gives the covers of the trees that need them
  // (see ShapCovers), counted on up to `threads` threads. Throws
  // InvalidInput when a tree needs covers and no background rows are given,
  // when the background has the wrong width or no rows, or when an
  // oblivious tree is deeper than kMaxObliviousDepth.
  ShapTrees(const CompiledForest& forest, const Matrix* background, ShapCovers covers, int threads);
  ShapTrees(ShapTrees&&) = default;
  ShapTrees& operator=(ShapTrees&&) = default;
  ShapTrees(const ShapTrees&) = delete;
  ShapTrees& operator=(const ShapTrees&) = delete;

  const std::vector<ShapTree>& trees() const { return trees_; }
  const std::vector<ShapNode>& nodes() const { return nodes_; }
  const std::vector<double>& values() const { return values_; }  // leaf values x tree weight
  const std::vector<uint32_t>& category_words() const { return category_words_; }
  // Per raw score: the part's base plus every tree's expected value.
  const std::vector<double>& bias() const { return bias_; }
  uint32_t num_raw() const { return num_raw_; }
  size_t num_features() const { return num_features_; }            // input columns
  size_t num_tree_features() const { return num_tree_features_; }  // inputs, then extensions'
  uint32_t max_depth() const { return max_depth_; }

 private:
  void AddNodeTree(const CompiledForest& forest, const CompiledTree& tree, std::vector<double>* covers);
  void AddObliviousTree(const CompiledForest& forest, const CompiledTree& tree, std::vector<double>* covers);
  // Replaces the covers of trees t with `count[t]` by background counts.
  void CountBackground(const CompiledForest& forest, const Matrix& background, const std::vector<uint8_t>& count,
                       int threads, std::vector<double>* covers) const;
  void SetFractions(const std::vector<double>& covers);
  void ComputeBias(const CompiledForest& forest);

  std::vector<ShapTree> trees_;
  std::vector<ShapNode> nodes_;
  std::vector<double> values_;
  std::vector<uint32_t> category_words_;
  std::vector<double> bias_;
  uint32_t num_raw_ = 0;
  size_t num_features_ = 0;
  size_t num_tree_features_ = 0;
  uint32_t max_depth_ = 0;
};

}  // namespace tabpilot
