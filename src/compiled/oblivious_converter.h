// The oblivious booster (learners/oblivious_model.h) -> CompiledForest.
//
// Its trees test derived features: numeric input columns (mapped back to
// their input column here), one-hot indicators and target statistics of
// categorical columns, which the compiled forest computes per block of rows
// through FeatureExtensions (the indicators; the model's TargetStatistics). Levels keep the
// booster's rule, bit d = (x > border), NaN 0. Raw scores start at the
// model's base scores; links: logistic, softmax, identity. No covers.
#pragma once

#include <string_view>

#include "compiled/compiled_forest.h"
#include "learners/oblivious_model.h"

namespace tabpilot {

// Compiles a decoded model (its target statistics are moved into the result).
CompiledForest CompileObliviousData(ObliviousModelData model);

// Compiles the bytes of a serialized oblivious_boost model (Model::Serialize).
// Throws InvalidInput on corrupt bytes.
CompiledForest CompileObliviousModel(std::string_view bytes);

}  // namespace tabpilot
