// Merging compiled forests whose outputs are averaged anyway (the k fold
// models of a bagged member, the members of an ensemble), so that one pass
// over the rows walks all their trees.
//
// Exact, whatever the links: the merged forest's outputs are
// sum_i weight_i x outputs_i. How:
//   - parts with a linear link share raw scores: kIdentity parts (regression
//     values, a forest's class probabilities) always, kBinaryProbability
//     parts (a forest's P(class 1)) when the weights sum to 1 (then
//     1 - sum w_i p_i = sum w_i (1 - p_i)). Their trees are scaled by the
//     model's weight and the bases summed: the k fold models of a regression
//     booster become one sum of trees.
//   - parts with a nonlinear link (logistic, softmax) keep raw scores of
//     their own: averaging probabilities is not the link of the averaged
//     margins, so the trees are walked in the same pass but each model's
//     margins are linked on their own, then weighted. Only this is exact;
//     summing margins across folds would be a different model.
#pragma once

#include <vector>

#include "compiled/compiled_forest.h"

namespace tabpilot {

struct WeightedForest {
  const CompiledForest* forest = nullptr;
  double weight = 1.0;
};

// All forests must read the same input columns and write the same outputs;
// throws InvalidInput otherwise (or when the list is empty). Extensions are
// shared, not copied (their features follow each other).
CompiledForest MergeCompiledForests(const std::vector<WeightedForest>& forests);

}  // namespace tabpilot
