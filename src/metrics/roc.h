// Ranking metrics: ROC AUC (ties get average ranks, O(n log n)) and the ROC
// and precision-recall curves behind it. Inputs are assumed validated (see
// CheckMetricInputs); `pred` is rows x cols, row-major.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "metrics/metric.h"

namespace tabpilot {

// AUC of column `positive_col` for telling rows with y == positive_col from
// the rest (Mann-Whitney U with tied scores sharing their average rank).
// nullopt when y has no positives or no negatives for that class.
std::optional<double> OneVsRestAuc(const std::vector<float>& y, const float* pred, size_t rows, size_t cols,
                                   int positive_col);

// Binary: AUC of column 1. Multiclass: unweighted mean of the one-vs-rest AUCs
// over the classes that have both positives and negatives in y. Throws
// InvalidInput when no class qualifies (e.g. y holds a single class).
double RocAuc(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx);

// One point per distinct score, from the highest threshold down. Both curves
// are empty when undefined (ROC: y lacks positives or negatives; PR: y lacks
// positives). thresholds[i] is the cut giving point i (predict positive when
// score >= threshold); the first point's threshold is +infinity.
struct RocCurve {
  std::vector<double> false_positive_rates;  // starts at 0, ends at 1
  std::vector<double> true_positive_rates;   // starts at 0, ends at 1
  std::vector<double> thresholds;
};
RocCurve ComputeRocCurve(const std::vector<float>& y, const float* pred, size_t rows, size_t cols, int positive_col);

struct PrecisionRecallCurve {
  std::vector<double> precisions;  // starts at 1 (the empty prediction, by convention)
  std::vector<double> recalls;     // starts at 0, ends at 1
  std::vector<double> thresholds;
};
PrecisionRecallCurve ComputePrecisionRecallCurve(const std::vector<float>& y, const float* pred, size_t rows,
                                                 size_t cols, int positive_col);

}  // namespace tabpilot
