// How candidates are validated: k-fold bagging (every row gets an
// out-of-fold prediction, AutoGluon's default) or, when the data is too large
// for the budget, one model per candidate validated on a 10% holdout.
//
// Bagging costs about k-1 times a single fit. On kddcup99 (395k rows x 23
// classes) at 60 s even the fast booster's five folds were cut off after ~44
// of the rounds it needed (test logloss 0.0013 against 0.0008 for one
// XGBoost fit on all rows); the same booster on 90% of the rows converges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "automl/portfolio.h"

namespace tabpilot {

struct FoldPlan {
  // Folds fitted per candidate: k >= 2 for bagging, 1 for a holdout (fold 0
  // of `folds` is held out, the model trains on the other nine tenths).
  int num_folds = 0;
  std::vector<int> folds;           // row -> fold
  std::vector<size_t> scored_rows;  // holdout: the held-out rows, ascending; bagging: empty (all rows)
  std::vector<float> scored_y;      // holdout: their targets

  bool holdout() const { return num_folds == 1; }
};

// Rows a holdout is made of: one part in kHoldoutParts, stratified.
inline constexpr int kHoldoutParts = 10;
// Fewer rows than this and the automatic choice never holds out (2,000
// held-out rows at the threshold), so ensembles are chosen on enough rows.
inline constexpr size_t kMinAutoHoldoutRows = 20000;
// An explicit holdout (requested_folds 1) needs at least this many rows.
inline constexpr size_t kMinHoldoutRows = 20;
// Boosting-round work (see BoostingRoundWork) per second of budget above which
// k-fold bagging cannot converge: kddcup99 (350M) holds out below ~175 s.
inline constexpr double kHoldoutWorkPerSecond = 2e6;

// `requested_folds`: 0 = automatic, 1 = holdout, k >= 2 = k-fold bagging
// (capped at rows / 2). Automatic: a holdout when the budget is bounded, the
// data has at least kMinAutoHoldoutRows rows and its round work exceeds
// kHoldoutWorkPerSecond x the budget; else 8 folds for small data (<= 5,000
// rows) or long budgets (>= 180 s, or none), 5 otherwise. Folds are
// stratified (see AssignFolds) and deterministic in (y, seed, groups).
// `groups` (TrainingData::groups, may be empty): whole groups go to a fold,
// k is capped at the number of groups, and an automatic holdout needs
// kHoldoutParts of them. Throws InvalidInput when a holdout is requested on
// fewer than kMinHoldoutRows rows or kHoldoutParts groups, or when there
// are fewer than 2 groups.
FoldPlan ChooseFoldPlan(int requested_folds, const DataShape& shape, const std::vector<float>& y, uint64_t seed,
                        const std::vector<uint32_t>& groups = {});

}  // namespace tabpilot
