// The compiled form of every tree model (XGBoost boosters, our forests, the
// oblivious booster, the additive model's shapes as one tree a column): one compact layout of our own that our own code
// evaluates, row-blocked and multi-threaded (compiled_evaluator.cpp), with
// scalar code or AVX2 / AVX-512 kernels chosen at run time (simd_walk.h).
//
// Layout
//   nodes     one array for all trees; tree t owns [node_begin, +num_nodes).
//             Nodes are numbered breadth-first and the two children of a node
//             are adjacent (right = left + 1), so a step is "child + right".
//             A leaf loops onto itself (feature 0, threshold +inf, default
//             left), so a block of rows can take exactly `depth` steps with no
//             test for "reached a leaf".
//   numeric   go left iff x <= threshold; NaN goes the default way. XGBoost's
//             "x < c" is stored as x <= the float just below c (and c = -inf,
//             never left, as a NaN threshold, which is never <=).
//   categorical   the bit set of categories that go right, in one pool of
//             32-bit words; XGBoost 1.7's rule: NaN the default way; a value
//             < 0, >= 2^24 or infinite goes left; else its integer part goes
//             right iff it is in the set (a code past the set goes left).
//   oblivious trees   `depth` level tests (feature, threshold) stored as nodes;
//             leaf index bit d = (x > threshold_d), NaN 0: one comparison per
//             level, no pointer chasing.
//   leaves    leaf_width floats each, added (times the tree's weight) to the
//             raw scores [output, output + leaf_width).
//   eval nodes   per node, its EvalNode: the form the kernels step (keys
//             for numeric splits, codes for categorical ones).
//   leaf masks   per node tree of at most kMaxMaskLeaves leaves, its splits
//             as MaskSplits (numeric first, then short sets, then long ones)
//             and its leaves left to right (indices and first values), for
//             the AVX-512 leaf-mask evaluation.
//   covers    per node, the training weight (XGBoost's sum_hessian) that
//             reached it, for TreeSHAP; NaN where the family keeps none
//             (our forests and the oblivious booster, so far).
//
// Outputs. Raw scores are grouped into parts; each part has base scores, a
// link and a weight, and the model's outputs are the weighted sum over parts
// of Link(base + sum of its trees' weighted leaves). One model is one part
// of weight 1. Merging models (compiled_merge.h) adds parts, or folds linear
// parts into one, so the merged forest computes exactly the weighted mean of
// the models' outputs (up to float rounding).
//
// Thread safety: immutable once built; Predict is const and re-entrant.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "data/matrix.h"
#include "data/task.h"

namespace tabpilot {

// How a part's raw scores become the model's outputs.
enum class ScoreLink : uint8_t {
  kIdentity,           // raw scores are the outputs (regression; a forest's class probabilities)
  kBinaryProbability,  // one raw score p = P(class 1): outputs [1 - p, p] (a forest's binary leaves)
  kLogistic,           // one margin m: outputs [1 - s, s], s = 1 / (1 + exp(-m))
  kSoftmax,            // one margin per class: outputs their softmax
};

// Outputs a link writes for `raw_dims` raw scores.
int LinkOutputs(ScoreLink link, int raw_dims);

// The link of a booster's margins for `task`: logistic (binary), softmax
// (multiclass), none (regression).
ScoreLink MarginLink(Task task);

// The threshold t of a "go left iff x < c" split (XGBoost's) in the compiled
// form's "go left iff x <= t": the float just below c, and NaN (never <=)
// for c = -inf, under which nothing goes left. Exact for every float x but
// NaN (which takes the default direction anyway).
float ThresholdBelow(float c);

struct CompiledNode {
  static constexpr uint32_t kDefaultLeft = 1u << 31;
  static constexpr uint32_t kCategorical = 1u << 30;
  static constexpr uint32_t kLeaf = 1u << 29;
  static constexpr uint32_t kIndexMask = kLeaf - 1;  // the child index bits (tree-local)

  uint32_t feature = 0;  // input column tested (leaves: 0)
  float threshold = 0;   // numeric splits: go left iff x <= threshold
  uint32_t child = 0;    // flags above | tree-local index of the left child (leaves: their own index)
  // Leaves: offset of their values in leaf_values; categorical splits: index in categorical_splits.
  uint32_t payload = 0;
};
static_assert(sizeof(CompiledNode) == 16);

// What the evaluator walks, derived from a CompiledNode (EvalNodeOf):
// values are compared as order-preserving integer keys of the floats (-0 as
// +0), from a block holding two keys per feature, NaN as the largest key at
// 2f and as the smallest at 2f + 1. A numeric node reads column
// 2f + default_left, so "right iff key > threshold key" sends NaN the
// default way with one integer comparison. Leaves: threshold key INT32_MAX.
// Categorical nodes (read by the vector kernels, simd_walk.h; the scalar
// kernel walks CompiledNodes in trees that have them) carry kCategorical and
// kDefaultLeft in `child`, the feature in `column` (its code column),
// 32 x the split's words in `threshold_key` (codes at or past it go left)
// and the split's first word in `payload`.
struct EvalNode {
  static constexpr uint32_t kCategorical = 1u << 31;
  static constexpr uint32_t kDefaultLeft = 1u << 30;
  static constexpr uint32_t kIndexMask = kDefaultLeft - 1;

