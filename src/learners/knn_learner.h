// The "knn" learner family: brute-force k nearest neighbours, Euclidean distance.
//
// Fit stores the training matrix (float32, NaN read as 0), the targets and any
// sample weights; if there are more than `max_train_rows` rows it keeps a
// random subsample of that size (seeded by FitOptions::seed, reported by Info()).
// The serialized model is therefore about 4 * rows * (features + 1) bytes.
//
// Predict finds each row's k nearest stored rows (ties go to the earlier stored
// row) and combines their targets:
//   classification  probability of a class = weighted share of neighbours in it
//   regression      weighted mean of the neighbours' targets
// A neighbour's weight is its sample weight (1 when absent), times 1/distance
// when weights = "distance". As in scikit-learn, if any neighbour is at
// distance 0, only the neighbours at distance 0 vote.
//
// FitWithOwnOOF stores the rows the same way and predicts every training row
// from its k nearest other stored rows (leave-one-out; a duplicate row is
// another row). Rows left out by the subsample are predicted as usual.
//
// Distances are computed block by block as ||a||^2 + ||b||^2 - 2 a.b with
// matrix products, over fixed query blocks spread across Predict's threads;
// results do not depend on the thread count.
#pragma once

#include <memory>
#include <vector>

#include "learners/learner.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// The declared parameters: k, weights, max_train_rows.
const std::vector<ParamSpec>& KnnParamSpecs();

// A "knn" learner with validated `params` (a JSON object; null = defaults).
// Throws InvalidInput naming the key for unknown or out-of-range parameters.
std::unique_ptr<Learner> CreateKnnLearner(const Json& params);

// Adds the "knn" family to `registry` (called from learner_list.cpp).
void RegisterKnnLearner(LearnerRegistry& registry);

}  // namespace tabpilot
