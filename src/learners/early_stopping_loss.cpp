#include "learners/early_stopping_loss.h"

#include <algorithm>
#include <cmath>

namespace tabpilot {

double EarlyStoppingLoss(const float* pred, const TrainData& valid, Task task, int num_classes) {
  constexpr double kEps = 1e-15;
  const auto& y = *valid.y;
  const bool weighted = valid.weights && !valid.weights->empty();
  double sum = 0, wsum = 0;
  for (size_t r = 0; r < y.size(); ++r) {
    const double w = weighted ? (*valid.weights)[r] : 1.0;
    double loss = 0;
    if (task == Task::kBinary) {
      const double p = std::clamp(static_cast<double>(pred[r]), kEps, 1 - kEps);
      loss = y[r] > 0.5f ? -std::log(p) : -std::log(1 - p);
    } else if (task == Task::kMulticlass) {
      const size_t k = static_cast<size_t>(y[r]);
      loss = -std::log(std::clamp(static_cast<double>(pred[r * static_cast<size_t>(num_classes) + k]), kEps, 1.0));
    } else {
      const double d = static_cast<double>(pred[r]) - y[r];
      loss = d * d;
    }
    sum += w * loss;
    wsum += w;
  }
  if (wsum <= 0) return 0;
  return task == Task::kRegression ? std::sqrt(sum / wsum) : sum / wsum;
}

}  // namespace tabpilot
