// The steps that carry attributions between spaces keep their sum: each
// link (identity, a forest's binary probability, logistic, softmax) maps
// raw attributions to output attributions summing to the change in every
// output, the log-odds slope is the secant, and Distribute hands out
// exactly its amount by the documented rule.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "explain/link_attribution.h"

namespace tabpilot {
namespace {

double Logistic(double v) { return 1.0 / (1.0 + std::exp(-v)); }

std::vector<double> Softmax(const std::vector<double>& s) {
  std::vector<double> out(s.size());
  double sum = 0;
  for (size_t k = 0; k < s.size(); ++k) sum += (out[k] = std::exp(s[k]));
  for (double& v : out) v /= sum;
  return out;
}

// Outputs a link gives to raw scores (what the predictor computes).
std::vector<double> LinkOutputsOf(ScoreLink link, const std::vector<double>& raw) {
  switch (link) {
    case ScoreLink::kIdentity:
      return raw;
    case ScoreLink::kBinaryProbability:
      return {1.0 - raw[0], raw[0]};
    case ScoreLink::kLogistic:
      return {1.0 - Logistic(raw[0]), Logistic(raw[0])};
    case ScoreLink::kSoftmax:
      return Softmax(raw);
  }
  return {};
}

TEST(LinkAttribution, EveryLinkKeepsTheSumOfEachOutput) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 1.5);
  const size_t players = 5;
  const ScoreLink links[] = {ScoreLink::kIdentity, ScoreLink::kBinaryProbability, ScoreLink::kLogistic,
                             ScoreLink::kSoftmax};
  for (ScoreLink link : links) {
    const uint32_t dims = link == ScoreLink::kSoftmax ? 4 : (link == ScoreLink::kIdentity ? 2 : 1);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<double> bias(dims);
      std::vector<double> phi(dims * players);
      std::vector<double> raw(dims);
      for (uint32_t r = 0; r < dims; ++r) {
        bias[r] = link == ScoreLink::kBinaryProbability ? 0.3 : normal(rng);
        double sum = bias[r];
        for (size_t p = 0; p < players; ++p) {
          // Every third trial has one attribution only, or none at all (raw == bias).
          const double v = trial % 3 == 0 ? (p == 0 ? normal(rng) : 0.0) : normal(rng) * 0.1;
          phi[r * players + p] = trial % 7 == 0 ? 0.0 : v;
          sum += phi[r * players + p];
        }
        raw[r] = sum;
      }
      const std::vector<double> now = LinkOutputsOf(link, raw);
      const std::vector<double> base = LinkOutputsOf(link, bias);
      const size_t outputs = now.size();
      const double weight = 0.25;
      std::vector<double> out(outputs * players, 0.0);
      std::vector<double> base_out(outputs, 0.0);
      std::vector<double> work(4 * dims);
      AddLinkedAttributions(link, dims, raw.data(), bias.data(), phi.data(), players, weight, out.data(),
                            base_out.data(), work.data());
      for (size_t c = 0; c < outputs; ++c) {
        const double sum = std::accumulate(out.begin() + static_cast<long>(c * players),
                                           out.begin() + static_cast<long>((c + 1) * players), 0.0);
        EXPECT_NEAR(sum, weight * (now[c] - base[c]), 1e-12) << "link " << static_cast<int>(link) << " output " << c;
        EXPECT_NEAR(base_out[c], weight * base[c], 1e-12);
      }
      if (link == ScoreLink::kLogistic) {
        // One raw score: each output attribution has the sign of its raw one (the slope is positive).
        for (size_t p = 0; p < players; ++p) {
          EXPECT_GE(out[players + p] * phi[p], 0.0);
        }
      }
    }
  }
}

TEST(LinkAttribution, LogOddsSlopeIsTheSecant) {
  const double a = 0.2, b = 0.7;
  const double secant = (std::log(b / (1 - b)) - std::log(a / (1 - a))) / (b - a);
  EXPECT_NEAR(LogOddsSlope(a, b), secant, 1e-12);
  EXPECT_NEAR(LogOddsSlope(b, a), secant, 1e-12);
  // Where they meet: the derivative 1 / (p (1 - p)).
  EXPECT_NEAR(LogOddsSlope(0.4, 0.4), 1.0 / (0.4 * 0.6), 1e-9);
  // 0 and 1 clamp to finite log-odds.
  EXPECT_TRUE(std::isfinite(LogOddsSlope(0.0, 1.0)));
  EXPECT_GT(LogOddsSlope(0.0, 1.0), 0.0);
}

TEST(LinkAttribution, DistributeHandsOutExactlyTheAmount) {
  // Shares that agree: in proportion (the rescale rule).
  {
    const double shares[] = {1.0, 3.0, 0.0, -0.5};
    std::vector<double> out(4, 0.0);
    Distribute(2.0, shares, 4, out.data());
    EXPECT_NEAR(out[0], 2.0 * 1.0 / 3.5, 1e-12);
    EXPECT_NEAR(out[1], 2.0 * 3.0 / 3.5, 1e-12);
    EXPECT_EQ(out[2], 0.0);
    EXPECT_NEAR(out[3], 2.0 * -0.5 / 3.5, 1e-12);
  }
  // Shares that nearly cancel: by magnitude, so nothing blows up.
  {
    const double shares[] = {1.0, -0.99, 0.05};
    std::vector<double> out(3, 0.0);
    Distribute(1.0, shares, 3, out.data());
    EXPECT_NEAR(out[0] + out[1] + out[2], 1.0, 1e-12);
    for (double v : out) EXPECT_GE(v, 0.0);
    EXPECT_NEAR(out[0], 1.0 / 2.04, 1e-12);
  }
  // No shares: evenly.
  {
    const double shares[] = {0.0, 0.0};
    std::vector<double> out = {1.0, 1.0};
    Distribute(3.0, shares, 2, out.data());
    EXPECT_DOUBLE_EQ(out[0], 2.5);
    EXPECT_DOUBLE_EQ(out[1], 2.5);
  }
}

}  // namespace
}  // namespace tabpilot
