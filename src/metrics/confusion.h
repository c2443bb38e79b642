// Hard decisions from probabilities and the confusion matrix they give, with
// the per-class and averaged statistics the metrics and reports are built on.
// Inputs are assumed validated (see CheckMetricInputs).
#pragma once

#include <cstddef>
#include <vector>

#include "metrics/metric.h"

namespace tabpilot {

// Binary confusion counts when predicting class 1 for p(class 1) >= threshold.
// `pred` is rows x 2.
BinaryCounts CountBinary(const std::vector<float>& y, const float* pred, size_t rows, double threshold);

// Predicted class per row: binary -> p(class 1) >= ctx.threshold; multiclass ->
// argmax of the row (the lowest index wins ties).
std::vector<int> PredictClasses(const float* pred, size_t rows, const MetricContext& ctx);

// Scores of a binary decision from its counts (positive = class 1). Undefined
// ratios (0/0) are 0, as scikit-learn's zero_division default.
double PrecisionFromCounts(const BinaryCounts& c);
double RecallFromCounts(const BinaryCounts& c);
double F1FromCounts(const BinaryCounts& c);
double AccuracyFromCounts(const BinaryCounts& c);
// Mean recall over the classes present in y (one class present -> its recall).
double BalancedAccuracyFromCounts(const BinaryCounts& c);
// Mean F1 of both classes over the classes present in y or in the predictions.
double F1MacroFromCounts(const BinaryCounts& c);

// counts[actual][predicted] over num_classes classes. Immutable once built.
class ConfusionMatrix {
 public:
  ConfusionMatrix(const std::vector<float>& y, const std::vector<int>& predicted, int num_classes);

  int num_classes() const { return k_; }
  double count(int actual, int predicted) const { return counts_[static_cast<size_t>(actual) * static_cast<size_t>(k_) + static_cast<size_t>(predicted)]; }
  double total() const { return total_; }
  double support(int c) const { return support_[static_cast<size_t>(c)]; }      // rows with label c
  double predicted(int c) const { return predicted_[static_cast<size_t>(c)]; }  // rows predicted c

  // One-vs-rest scores of class c; 0/0 -> 0.
  double Precision(int c) const;
  double Recall(int c) const;
  double F1(int c) const;

  double Accuracy() const;
  // Mean recall over classes with support (scikit-learn's balanced_accuracy_score).
  double BalancedAccuracy() const;
  // Unweighted means over the classes present in y or in the predictions
  // (scikit-learn's label set for average='macro').
  double MacroPrecision() const;
  double MacroRecall() const;
  double MacroF1() const;
  // Means weighted by support (scikit-learn's average='weighted').
  double WeightedPrecision() const;
  double WeightedRecall() const;
  double WeightedF1() const;

 private:
  bool Present(int c) const { return support(c) > 0 || predicted(c) > 0; }
  template <typename Fn>
  double Macro(Fn fn) const;
  template <typename Fn>
  double Weighted(Fn fn) const;

  int k_;
  double total_ = 0;
  std::vector<double> counts_;
  std::vector<double> support_;
  std::vector<double> predicted_;
};

}  // namespace tabpilot
