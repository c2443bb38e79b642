// Regression scores of a one-column prediction against y. Inputs are assumed
// validated (see CheckMetricInputs); sums are accumulated in double.
#pragma once

#include <cstddef>
#include <vector>

namespace tabpilot {

double MeanSquaredError(const std::vector<float>& y, const float* pred, size_t rows);
double RootMeanSquaredError(const std::vector<float>& y, const float* pred, size_t rows);
double MeanAbsoluteError(const std::vector<float>& y, const float* pred, size_t rows);
// 1 - SS_res / SS_tot. Constant y (SS_tot = 0) gives 1 for a perfect fit and
// 0 otherwise, as scikit-learn's r2_score(force_finite=True).
double R2Score(const std::vector<float>& y, const float* pred, size_t rows);

}  // namespace tabpilot
