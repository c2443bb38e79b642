#include "metrics/classification_metrics.h"

#include <algorithm>
#include <cmath>

namespace tabpilot {

double LogLoss(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) {
  constexpr double kEps = 1e-15;
  const size_t k = PredictionColumns(ctx);
  double sum = 0;
  for (size_t r = 0; r < rows; ++r) {
    double p = static_cast<double>(pred[r * k + static_cast<size_t>(y[r])]);
    sum -= std::log(std::clamp(p, kEps, 1.0 - kEps));
  }
  return sum / static_cast<double>(rows);
}

ConfusionMatrix ConfusionOf(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) {
  return ConfusionMatrix(y, PredictClasses(pred, rows, ctx), ctx.num_classes);
}

}  // namespace tabpilot
