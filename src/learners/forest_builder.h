// Grows one randomized decision tree (random forest or extra-trees style) on
// pre-binned features with per-node histograms.
#pragma once

#include <cstdint>
#include <vector>

#include "learners/forest_binning.h"
#include "learners/forest_tree.h"

namespace tabpilot {

// What to grow. Every field is set by the learner from validated params.
struct TreeConfig {
  enum class Criterion { kGini, kEntropy, kSquaredError };
  Criterion criterion = Criterion::kGini;
  int num_classes = 2;    // classification only (>= 2)
  bool bootstrap = true;  // draw rows with replacement per tree
  // Extra-trees: one random cut per feature (uniform over the bin boundaries
  // between the node's lowest and highest present bin), plus the
  // present-vs-missing cut when the node has missing values.
  bool random_threshold = false;
  int max_features = 1;      // candidate features per node (>= 1)
  int min_samples_leaf = 1;  // distinct training rows per leaf
  int max_depth = 0;         // 0 = unlimited
};

// Training rows shared (read-only) by all builders of one Fit.
struct TreeTrainingSet {
  const BinnedMatrix* x = nullptr;
  std::vector<int32_t> label;            // class index per row (classification)
  std::vector<float> target;             // value per row (regression)
  std::vector<float> weight;             // per row, all 1 when the caller gave none
  std::vector<int32_t> usable_features;  // features with at least two distinct codes
};

// Builds trees one at a time, reusing its scratch buffers. Not thread-safe:
// use one builder per thread. The result of Build(seed) depends only on the
// training set, the config and the seed.
class TreeBuilder {
 public:
  TreeBuilder(const TreeTrainingSet& data, const TreeConfig& config);
  // With bootstrapping and a non-null `in_bag`, it receives the tree's
  // in-bag rows as a bitset (bit r % 64 of word r / 64).
  FlatTree Build(uint64_t seed, std::vector<uint64_t>* in_bag = nullptr);

 private:
  struct Split;
  // The tree's rows (a bootstrap draw, or all rows) into rows_ with their
  // weights and labels/targets; `in_bag` as for Build.
  void DrawRows(std::vector<uint64_t>* in_bag);
  // The best split of the node's rows [begin, end) over up to max_features
  // usable features drawn in random order; feature -1 when none splits.
  Split FindSplit(size_t begin, size_t end, const double* node);
  // Reorders [begin, end) into the rows `split` sends left, then right;
  // returns where the right ones start.
  size_t Partition(size_t begin, size_t end, const Split& split);
  void NodeStats(size_t begin, size_t end, double* stats, bool* pure) const;
  // Accumulates feature f over the node into hist_ and lists the occupied
  // value bins (ascending) in occupied_; the missing bin's stats stay at
  // hist_[kMissingBin]. ClearHistogram() re-zeroes exactly what was touched.
  void Summarize(int32_t f, size_t begin, size_t end);
  template <bool kTrackBins>
  void Accumulate(const uint8_t* codes, size_t begin, size_t end, uint64_t* mask);
  void ClearHistogram();
  // Evaluates feature f's candidate cuts; returns false if f is constant here.
  // The criterion is a template parameter so the impurity proxy inlines into
  // the split scan.
  template <TreeConfig::Criterion kCrit>
  bool EvaluateFeature(int32_t f, const double* node, Split& best);
  template <TreeConfig::Criterion kCrit>
  void TryCut(int32_t f, int cut, const double* left, const double* right_nm, const double* missing, Split& best);
  template <TreeConfig::Criterion kCrit>
  double Proxy(const double* stats) const;
  void MakeLeaf(FlatTree& tree, int32_t node, const double* stats);
  uint64_t NextRandom();
  uint64_t Uniform(uint64_t n);

  const TreeTrainingSet& data_;
  TreeConfig config_;
  size_t stride_ = 0;  // doubles per stats record: [count, ...]
  uint64_t rng_ = 0;
  // In-bag rows; each node owns a contiguous range, sorted by row. The pos_*
  // arrays are aligned with rows_ (permuted with it) so the hot loops read
  // them sequentially; only the feature codes are gathered by row.
  std::vector<uint32_t> rows_;
  std::vector<int32_t> pos_label_;
  std::vector<float> pos_target_;
  std::vector<float> pos_weight_;  // bootstrap multiplicity x sample weight
  std::vector<uint32_t> scratch_rows_;
  std::vector<int32_t> scratch_label_;
  std::vector<float> scratch_target_;
  std::vector<float> scratch_weight_;
  std::vector<int32_t> features_;  // permutation of usable features
  std::vector<double> hist_;       // 256 bins x stride, all-zero between uses
  std::vector<uint8_t> occupied_;  // occupied value bins of the current feature, ascending
  bool hist_missing_ = false;      // whether the missing bin is occupied
  std::vector<double> work_;       // temporaries for split evaluation
};

}  // namespace tabpilot
