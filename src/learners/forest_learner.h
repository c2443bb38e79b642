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

#include <cstddef>
#include <vector>

#include "core/params.h"
#include "learners/learner_registry.h"

namespace tabpilot {

enum class ForestKind { kRandomForest, kExtraTrees };

// The declared parameters of each family (they differ only in defaults):
// n_estimators, max_features, min_samples_leaf, max_depth, bootstrap,
// criterion, max_bins.
std::vector<ParamSpec> ForestParamSpecs(ForestKind kind);

// Bytes a forest's fit holds at its peak beside its input matrix, an upper
// bound (the registry's fit_bytes): the binned copy (a byte a cell), the
// training set's label, target and weight (12 bytes a row), with bootstrap
// each tree's in-bag bits and the out-of-bag sums, and the trees 4.5 times:
// twice while they are built and copied into the model, and more once it is
// fitted, when the search times it and writes it to disk: its bytes, the
// model decoded from them and its compiled form are made beside it
// (predict/predict_cost.cpp; 200 random-forest trees on 24,000 rows of the
// synthetic table, a 22.8 MB model, took 79 MB more while timed). A tree
// is counted at 2 x rows / min_samples_leaf nodes, with a bootstrap's rows
// counted as the 0.64 of them it draws (a leaf holds min_samples_leaf draws,
// so fewer distinct rows can make one; the trees measured stay well below
// the count, and the test grows them on coin-flip labels) and at most
// 2^(max_depth + 1) - 1; a node takes 21 bytes, a leaf `outputs` floats
// more (outputs > 2 only: binary and regression leaves hold one). Measured
// against it: 200 bootstrapped extra-trees of min_samples_leaf 3 on a
// 24,000-row sample grew 1.26M nodes, 29 MB; the bound says 47 MB a copy.
double ForestFitBytes(size_t rows, size_t cols, int outputs, const Params& params);

// Registers "random_forest" and "extra_trees".
void RegisterForestLearners(LearnerRegistry& registry);

}  // namespace tabpilot
