#include "metrics/regression_metrics.h"

#include <cmath>

namespace tabpilot {

double MeanSquaredError(const std::vector<float>& y, const float* pred, size_t rows) {
  double sum = 0;
  for (size_t r = 0; r < rows; ++r) {
    double d = static_cast<double>(pred[r]) - static_cast<double>(y[r]);
    sum += d * d;
  }
  return sum / static_cast<double>(rows);
}

double RootMeanSquaredError(const std::vector<float>& y, const float* pred, size_t rows) {
  return std::sqrt(MeanSquaredError(y, pred, rows));
}

double MeanAbsoluteError(const std::vector<float>& y, const float* pred, size_t rows) {
  double sum = 0;
  for (size_t r = 0; r < rows; ++r) sum += std::fabs(static_cast<double>(pred[r]) - static_cast<double>(y[r]));
  return sum / static_cast<double>(rows);
}

double R2Score(const std::vector<float>& y, const float* pred, size_t rows) {
  double mean = 0;
  for (size_t r = 0; r < rows; ++r) mean += static_cast<double>(y[r]);
  mean /= static_cast<double>(rows);
  double ss_res = 0, ss_tot = 0;
  for (size_t r = 0; r < rows; ++r) {
    double d = static_cast<double>(y[r]) - static_cast<double>(pred[r]);
    double t = static_cast<double>(y[r]) - mean;
    ss_res += d * d;
    ss_tot += t * t;
  }
  if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
  return 1.0 - ss_res / ss_tot;
}

}  // namespace tabpilot
