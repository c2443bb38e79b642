// Our random forests and extra trees (learners/forest_tree.h) -> CompiledForest.
//
// The forest's own rule is kept as it is: go left iff x <= threshold (a raw
// float: the builder splits on bins, but stores the bin's upper cut, so the
// decision on raw values is the same; forest_binning.h), NaN to the default
// side. Every tree weighs 1 / trees (the forest averages its leaves). Links:
// binary leaves hold P(class 1) (outputs [1 - p, p]); multiclass leaves hold
// every class's probability; regression leaves the mean. Forests keep no
// node counts, so the covers are NaN.
#pragma once

#include <string_view>

#include "compiled/compiled_forest.h"
#include "data/task.h"
#include "learners/forest_tree.h"

namespace tabpilot {

// Compiles a forest of `task` (num_classes: 1 for regression).
CompiledForest CompileFlatForest(const FlatForest& forest, Task task, int num_classes);

// Compiles the bytes of a serialized random_forest / extra_trees model
// (Model::Serialize). Throws InvalidInput on corrupt bytes.
CompiledForest CompileForestModel(std::string_view bytes);

}  // namespace tabpilot
