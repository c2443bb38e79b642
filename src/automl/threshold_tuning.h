// Decision-threshold tuning for binary threshold metrics (f1, precision,
// recall, accuracy, balanced_accuracy, f1_macro): pick the cut on p(positive)
// that maximizes the metric on out-of-fold predictions.
#pragma once

#include <cstddef>
#include <vector>

#include "metrics/metric.h"

namespace tabpilot {

struct ThresholdTuningOptions {
  // Precision alone peaks at cuts that let only a handful of top-scored rows
  // through (recall near 0), which does not generalize. When tuning the
  // metric named "precision", cuts predicting fewer than this fraction of the
  // rows positive (and always fewer than 1 row) are skipped.
  double precision_min_positive_fraction = 0.01;
};

// Sorts once and sweeps every distinct cut point, updating the confusion
// counts incrementally and scoring them with metric.ScoreCounts: O(n log n).
// Candidate thresholds are the midpoints between adjacent distinct
// probabilities plus one cut above the highest (all negative) and one at or
// below the lowest (all positive). Returns the threshold with the best score;
// ties go to the threshold closest to 0.5 (the untuned default).
// y holds 0/1 labels (1 = positive); proba_positive holds p(class 1) per row.
// Throws InvalidInput for an empty or mismatched input, a label other than
// 0/1, a non-finite probability, or a metric that does not use a threshold or
// does not support binary problems.
double TuneThreshold(const std::vector<float>& y, const float* proba_positive, size_t rows, const Metric& metric,
                     const ThresholdTuningOptions& options = {});

}  // namespace tabpilot
