// Classification scores that are not plain confusion-matrix ratios, plus the
// confusion matrix of a prediction matrix. Inputs are assumed validated (see
// CheckMetricInputs).
#pragma once

#include <cstddef>
#include <vector>

#include "metrics/confusion.h"
#include "metrics/metric.h"

namespace tabpilot {

// Mean negative log of the probability given to the true class, clipped to
// [1e-15, 1 - 1e-15]. Rows are not renormalized (models emit rows summing to 1).
double LogLoss(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx);

// Confusion matrix of the hard decisions (threshold for binary, argmax otherwise).
ConfusionMatrix ConfusionOf(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx);

}  // namespace tabpilot
