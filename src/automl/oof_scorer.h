// Scores out-of-fold predictions on the run's objective metric: candidates
// and the ensemble alike, and gives ensemble selection the loss it minimizes.
#pragma once

#include <vector>

#include "data/matrix.h"
#include "metrics/metric_registry.h"
#include "model/bundle.h"

namespace tabpilot {

class OofScorer {
 public:
  // `problem` and `y` (the scored rows' targets) are not copied: they must
  // outlive the scorer. Not copyable (it points into its own registry).
  OofScorer(const ProblemInfo& problem, const std::vector<float>& y);
  OofScorer(const OofScorer&) = delete;
  OofScorer& operator=(const OofScorer&) = delete;

  // Whether Score tunes a binary decision threshold (binary threshold metrics: F1, accuracy, ...).
  bool tunes_threshold() const;

  // Objective score of `pred` (rows x outputs, the rows of `y`); for
  // threshold metrics the threshold is tuned on the same predictions and
  // returned through `threshold` (else it gets 0.5).
  double Score(const Matrix& pred, double* threshold = nullptr) const;

  // The loss ensemble selection minimizes. Threshold metrics are noisy step
  // functions of the weights, so for them the ensemble is chosen on logloss
  // (calibrated probabilities) and the threshold is tuned afterwards.
  double SelectionLoss(const float* pred) const;
  // The same loss on other rows: `y` (their targets) and `pred` (rows x
  // outputs); what a bootstrap of the scored rows resamples.
  double SelectionLoss(const std::vector<float>& y, const float* pred) const;

  const Metric& objective() const { return objective_; }
  // Whether `a` is a better objective score than `b`.
  bool Better(double a, double b) const { return objective_.greater_is_better() ? a > b : a < b; }

 private:
  const ProblemInfo& problem_;
  const std::vector<float>& y_;
  MetricRegistry metrics_;
  const Metric& objective_;
  MetricContext ctx_;
};

}  // namespace tabpilot