  int32_t threshold_key = 0;
  uint32_t column = 0;   // 2 x feature + default_left (categorical: feature)
  uint32_t child = 0;    // tree-local index of the left child (leaves: their own), flags above
  uint32_t payload = 0;  // as CompiledNode::payload (categorical: CategoricalSplit::word_begin)
};
static_assert(sizeof(EvalNode) == 16);

// The order-preserving key of a float that is not NaN: a < b iff Key(a) <
// Key(b), with -0 and +0 equal.
int32_t FloatKey(float v);

// A split of a tree evaluated by leaf masks (simd_walk.h): the tree's
// leaves are numbered left to right (at most kMaxMaskLeaves); a row that
// goes right at a split cannot reach the leaves under its left child, so they
// leave its mask (`keep`: bit k of word k / 64 for leaf k); the row's leaf is
// the lowest leaf its mask keeps after every split. The other fields are the
// split's EvalNode's.
struct MaskSplit {
  uint64_t keep[2] = {0, 0};
  int32_t threshold_key = 0;
  uint32_t column = 0;
  uint32_t flags = 0;       // EvalNode::kCategorical | EvalNode::kDefaultLeft
  uint32_t word_begin = 0;  // categorical: the split's first word in category_words
};
static_assert(sizeof(MaskSplit) == 32);

// A MaskSplit as the AVX2 kernel takes it: one 32-bit word of the leaf
// masks at a time (leaves 32w to 32w + 31), so a split costs only the words
// holding leaves under its left child (a deep split: one), not all of them.
struct WordSplit {
  int32_t threshold_key = 0;
  uint32_t column = 0;
  uint32_t clear = 0;  // the word's leaves under the split's left child
  // Categorical: word_begin << 1, | 1 if missing goes left; tiny sets: the
  // set's word, | 1 << 31 if missing goes right.
  uint32_t set = 0;
};
static_assert(sizeof(WordSplit) == 16);

// Leaves a tree may have to be evaluated by leaf masks.
constexpr uint32_t kMaxMaskLeaves = 128;
constexpr uint32_t kMaxMaskWords = kMaxMaskLeaves / 32;
// A tree's MaskSplits come by kind: numeric, then categorical with sets of
// at most kShortSetWords words (kept in one vector), then longer sets.
// WordSplits (AVX2) also have tiny sets: one word of categories 0 to 30,
// tested against a block column of 1 << code (missing: 1 << 31) with one AND.
enum MaskSplitKind : int { kNumericSplit, kShortSetSplit, kLongSetSplit, kTinySetSplit };
constexpr uint32_t kShortSetWords = 16;

struct CompiledTree {
  enum class Kind : uint8_t { kNodes, kOblivious };
  Kind kind = Kind::kNodes;
  bool has_categorical = false;
  uint32_t depth = 0;       // edges on the longest root-to-leaf path (oblivious: levels)
  uint32_t output = 0;      // first raw score the tree adds to
  uint32_t leaf_width = 1;  // raw scores per leaf
  size_t node_begin = 0;
  size_t num_nodes = 0;    // oblivious: depth
  size_t leaf_begin = 0;   // oblivious: 2^depth x leaf_width values start here
  double weight = 1.0;     // multiplies the tree's leaf values (a forest's 1 / trees)
  bool float_sum = false;  // its part sums in float (ScorePart::float_sum)
  // Node trees of at most kMaxMaskLeaves leaves: their count (else 0), and
  // where their num_nodes - mask_leaves MaskSplits and their leaves'
  // tree-local indices and first values, left to right, start in
  // mask_splits / leaf_order and leaf_order_values.
  uint32_t mask_leaves = 0;
  uint32_t mask_numeric = 0;     // its numeric splits
  uint32_t mask_short_sets = 0;  // its splits of short sets
  size_t split_begin = 0;
  size_t leaf_order_begin = 0;
  // The same splits as WordSplits, word by word from word_split_begin in
  // word_splits: word w's end at word_end[w] (counted from
  // word_split_begin), the first word_numeric[w] numeric, the next
  // word_tiny_sets[w] of tiny sets, the next word_short_sets[w] of other
  // short sets.
  size_t word_split_begin = 0;
  std::array<uint16_t, kMaxMaskWords> word_end{};
  std::array<uint8_t, kMaxMaskWords> word_numeric{};
  std::array<uint8_t, kMaxMaskWords> word_tiny_sets{};
  std::array<uint8_t, kMaxMaskWords> word_short_sets{};
};

struct CategoricalSplit {
  uint32_t word_begin = 0;  // in category_words
  uint32_t words = 0;
};

// `splits` holds the node's split when the node is categorical.
EvalNode EvalNodeOf(const CompiledNode& node, const std::vector<CategoricalSplit>& splits);

// How a block of rows walks the trees: the scalar loop, or row-vectorized
// AVX2 / AVX-512 kernels (simd_walk.h), all reaching the same leaves, so
// their results are bit-identical. kAuto takes the widest the processor runs
// (and the scalar loops for blocks of a few rows).
enum class TreeKernel : uint8_t { kAuto, kScalar, kAvx2, kAvx512 };

struct ScorePart {
  uint32_t raw_begin = 0;
  uint32_t raw_dims = 1;
  ScoreLink link = ScoreLink::kIdentity;
  double weight = 1.0;
  std::vector<double> base;  // raw_dims starting scores
  // Sum the leaves in float, tree by tree in order, as XGBoost's predictor
  // does (its trees' weights must be 1): then the raw scores are XGBoost's
  // to the bit. Otherwise (the default) in double.
  bool float_sum = false;
};

// Features computed from an input row and appended after the input columns
// (oblivious_boost's target statistics of categorical columns).
class FeatureExtension {
 public:
  virtual ~FeatureExtension() = default;
  virtual size_t count() const = 0;
  // Writes count() values per row of x[begin, end) into out, row-major.
  virtual void Compute(const Matrix& x, size_t begin, size_t end, float* out) const = 0;
  // The input columns feature i (< count()) is computed from (explanations
  // hand its attribution to them).
  virtual std::vector<uint32_t> Sources(size_t i) const = 0;
};

// A tree in its family's own numbering (root = node 0, children anywhere
// after it), the input of CompiledForest::AddTree.
struct SourceTree {
  std::vector<int32_t> left;   // -1 on leaves
  std::vector<int32_t> right;  // -1 on leaves
  std::vector<uint32_t> feature;
  std::vector<float> threshold;  // numeric splits: go left iff x <= threshold
  std::vector<uint8_t> default_left;
  // Categorical splits: the category codes that go right; empty on other nodes.
  std::vector<std::vector<uint32_t>> right_categories;
  std::vector<uint8_t> categorical;
  std::vector<float> leaf_values;  // num_nodes x leaf_width (read on leaves only)
  std::vector<float> cover;        // optional: per node
  uint32_t output = 0;
  uint32_t leaf_width = 1;
  double weight = 1.0;

