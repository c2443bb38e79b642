// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, "Consistent
// individualized feature attribution for tree ensembles", Algorithm 2) over
// a CompiledForest: for every row and every raw score, the contribution of
// each tree feature and the bias, in the forest's raw-score (margin) space.
//
// The algorithm. Each tree is walked once per row along every path; the
// "unique path" of the features split on so far holds, per feature, the
// fraction of the subsets in which it is unknown (z: the product of the
// cover fractions of the branches taken, shap_trees.h) and known (o: 1 on
// the row's own branches, 0 on the others), and the weights of all subset
// sizes, kept by EXTEND (a feature joins) and UNWIND (it leaves: a feature
// split on again is taken out and re-added with the product of its two
// fractions, so features repeated on a path count once). At a leaf, each
// feature's contribution is the unwound weight sum times (o - z) times the
// leaf's values. Missing values take the default branch as the hot one,
// categorical splits and oblivious levels decide as the compiled evaluator
// does, and subtrees whose weight is 0 both known and unknown are skipped
// (they contribute nothing).
//
// The contract: for every row and raw score r,
//     sum over features f of out[r][f] + out[r][bias] == raw score r,
// the forest's raw margin (CompiledForest::PredictRaw: base and tree weights
// included; up to rounding: the forest sums XGBoost's trees in float), and
// the bias is the part's base plus every tree's expected value under the
// covers. On XGBoost's trees, with its covers, the values are XGBoost's own
// pred_contribs (tests/explain/test_tree_shap_xgboost.cpp).
//
// Speed: trees are prepared once (ShapTrees); each worker thread keeps one
// path buffer of (depth + 2)(depth + 3) / 2 elements and writes straight
// into the output, so the walk allocates nothing.
//
// Thread safety: immutable once created; Explain is const and re-entrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "compiled/compiled_forest.h"
#include "data/matrix.h"
#include "explain/shap_trees.h"
#include "explain/tree_rows.h"

namespace tabpilot {

struct ShapWorkspace;  // a worker thread's buffers (tree_shap.cpp)

class TreeShap {
 public:
  struct Options {
    // Where the trees' covers come from (ShapCovers): the model's own, with
    // background counts for the trees that keep none.
    ShapCovers covers = ShapCovers::kModel;
    // Background rows (the forest's input columns) counted for covers;
    // read during Create only. Needed for our forests and the oblivious
    // booster, which keep no covers.
    const Matrix* background = nullptr;
    // Threads counting the background.
    int threads = 1;
  };

  // Prepares the trees of `forest` (which need not outlive the result).
  // Throws InvalidInput as ShapTrees does (no covers and no background).
  static std::unique_ptr<TreeShap> Create(const CompiledForest& forest, const Options& options);

  // Contributions per raw score before the bias: one per tree feature (the
  // input columns, then the extensions' features).
  size_t num_features() const { return trees_.num_tree_features(); }
  uint32_t num_raw() const { return trees_.num_raw(); }
  // Values Explain writes per row: num_raw() x (num_features() + 1).
  size_t row_width() const { return static_cast<size_t>(num_raw()) * (num_features() + 1); }
  // The bias (expected value) of every raw score.
  const std::vector<double>& bias() const { return trees_.bias(); }
  const ShapTrees& trees() const { return trees_; }

  // Writes x.rows x row_width() values into out: row i, raw score r,
  // feature f at out[(i * num_raw() + r) * (num_features() + 1) + f], the
  // bias at f = num_features() (XGBoost's pred_contribs layout). x has the
  // forest's input columns (CompiledForest::num_features()), else
  // InvalidInput. Runs on up to `threads` threads over blocks of rows.
  void Explain(const Matrix& x, double* out, int threads) const;

 private:
  TreeShap(ShapTrees trees, FeatureExtensions extensions);
  // One row's values (row: its tree features) into out (row_width()
  // values), with a worker's buffers sized for the deepest tree.
  void ExplainRow(const float* row, double* out, ShapWorkspace& workspace) const;

  ShapTrees trees_;
  FeatureExtensions extensions_;
  std::vector<double> inverse_;  // inverse_[k] = 1 / k, k <= max depth + 2
};

}  // namespace tabpilot
