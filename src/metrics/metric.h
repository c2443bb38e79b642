// The Metric interface: one score for a prediction matrix against labels.
//
// Predictions are a row-major float matrix rows x k: classification has one
// probability column per class (binary: k = 2, column 1 is the positive class),
// regression has k = 1. Labels are floats: the class index for classification,
// the target value for regression.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "data/task.h"

namespace tabpilot {

struct MetricContext {
  Task task = Task::kBinary;
  // Classification: number of classes (= prediction columns; 2 for binary).
  // Regression: ignored, predictions have one column.
  int num_classes = 2;
  // Binary only: predict the positive class (1) when p(class 1) >= threshold.
  double threshold = 0.5;
};

// Confusion counts of a binary decision (positive = class 1). Doubles so the
// ratios below need no casts; counts stay exact up to 2^53 rows.
struct BinaryCounts {
  double tp = 0;
  double fp = 0;
  double tn = 0;
  double fn = 0;
  double total() const { return tp + fp + tn + fn; }
};

// Metrics are immutable after construction: every method is const and safe to
// call from several threads at once.
class Metric {
 public:
  virtual ~Metric() = default;
  virtual const std::string& name() const = 0;
  virtual bool greater_is_better() const = 0;
  // True when the binary score depends on the decision threshold (f1,
  // precision, recall, accuracy, balanced_accuracy, f1_macro). Such metrics
  // implement ScoreCounts, which threshold tuning sweeps.
  virtual bool uses_threshold() const = 0;
  virtual bool supports(Task task) const = 0;
  // Validates the inputs (sizes, class indices, finite predictions, task)
  // and throws InvalidInput naming the metric and the offending row.
  virtual double Score(const std::vector<float>& y, const float* pred, size_t rows,
                       const MetricContext& ctx) const = 0;
  // The binary score from confusion counts; only for uses_threshold() metrics
  // (others throw Internal). Score() on binary data equals
  // ScoreCounts(counts at ctx.threshold).
  virtual double ScoreCounts(const BinaryCounts& counts) const;
  // Score turned into a loss to minimize (-score when greater is better).
  double Loss(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) const;
};

// Prediction columns implied by a context: num_classes, or 1 for regression.
size_t PredictionColumns(const MetricContext& ctx);

// Throws InvalidInput unless: the metric supports ctx.task, rows > 0,
// y.size() == rows, pred is non-null, classification has num_classes >= 2
// (exactly 2 for binary) and every label is a class index, and every
// prediction is finite. The message names the metric and the first bad row.
void CheckMetricInputs(const Metric& metric, const std::vector<float>& y, const float* pred, size_t rows,
                       const MetricContext& ctx);

// A metric described by a row of the built-in table (metric_list.cpp):
// plain functions for the score and, for threshold metrics, the counts score.
class FunctionMetric : public Metric {
 public:
  using ScoreFn = std::function<double(const std::vector<float>& y, const float* pred, size_t rows,
                                       const MetricContext& ctx)>;
  using CountsFn = std::function<double(const BinaryCounts& counts)>;
  struct Spec {
    std::string name;
    bool greater_is_better = true;
    bool for_classification = true;  // binary and multiclass
    bool for_regression = false;
    // Scores any supported task (inputs already validated). Threshold metrics
    // on binary tasks go through `counts` instead.
    ScoreFn score;
    // Set only for threshold metrics (makes uses_threshold() true).
    CountsFn counts;
  };
  explicit FunctionMetric(Spec spec);

  const std::string& name() const override { return spec_.name; }
  bool greater_is_better() const override { return spec_.greater_is_better; }
  bool uses_threshold() const override { return static_cast<bool>(spec_.counts); }
  bool supports(Task task) const override;
  double Score(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) const override;
  double ScoreCounts(const BinaryCounts& counts) const override;

 private:
  Spec spec_;
};

}  // namespace tabpilot
