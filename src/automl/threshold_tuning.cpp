#include "automl/threshold_tuning.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "core/error.h"

namespace tabpilot {
namespace {

void CheckInputs(const std::vector<float>& y, const float* proba, size_t rows, const Metric& metric) {
  const std::string who = "threshold tuning for '" + metric.name() + "': ";
  if (!metric.uses_threshold() || !metric.supports(Task::kBinary)) {
    throw InvalidInput(who + "the metric does not depend on a binary decision threshold");
  }
  if (rows == 0) throw InvalidInput(who + "no rows");
  if (y.size() != rows) {
    throw InvalidInput(who + std::to_string(y.size()) + " labels for " + std::to_string(rows) + " probabilities");
  }
  if (proba == nullptr) throw InvalidInput(who + "no probabilities");
  for (size_t r = 0; r < rows; ++r) {
    if (y[r] != 0.0f && y[r] != 1.0f) {
      throw InvalidInput(who + "row " + std::to_string(r) + ": label " + std::to_string(y[r]) + " is not 0 or 1");
    }
    if (!std::isfinite(proba[r])) {
      throw InvalidInput(who + "row " + std::to_string(r) + ": probability is not a finite number");
    }
  }
}

}  // namespace

double TuneThreshold(const std::vector<float>& y, const float* proba_positive, size_t rows, const Metric& metric,
                     const ThresholdTuningOptions& options) {
  CheckInputs(y, proba_positive, rows, metric);

  std::vector<std::pair<float, bool>> v(rows);  // (p, is positive), highest p first
  double positives = 0;
  for (size_t r = 0; r < rows; ++r) {
    v[r] = {proba_positive[r], y[r] == 1.0f};
    positives += v[r].second ? 1 : 0;
  }
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });

  size_t min_predicted = 0;
  if (metric.name() == "precision") {
    min_predicted = std::max<size_t>(
        1, static_cast<size_t>(std::ceil(options.precision_min_positive_fraction * static_cast<double>(rows))));
  }

  double best_score = -std::numeric_limits<double>::infinity();
  double best_threshold = 0.5;
  bool have_best = false;
  // Scores a cut and keeps it if better, or equally good and closer to 0.5.
  auto consider = [&](const BinaryCounts& c, double threshold) {
    if (c.tp + c.fp < static_cast<double>(min_predicted)) return;
    double s = metric.ScoreCounts(c);
    if (!metric.greater_is_better()) s = -s;
    const double tol = 1e-12 * std::max(1.0, std::fabs(best_score));
    bool better = !have_best || s > best_score + tol;
    bool tie = have_best && std::fabs(s - best_score) <= tol;
    if (better || (tie && std::fabs(threshold - 0.5) < std::fabs(best_threshold - 0.5))) {
      best_score = better ? s : best_score;
      best_threshold = threshold;
      have_best = true;
    }
  };

  // Everything negative: a cut above the highest probability.
  const double top = static_cast<double>(v.front().first);
  BinaryCounts c;
  c.fn = positives;
  c.tn = static_cast<double>(rows) - positives;
  consider(c, top < 1.0 ? 0.5 * (top + 1.0) : std::nextafter(top, std::numeric_limits<double>::infinity()));

  // Move each group of equal probabilities to the positive side in turn; the
  // cut sits halfway to the next lower distinct probability (exact in double,
  // as the probabilities are floats).
  size_t i = 0;
  while (i < rows) {
    const float p = v[i].first;
    while (i < rows && v[i].first == p) {
      if (v[i].second) {
        c.tp += 1;
        c.fn -= 1;
      } else {
        c.fp += 1;
        c.tn -= 1;
      }
      ++i;
    }
    double threshold;
    if (i < rows) {
      threshold = 0.5 * (static_cast<double>(p) + static_cast<double>(v[i].first));
    } else {
      threshold = p > 0.0f ? 0.5 * static_cast<double>(p) : static_cast<double>(p);  // everything positive
    }
    consider(c, threshold);
  }
  return best_threshold;
}

}  // namespace tabpilot
