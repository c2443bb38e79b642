#include "learners/boosting_loss.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tabpilot {

std::vector<float> BaseScores(const TrainData& train, Task task, uint32_t dims, const std::string& family) {
  const std::vector<float>& y = *train.y;
  double wsum = 0;
  std::vector<double> sums(dims, 0.0);
  for (size_t r = 0; r < y.size(); ++r) {
    const double w = SampleWeight(train, r);
    wsum += w;
    if (task == Task::kMulticlass) {
      sums[static_cast<size_t>(y[r])] += w;
    } else {
      sums[0] += w * y[r];
    }
  }
  if (!(wsum > 0)) throw InvalidInput(family + ": all sample weights are zero");
  std::vector<float> base(dims, 0.0f);
  if (task == Task::kRegression) {
    base[0] = static_cast<float>(sums[0] / wsum);
  } else if (task == Task::kBinary) {
    const double p = std::clamp(sums[0] / wsum, 1e-6, 1 - 1e-6);
    base[0] = static_cast<float>(std::log(p / (1 - p)));
  } else {
    for (uint32_t k = 0; k < dims; ++k) base[k] = static_cast<float>(std::log(std::max(sums[k] / wsum, 1e-6)));
  }
  return base;
}

void ScoresToOutputs(Task task, uint32_t dims, const double* raw, size_t rows, float* out) {
  for (size_t r = 0; r < rows; ++r) {
    if (task == Task::kRegression) {
      out[r] = static_cast<float>(raw[r]);
    } else if (task == Task::kBinary) {
      const double p = 1.0 / (1.0 + std::exp(-raw[r]));
      out[2 * r] = static_cast<float>(1.0 - p);
      out[2 * r + 1] = static_cast<float>(p);
    } else {
      const double* s = raw + r * dims;
      const double mx = *std::max_element(s, s + dims);
      double sum = 0;
      for (uint32_t k = 0; k < dims; ++k) sum += std::exp(s[k] - mx);
      for (uint32_t k = 0; k < dims; ++k) out[r * dims + k] = static_cast<float>(std::exp(s[k] - mx) / sum);
    }
  }
}

void LossGradients(Task task, size_t dims, const double* s, float label, double w, double* grad, double* hess) {
  if (task == Task::kRegression) {
    grad[0] = w * (s[0] - label);
    hess[0] = w;
  } else if (task == Task::kBinary) {
    const double p = 1.0 / (1.0 + std::exp(-s[0]));
    grad[0] = w * (p - (label > 0.5f ? 1.0 : 0.0));
    hess[0] = w * std::max(p * (1 - p), 1e-16);
  } else {
    const double mx = *std::max_element(s, s + dims);
    double sum = 0;
    for (size_t k = 0; k < dims; ++k) sum += std::exp(s[k] - mx);
    const auto y = static_cast<size_t>(label);
    for (size_t k = 0; k < dims; ++k) {
      const double p = std::exp(s[k] - mx) / sum;
      grad[k] = w * (p - (k == y ? 1.0 : 0.0));
      hess[k] = w * std::max(p * (1 - p), 1e-16);
    }
  }
}

}  // namespace tabpilot
