// The rows as a forest's trees see them: the input columns, then every
// FeatureExtension's features (compiled_forest.h: the oblivious booster's
// target statistics), as the compiled evaluator builds them.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "compiled/compiled_forest.h"
#include "data/matrix.h"

namespace tabpilot {

using FeatureExtensions = std::vector<std::shared_ptr<const FeatureExtension>>;

// Buffers TreeRows reuses from one call to the next (one per thread).
struct TreeRowsScratch {
  std::vector<float> rows;
  std::vector<float> computed;
};

// Rows [begin, end) of x with the extensions' features appended, row-major
// with `tree_features` values a row: without extensions, x's own rows (no
// copy); otherwise rows written into scratch (valid until its next use).
const float* TreeRows(const Matrix& x, size_t begin, size_t end, const FeatureExtensions& extensions,
                      size_t tree_features, TreeRowsScratch& scratch);

}  // namespace tabpilot
