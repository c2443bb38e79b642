// XGBoost boosters -> CompiledForest, read from the model's own UBJSON with
// our bounds-checked walk (learners/ubjson_walk.h), never through libxgboost.
//
// What XGBoost 1.7 does, and what the compiled form keeps:
//   split       go left iff x < split_condition (stored as x <= the float
//               below it); NaN goes to default_left's side; +-inf compare
//               as numbers.
//   categorical (split_type 1) the node's `categories` go right, other codes
//               left (see compiled_forest.h for NaN and invalid codes).
//   leaves      split_conditions[leaf] (base_weights are pre-shrinkage).
//   covers      sum_hessian.
//   outputs     tree_info[t] is tree t's class; every raw score starts at
//               base_score, turned into a margin by the objective: the
//               logit -logf(1/b - 1) for binary:logistic (in float, as XGBoost
//               computes it), b itself for multi:softprob and
//               reg:squarederror. Links: logistic, softmax, identity.
#pragma once

#include <string_view>

#include "compiled/compiled_forest.h"

namespace tabpilot {

// Compiles the bytes of a serialized xgboost model (Model::Serialize: our
// header, checksum and the UBJSON), checked as XgboostLearner::Load checks
// them. Throws InvalidInput on corrupt bytes.
CompiledForest CompileXgboostModel(std::string_view bytes);

}  // namespace tabpilot
