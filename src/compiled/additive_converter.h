// The additive model (learners/additive_model.h) -> CompiledForest.
//
// Each column's shape becomes one tree over that column: a root that sends
// a missing value right (the threshold +inf holds every other value) to a
// leaf with the shape's missing value, and on the left a balanced tree over
// the shape's runs of equal values, split at the cut that ends a run ("x <=
// cuts[b]" is exactly bins 0..b). Raw scores start at the intercepts; links:
// logistic, softmax, identity. No covers.
#pragma once

#include <string_view>

#include "compiled/compiled_forest.h"
#include "learners/additive_model.h"

namespace tabpilot {

// Compiles a decoded model.
CompiledForest CompileAdditiveData(const AdditiveModelData& model);

// Compiles the bytes of a serialized additive_boost model (Model::Serialize).
// Throws InvalidInput on corrupt bytes.
CompiledForest CompileAdditiveModel(std::string_view bytes);

}  // namespace tabpilot
