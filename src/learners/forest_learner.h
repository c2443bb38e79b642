// Random forest and extra-trees learner families ("random_forest",
// "extra_trees"), in the manner of scikit-learn's RandomForest/ExtraTrees:
// fully grown randomized trees averaged together, a cheap source of ensemble
// diversity next to boosted trees.
//
// Both take kTree features (NaN = missing; each split learns which side
// missing values go to). Fit bins every feature once into <= max_bins quantile
// bins, then grows trees in parallel over `FitOptions::threads`; tree t is
// seeded from (seed, t) alone, so the model does not depend on the thread
// count. Trees are started until n_estimators or the deadline (at least one is
// always built). Models serialize to the format in forest_format.h.
// With bootstrap, FitWithOwnOOF also predicts each training row from the trees
// whose sample left it out (out-of-bag), so bagging needs one fit, not k.
#pragma once

#include <vector>

#include "core/params.h"
#include "learners/learner_registry.h"

namespace tabpilot {

enum class ForestKind { kRandomForest, kExtraTrees };

// The declared parameters of each family (they differ only in defaults):
// n_estimators, max_features, min_samples_leaf, max_depth, bootstrap,
// criterion, max_bins.
std::vector<ParamSpec> ForestParamSpecs(ForestKind kind);

// Registers "random_forest" and "extra_trees".
void RegisterForestLearners(LearnerRegistry& registry);

}  // namespace tabpilot
