// Which families compile to a CompiledForest, and how: one table, keyed by
// the learner family's registry name, of functions from a fold model's bytes
// (Model::Serialize) to its compiled form. A family missing from the table
// (networks, linear models, kNN) is predicted by its own Model::Predict.
#pragma once

#include <string>
#include <string_view>

#include "compiled/compiled_forest.h"

namespace tabpilot {

using ModelCompiler = CompiledForest (*)(std::string_view bytes);

// The compiler of `family`, or nullptr when its models are not trees.
ModelCompiler FindModelCompiler(const std::string& family);

}  // namespace tabpilot
