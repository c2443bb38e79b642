// Checks shared by the explain tests: the SHAP sum property against the
// compiled forest's own raw scores.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "compiled/compiled_forest.h"
#include "explain/tree_shap.h"
#include "support/test_support.h"

namespace tabpilot::testing {

// Explains x on `threads` threads and checks, for every row and raw score,
// that the contributions plus the bias equal CompiledForest::PredictRaw's
// raw score to `tolerance` relative (absolute below 1). Returns the values.
inline std::vector<double> ExplainAndCheckSums(const CompiledForest& forest, const TreeShap& shap, const Matrix& x,
                                               int threads, double tolerance = 1e-4) {
  std::vector<double> values(x.rows * shap.row_width());
  shap.Explain(x, values.data(), threads);
  std::vector<double> raw(x.rows * forest.num_raw());
  forest.PredictRaw(x, 0, x.rows, raw.data());
  const size_t stride = shap.num_features() + 1;
  double worst = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    for (uint32_t r = 0; r < forest.num_raw(); ++r) {
      const double* v = values.data() + (i * forest.num_raw() + r) * stride;
      double sum = 0;
      for (size_t f = 0; f < stride; ++f) sum += v[f];
      const double want = raw[i * forest.num_raw() + r];
      const double diff = std::abs(sum - want) / std::max(1.0, std::abs(want));
      worst = std::max(worst, std::isnan(diff) ? INFINITY : diff);
      EXPECT_LE(diff, tolerance) << "row " << i << ", raw score " << r << ": sum " << sum << ", margin " << want;
      if (diff > tolerance) return values;  // one failure is enough to read
    }
  }
  EXPECT_EQ(values.size(), x.rows * forest.num_raw() * stride);
  return values;
}

}  // namespace tabpilot::testing
