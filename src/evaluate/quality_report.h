// The model-quality report: metrics of predictions against ground truth in the
// JSON shape of SageMaker Model Monitor's model-quality statistics, e.g.
// binary_classification_metrics.f1.value. The evaluation command writes it
// and the web UI reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/task.h"

namespace tabpilot {

struct QualityReportOptions {
  // Bootstrap resamples behind every "standard_deviation" (rows drawn with
  // replacement, same size as the data). 0 omits standard deviations. A
  // statistic undefined in a resample (AUC with one class) skips that
  // resample; with fewer than 2 usable resamples its deviation is omitted.
  int bootstrap_resamples = 30;
  // Seed of the resampling, so a report is reproducible.
  uint64_t seed = 0;
  // AUC costs one sort per class per resample; above this many rows x
  // classes its standard deviation is omitted (20000 rows x 26 classes takes
  // ~3 s with it on one core, ~1 s without).
  size_t auc_deviation_max_cells = 200000;
  // Curves are thinned to at most this many points, evenly spaced along the
  // curve's length and always keeping both end points (>= 2).
  size_t max_curve_points = 200;
};

// `pred` is rows x k row-major: class probabilities (k = class_labels.size(),
// 2 for binary) or one column for regression. `y` holds class indices into
// class_labels, or target values for regression (class_labels then unused).
// Binary: `positive_class` is the index of the positive label (its column in
// pred), `threshold` the decision cut on its probability. Multiclass decisions
// are the argmax. A metric undefined on this data (AUC when y holds one class)
// is left out rather than reported as a number.
// Throws InvalidInput for inconsistent inputs (sizes, labels, class count,
// non-finite predictions, positive_class out of range).
Json BuildQualityReport(Task task, const std::vector<std::string>& class_labels, int positive_class, double threshold,
                        const std::vector<float>& y, const float* pred, size_t rows,
                        const QualityReportOptions& options = {});

// Indices of at most max_points points of the polyline (xs[i], ys[i]), spaced
// evenly by length along it; always holds 0 and n - 1 (n >= 1). Exposed for tests.
std::vector<size_t> ThinCurve(const std::vector<double>& xs, const std::vector<double>& ys, size_t max_points);

}  // namespace tabpilot