  size_t num_nodes() const { return left.size(); }
  // Sizes every array for n nodes, all leaves.
  void Resize(size_t n, uint32_t width);
};

class CompiledForest {
 public:
  // A forest over `num_features` input columns writing `num_outputs` values
  // per row, with no trees and no parts yet.
  CompiledForest(size_t num_features, int num_outputs);
  // Heavy: moved, never copied.
  CompiledForest(CompiledForest&&) = default;
  CompiledForest& operator=(CompiledForest&&) = default;
  CompiledForest(const CompiledForest&) = delete;
  CompiledForest& operator=(const CompiledForest&) = delete;

  // ---- building (converters)
  // Adds a part of base.size() raw scores starting at `base`, whose linked
  // outputs count `weight` times; returns its first raw score.
  uint32_t AddPart(ScoreLink link, std::vector<double> base, double weight);
  // Makes the part holding raw score `raw` sum its leaves in float; call
  // before adding its trees.
  void SetFloatSum(uint32_t raw);
  // Adds a tree; its output range must lie in one part. Checks the tree
  // (children in range and each reached once from the root, so no cycles;
  // features in range) and throws InvalidInput("compiled trees: ...")
  // otherwise. Nodes the root does not reach (XGBoost's deleted ones) are
  // dropped.
  void AddTree(const SourceTree& tree);
  // Adds an oblivious tree: level d tests features[d] > thresholds[d];
  // `leaves` holds 2^depth x leaf_width values.
  void AddObliviousTree(const std::vector<uint32_t>& features, const std::vector<float>& thresholds,
                        const std::vector<float>& leaves, uint32_t output, uint32_t leaf_width, double weight);
  // Appends the extension's features after the input columns (and after any
  // earlier extension's); returns the index of its first feature.
  uint32_t AddExtension(std::shared_ptr<const FeatureExtension> extension);

