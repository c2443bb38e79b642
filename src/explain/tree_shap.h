// Exact path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, "Consistent
// individualized feature attribution for tree ensembles") over a
// CompiledForest: for every row and every raw score, the contribution of
// each tree feature and the bias, in the forest's raw-score (margin) space.
//
// The algorithm: the Shapley sums as integrals, one walk per tree and row.
// On the path to a leaf each distinct feature f has a fraction z_f (the
// product of the cover fractions of its branches taken, shap_trees.h) and
// o_f (1 if the row takes all of them, else 0). Algorithm 2 of the paper
// sums, for feature i, the leaf's value times (o_i - z_i) times the Shapley
// weights |S|! (n - |S| - 1)! / n! of the subsets S of the others, each
// subset weighing the product of o over S and z over the rest. With the
// Beta integral |S|! (n - |S| - 1)! / n! = integral over t in [0, 1] of
// t^|S| (1 - t)^(n - |S| - 1), that sum is
//     value x (o_i - z_i) x integral of prod over f != i of (t o_f + (1 - t) z_f) dt,
// a polynomial of degree n - 1 in t, integrated exactly by Gauss-Legendre
// quadrature at ceil(n / 2) points (n at most the tree's most distinct
// features on a path). So the walk carries the path product at those
// points down the tree (a feature split on again has its factor replaced),
// returns up each subtree the sum of its leaves' values times their
// products, and at each edge adds (o - z) x the quadrature of that sum
// divided by the edge feature's factor; leaves under a later split on the
// same feature are left to that split (their sums are subtracted). Every
// node is visited once per row, with a few multiplications per point,
// instead of the paper's O(depth^2) work per leaf (Linear TreeSHAP, Yu et
// al. 2022, reaches the same bound by another route). Missing values take
// the default branch as the hot one, categorical splits and oblivious levels
// decide as the compiled evaluator does, and subtrees whose weight is 0
// both known and unknown are skipped (they contribute nothing).
//
// The contract: for every row and raw score r,
//     sum over features f of out[r][f] + out[r][bias] == raw score r,
// the forest's raw margin (CompiledForest::PredictRaw: base and tree weights
// included; up to rounding: the forest sums XGBoost's trees in float), and
// the bias is the part's base plus every tree's expected value under the
// covers. On XGBoost's trees, with its covers, the values are XGBoost's own
// pred_contribs (tests/explain/test_tree_shap_xgboost.cpp).
//
// Speed: trees are prepared once (ShapTrees, the quadrature points per
// tree); each worker thread keeps buffers of (depth + 2) x points x leaf
// width values and writes straight into the output, so the walk allocates
// nothing. Trees with one raw score per leaf are walked by four rows at
// once, every value a vector of four doubles (one AVX2 register; the AVX2
// build is chosen at run time, the portable one gives the same values).
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
    // Run the lane walk's AVX2 build where the processor has AVX2 (false:
    // the portable build everywhere; both give the same values).
    bool avx2 = true;
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
  TreeShap(ShapTrees trees, FeatureExtensions extensions, bool avx2);
  // The values of n <= 4 rows (rows[l]: row l's tree features) into out[l]
  // (row_width() values each), with a worker's buffers sized for the
  // deepest tree: four rows walk each tree with one raw score per leaf
  // together (the lane walk), other trees and fewer rows one row at a time.
  void ExplainRows(const float* const* rows, double* const* out, size_t n, ShapWorkspace& workspace) const;

  ShapTrees trees_;
  FeatureExtensions extensions_;
  // Quadrature points for paths of up to `distinct` distinct features.
  static uint32_t PointsFor(uint32_t distinct);
  std::vector<uint32_t> points_;  // per tree
  uint32_t max_points_ = 1;
  // Gauss-Legendre nodes and weights on [0, 1]: n points start at point_begin_[n].
  std::vector<size_t> point_begin_;
  std::vector<double> nodes_;
  std::vector<double> weights_;
  std::vector<double> cold_inverse_;  // 1 / (1 - node)
  uint32_t max_width_ = 1;            // raw scores per leaf, at most
  bool avx2_ = false;                 // the lane walk's AVX2 build runs here
};

}  // namespace tabpilot
