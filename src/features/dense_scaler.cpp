#include "features/dense_scaler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tabpilot {

DenseScaler DenseScaler::Fit(const std::vector<double>& values, double clip_sd) {
  DenseScaler s;
  s.clip = clip_sd;
  std::vector<double> present;
  present.reserve(values.size());
  for (double v : values) {
    if (!std::isnan(v)) present.push_back(v);
  }
  if (present.empty()) return s;
  size_t mid = present.size() / 2;
  std::nth_element(present.begin(), present.begin() + static_cast<std::ptrdiff_t>(mid), present.end());
  double median = present[mid];
  if (present.size() % 2 == 0) {
    double lower = *std::max_element(present.begin(), present.begin() + static_cast<std::ptrdiff_t>(mid));
    median = (median + lower) / 2;
  }
  s.median = median;
  // Two-pass mean/variance: accurate enough and simple.
  double sum = 0;
  for (double v : present) sum += v;
  s.mean = sum / static_cast<double>(present.size());
  if (!std::isfinite(s.mean)) {  // values near DBL_MAX overflow the sum
    s.mean = s.median;
    return s;
  }
  double ss = 0;
  for (double v : present) ss += (v - s.mean) * (v - s.mean);
  double sd = std::sqrt(ss / static_cast<double>(present.size()));
  s.sd = (sd > 1e-12 * std::max(1.0, std::fabs(s.mean)) && std::isfinite(sd)) ? sd : 1.0;
  return s;
}

float DenseScaler::Apply(double value) const {
  if (std::isnan(value)) value = median;
  double z = (value - mean) / sd;
  if (clip > 0) z = std::clamp(z, -clip, clip);
  return static_cast<float>(z);
}

Json DenseScaler::ToJson() const { return Json{{"median", median}, {"mean", mean}, {"sd", sd}, {"clip", clip}}; }

DenseScaler DenseScaler::FromJson(const Json& j) {
  DenseScaler s;
  s.median = j.at("median").get<double>();
  s.mean = j.at("mean").get<double>();
  s.sd = j.at("sd").get<double>();
  s.clip = j.at("clip").get<double>();
  if (!(s.sd > 0) || !std::isfinite(s.sd) || !std::isfinite(s.mean) || !std::isfinite(s.median) || !(s.clip >= 0)) {
    throw InvalidInput("invalid scaler statistics in feature preprocessing");
  }
  return s;
}

}  // namespace tabpilot
