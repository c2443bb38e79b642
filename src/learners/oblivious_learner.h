// The "oblivious_boost" learner family: gradient boosting of oblivious
// (symmetric) trees over ordered target statistics, in the manner of
// CatBoost's plain boosting mode.
//
// An oblivious tree of depth d uses one (feature, border) test per level, the
// same for every node of the level, so it is a table of 2^d leaves indexed by
// d bits; that makes it a strong regularizer and very cheap to evaluate.
// Categorical columns (FitOptions::categorical_features) with at most two
// levels are used as numbers; with at most one_hot_max_size levels (default
// 64) a level's test is "this level or not" (missing values are a level of
// their own), as CatBoost's one_hot_max_size;
// with more, they become ordered target statistics of each column (and, with
// cat_pairs, of each pair; see target_statistics.h). On Adult's few-level
// columns the levels beat their target statistics by 0.002 of logloss
// (0.2845 against 0.2866 on a development split; the statistics' noise on
// the training rows is a cost the levels do not pay; docs/benchmarks.md,
// 2026-12-06).
//
// Each tree is scored by the Newton gain sum G^2 / (H + l2_leaf_reg) over its
// leaves (optionally on Bayesian-bootstrap row weights, bagging_temperature;
// off by default), and its leaves take regularized Newton steps, on every row
// at its sample weight, times the learning rate. With a
// validation set, boosting stops `early_stopping_rounds` after the best
// validation loss and keeps the trees up to it.
//
// Reads its training rows from a matrix, a view of a matrix's rows or blocks
// (Learner::takes_row_view) without copying them: twice, for the categorical
// columns' levels and the bin cuts, then to code every row (a byte a
// feature); only the columns that get target statistics are copied, as
// floats, for those.
//
// Takes kTree features (NaN = missing, which goes to the "<=" side of every
// test). Binary Predict writes [1-p, p]; multiclass one probability per class;
// regression one value. Models serialize to a compact little-endian format.
#pragma once

#include <vector>

#include "core/params.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The family's declared parameters.
std::vector<ParamSpec> ObliviousParamSpecs();

// Adds "oblivious_boost" to `registry` (called from learner_list.cpp).
void RegisterObliviousLearner(LearnerRegistry& registry);

}  // namespace tabpilot
