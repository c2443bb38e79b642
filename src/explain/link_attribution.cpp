#include "explain/link_attribution.h"

#include <algorithm>
#include <cmath>

namespace tabpilot {
namespace {

double Logistic(double v) { return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v)); }

// Below this gap the secant slope is the derivative.
constexpr double kSameValue = 1e-12;

void Softmax(const double* s, uint32_t dims, double* out) {
  const double mx = *std::max_element(s, s + dims);
  double sum = 0;
  for (uint32_t k = 0; k < dims; ++k) sum += (out[k] = std::exp(s[k] - mx));
  for (uint32_t k = 0; k < dims; ++k) out[k] /= sum;
}

}  // namespace

double ClampProbability(double p) { return std::clamp(p, kMinProbability, 1.0 - kMinProbability); }

double LogOddsSlope(double v0, double v) {
  v0 = ClampProbability(v0);
  v = ClampProbability(v);
  if (std::fabs(v - v0) < kSameValue) return 1.0 / (v0 * (1.0 - v0));
  return (std::log(v / (1.0 - v)) - std::log(v0 / (1.0 - v0))) / (v - v0);
}

void AddLinkedAttributions(ScoreLink link, uint32_t dims, const double* raw, const double* bias, const double* phi,
                           size_t players, double weight, double* out, double* base_out, double* work) {
  switch (link) {
    case ScoreLink::kIdentity:
      for (uint32_t c = 0; c < dims; ++c) {
        for (size_t p = 0; p < players; ++p) out[c * players + p] += weight * phi[c * players + p];
        if (base_out != nullptr) base_out[c] += weight * bias[c];
      }
      return;
    case ScoreLink::kBinaryProbability:
      for (size_t p = 0; p < players; ++p) {
        out[players + p] += weight * phi[p];
        out[p] -= weight * phi[p];
      }
      if (base_out != nullptr) {
        base_out[0] += weight * (1.0 - bias[0]);
        base_out[1] += weight * bias[0];
      }
      return;
    case ScoreLink::kLogistic: {
      const double s = Logistic(raw[0]);
      const double s0 = Logistic(bias[0]);
      const double gap = raw[0] - bias[0];
      const double slope = std::fabs(gap) < kSameValue ? s0 * (1.0 - s0) : (s - s0) / gap;
      for (size_t p = 0; p < players; ++p) {
        const double v = weight * slope * phi[p];
        out[players + p] += v;
        out[p] -= v;
      }
      if (base_out != nullptr) {
        base_out[0] += weight * (1.0 - s0);
        base_out[1] += weight * s0;
      }
      return;
    }
    case ScoreLink::kSoftmax: {
      double* q = work;                  // softmax at the midpoint
      double* p_now = work + dims;       // at the raw scores
      double* p_base = work + 2 * dims;  // at the bias
      double* mid = work + 3 * dims;
      for (uint32_t k = 0; k < dims; ++k) mid[k] = 0.5 * (raw[k] + bias[k]);
      Softmax(mid, dims, q);
      Softmax(raw, dims, p_now);
      Softmax(bias, dims, p_base);
      for (uint32_t c = 0; c < dims; ++c) {
        // g_p = sum_k J[c][k] phi[k][p], J[c][k] = q_c (1[c = k] - q_k).
        double sum = 0;
        double magnitude = 0;
        double* o = out + c * players;
        // First pass: the linearized attributions' sum and magnitude.
        for (size_t p = 0; p < players; ++p) {
          double g = phi[c * players + p];
          for (uint32_t k = 0; k < dims; ++k) g -= q[k] * phi[k * players + p];
          g *= q[c];
          sum += g;
          magnitude += std::fabs(g);
        }
        const double rest = (p_now[c] - p_base[c]) - sum;
        for (size_t p = 0; p < players; ++p) {
          double g = phi[c * players + p];
          for (uint32_t k = 0; k < dims; ++k) g -= q[k] * phi[k * players + p];
          g *= q[c];
          const double fix = magnitude > 0 ? rest * std::fabs(g) / magnitude : 0.0;
          o[p] += weight * (g + fix);
        }
        if (base_out != nullptr) base_out[c] += weight * p_base[c];
      }
      return;
    }
  }
}

void Distribute(double amount, const double* shares, size_t n, double* out) {
  if (n == 0 || amount == 0) return;
  double sum = 0;
  double magnitude = 0;
  for (size_t j = 0; j < n; ++j) {
    sum += shares[j];
    magnitude += std::fabs(shares[j]);
  }
  if (magnitude == 0) {
    const double each = amount / static_cast<double>(n);
    for (size_t j = 0; j < n; ++j) out[j] += each;
    return;
  }
  if (std::fabs(sum) >= 0.1 * magnitude) {
    const double scale = amount / sum;
    for (size_t j = 0; j < n; ++j) out[j] += scale * shares[j];
    return;
  }
  const double scale = amount / magnitude;
  for (size_t j = 0; j < n; ++j) out[j] += scale * std::fabs(shares[j]);
}

}  // namespace tabpilot
