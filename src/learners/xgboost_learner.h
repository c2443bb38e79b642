// The "xgboost" learner family: gradient-boosted trees trained by the XGBoost
// library (tree_method "hist"), with early stopping on the held-out fold,
// deadline-aware boosting and native categorical splits.
//
// Objectives: binary:logistic (Predict writes [1-p, p]), multi:softprob
// (one probability per class) and reg:squarederror (one value).
#pragma once

#include <memory>
#include <vector>

#include "core/json.h"
#include "learners/learner.h"
#include "learners/learner_registry.h"
#include "core/params.h"

namespace tabpilot {

// The family's parameters, declared once: validation, --help and the AutoML
// search space all read this table.
const std::vector<ParamSpec>& XgboostParamSpecs();

// A learner configured with `params` (a JSON object; missing keys take their
// defaults). Unknown keys, wrong types and out-of-range values throw
// InvalidInput naming the key.
std::unique_ptr<Learner> CreateXgboostLearner(const Json& params);

// One random booster configuration for the search phase (the registry
// entry's sampler).
SearchDraw SampleXgboostConfig(std::mt19937_64& rng);

// Adds the "xgboost" family to `registry` (called from learner_list.cpp).
void RegisterXgboostLearner(LearnerRegistry& registry);

}  // namespace tabpilot
