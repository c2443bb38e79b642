// The "additive_boost" learner family: a generalized additive model fitted by
// cyclic gradient boosting, as explainable boosting machines (EBMs) fit theirs.
//
// The model is an intercept plus one shape function per input column:
//   raw score k = intercept[k] + sum over columns c of shape_c(x_c)[k]
// followed by the boosters' link (learners/boosting_loss.h: logistic,
// softmax, none). A column's shape is a step function over its quantile bins
// (at most max_bins; a column with few distinct values, such as a
// categorical's codes, gets one bin a value), with its own value for a
// missing cell. Fitting cycles through the columns: each step fits the
// current gradients with one column alone, by a tree of at most max_leaves
// leaves over the column's ordered bins (a categorical column,
// FitOptions::categorical_features, one leaf a code instead), plus one leaf
// for missing; leaves take regularized Newton steps times the learning rate.
// With early-stopping rows the cycles stop early_stopping_rounds after the
// best validation loss and the shapes are the best cycle's. Finally every
// shape is centred: its mean over the training rows moves into the intercept,
// so a shape value is the column's effect against the average row.
//
// With no interactions between columns it errs differently from the tree
// ensembles of the other boosters, which is what an ensemble wants
// (docs/architecture.md, "Portfolio"), and it explains itself exactly: compiled
// (compiled/additive_converter.h) it is one tree a column, so a column's SHAP
// value is its shape at the row minus the shape's background mean.
//
// Takes kTree features (NaN = missing), also as a view of a shared matrix's
// rows or a block at a time (TrainData::rows, ::blocks): those are read
// twice, for the cuts (from at most 200,000 rows spread evenly) and to bin
// every row to a byte a cell, and never copied densely. Binary Predict writes [1-p, p];
// multiclass one probability per class; regression one value. Models
// serialize to a compact little-endian format.
#pragma once

#include <vector>

#include "core/params.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The family's declared parameters.
std::vector<ParamSpec> AdditiveParamSpecs();

// Adds "additive_boost" to `registry` (called from learner_list.cpp).
void RegisterAdditiveLearner(LearnerRegistry& registry);

}  // namespace tabpilot