  // ---- evaluation (compiled_evaluator.cpp)
  // Writes x.rows x num_outputs() values, row-major, into out, on up to
  // `threads` threads over blocks of rows. x.cols must be num_features().
  // `kernel` is for tests and benchmarks (kAuto otherwise); one this
  // processor does not run throws InvalidInput.
  void Predict(const Matrix& x, float* out, int threads, TreeKernel kernel = TreeKernel::kAuto) const;
  // The raw scores (x.rows x num_raw(), base included) of rows [begin, end).
  void PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw, TreeKernel kernel = TreeKernel::kAuto) const;

  // Buffers for PredictSmall, grown on first use and reused: once grown to a
  // forest's sizes, PredictSmall allocates nothing. One per calling thread.
  struct Scratch {
    std::vector<double> raw;
    std::vector<double> work;
    std::vector<int32_t> keys;
    std::vector<double> scores;
    std::vector<float> float_scores;
    std::vector<uint8_t> in_float;
    std::vector<float> extended;
    std::vector<float> computed;
  };
  // Most rows PredictSmall takes.
  static constexpr size_t kSmallRows = 64;
  // The outputs (n x num_outputs()) of n rows' raw scores (n x num_raw());
  // `work`: scratch, grown to 2 x num_outputs().
  void ApplyLinks(const double* raw, size_t n, float* out, std::vector<double>& work) const;

  // Predict for x.rows <= kSmallRows rows on the calling thread: the one-row
  // path's entry (predict/row_predictor.h). Writes the same values as Predict.
  void PredictSmall(const Matrix& x, Scratch& scratch, float* out) const;

  // ---- the form (read-only)
  size_t num_features() const { return num_features_; }
  // Features the trees see: the input columns, then every extension's.
  size_t num_tree_features() const { return num_tree_features_; }
  int num_outputs() const { return num_outputs_; }
  uint32_t num_raw() const { return num_raw_; }
  const std::vector<CompiledTree>& trees() const { return trees_; }
  const std::vector<CompiledNode>& nodes() const { return nodes_; }
  const std::vector<float>& covers() const { return covers_; }  // one per node, NaN if unknown
  const std::vector<float>& leaf_values() const { return leaf_values_; }
  const std::vector<CategoricalSplit>& categorical_splits() const { return categorical_splits_; }
  const std::vector<uint32_t>& category_words() const { return category_words_; }
  const std::vector<ScorePart>& parts() const { return parts_; }
  const std::vector<std::shared_ptr<const FeatureExtension>>& extensions() const { return extensions_; }

 private:
  friend class CompiledForestMerger;
  // PredictRaw with `scratch`'s buffers.
  void PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw, TreeKernel kernel, Scratch& scratch) const;
  void PredictBlock(const float* rows, size_t stride, size_t n, double* raw, TreeKernel kernel, Scratch& scratch) const;
  void WalkTree(const CompiledTree& tree, const float* rows, size_t stride, size_t n, const int32_t* keys,
                TreeKernel kernel, uint32_t* leaf) const;
  void PushNode(const CompiledNode& node);
  // Fills the leaf-mask form (mask_leaves, MaskSplits, leaf order) of a node
  // tree whose nodes are in place.
  void IndexTree(CompiledTree* tree);
  // Fills the WordSplits of a tree IndexTree has given its MaskSplits.
  void IndexWords(CompiledTree* tree);

  size_t num_features_ = 0;
  size_t num_tree_features_ = 0;
  int num_outputs_ = 1;
  uint32_t num_raw_ = 0;
  std::vector<CompiledTree> trees_;
  std::vector<CompiledNode> nodes_;
  std::vector<EvalNode> eval_nodes_;      // EvalNodeOf(nodes_[i], categorical_splits_)
  std::vector<MaskSplit> mask_splits_;    // CompiledTree::split_begin
  std::vector<WordSplit> word_splits_;    // CompiledTree::word_split_begin
  std::vector<uint32_t> leaf_order_;      // CompiledTree::leaf_order_begin
  std::vector<float> leaf_order_values_;  // the first value of each leaf in leaf_order_
  std::vector<float> covers_;
  std::vector<float> leaf_values_;
  std::vector<CategoricalSplit> categorical_splits_;
  std::vector<uint32_t> category_words_;
  std::vector<ScorePart> parts_;
  std::vector<std::shared_ptr<const FeatureExtension>> extensions_;
};

}  // namespace tabpilot
