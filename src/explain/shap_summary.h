// The global explainability report of a set of explained rows: per input
// column the mean |SHAP| (its importance), ranked; and for the top columns a
// dependence summary: how the column's SHAP value moves with its value
// (numeric, boolean and datetime columns in up to kDependenceBins quantile
// bins of their value, missing values in a bin of their own; categorical
// and text columns per value, the kDependenceValues most frequent ones, the
// rest together as "(other)"). Each bin gives its rows, mean SHAP and the
// range or value.
#pragma once

#include <cstddef>
#include <vector>

#include "core/json.h"
#include "data/table.h"
#include "explain/model_explainer.h"

namespace tabpilot {

inline constexpr size_t kDependenceBins = 10;
inline constexpr size_t kDependenceValues = 20;

// `rows`: the explained table (the model's input columns by name, same row
// order as `e`); `outputs`: the outputs to report (e.g. the positive class
// only for a binary model); `labels`: a name per output of `e` (class labels,
// or the target for regression); `top`: columns given a dependence summary.
Json BuildShapSummary(const Explanation& e, const Table& rows, const std::vector<std::string>& columns,
                      const std::vector<size_t>& outputs, const std::vector<std::string>& labels, size_t top);

}  // namespace tabpilot
