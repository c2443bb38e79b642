#include "automl/threshold_tuning.h"

#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "metrics/metric_registry.h"

namespace tabpilot {
namespace {

const MetricRegistry& Metrics() {
  static const MetricRegistry r = MetricRegistry::WithBuiltins();
  return r;
}

// Score of `metric` at `threshold` through the ordinary Score path.
double ScoreAt(const std::string& metric, const std::vector<float>& y, const std::vector<float>& p, double threshold) {
  std::vector<float> pred;
  for (float v : p) {
    pred.push_back(1 - v);
    pred.push_back(v);
  }
  return Metrics().Get(metric).Score(y, pred.data(), y.size(), {Task::kBinary, 2, threshold});
}

TEST(ThresholdTuning, SeparableDataCutsInTheGap) {
  // Negatives at 0.1..0.2, positives at 0.3..0.4: every metric is perfect for
  // cuts in (0.2, 0.3]; the midpoint is 0.25.
  std::vector<float> y{0, 0, 0, 1, 1, 1};
  std::vector<float> p{0.1f, 0.15f, 0.2f, 0.3f, 0.35f, 0.4f};
  for (const char* m : {"f1", "accuracy", "balanced_accuracy", "f1_macro"}) {
    EXPECT_NEAR(TuneThreshold(y, p.data(), p.size(), Metrics().Get(m)), 0.25, 1e-7) << m;
  }
}

TEST(ThresholdTuning, F1KnownBest) {
  // Sorted by p: 0.9(1) 0.8(1) 0.7(0) 0.6(1) 0.4(0) 0.3(1) 0.2(0) 0.1(0).
  // f1 by cut below each: 0.4, 0.667, 0.571, 0.75, 0.667, 0.8, 0.727, 0.667.
  // Best: predict the top 6 positive, cut between 0.3 and 0.2 -> 0.25.
  std::vector<float> y{1, 1, 0, 1, 0, 1, 0, 0};
  std::vector<float> p{0.9f, 0.8f, 0.7f, 0.6f, 0.4f, 0.3f, 0.2f, 0.1f};
  double t = TuneThreshold(y, p.data(), p.size(), Metrics().Get("f1"));
  EXPECT_NEAR(t, 0.25, 1e-7);
  EXPECT_NEAR(ScoreAt("f1", y, p, t), 0.8, 1e-12);
  // Accuracy peaks at 0.75 twice (top 2 and top 4 positive): cuts 0.75 and
  // 0.5; the one closer to 0.5 wins.
  EXPECT_NEAR(TuneThreshold(y, p.data(), p.size(), Metrics().Get("accuracy")), 0.5, 1e-7);
  // Recall is 1 for any cut at or below 0.3; the closest to 0.5 is 0.25.
  EXPECT_NEAR(TuneThreshold(y, p.data(), p.size(), Metrics().Get("recall")), 0.25, 1e-7);
}

TEST(ThresholdTuning, TiedProbabilitiesAreOneCut) {
  // The 0.5 group holds a positive and a negative, so no cut separates them.
  // f1 by cut: 0.9 -> 0, 0.65 -> 2/3, 0.35 -> 0.8, 0.1 -> 2/3. Splitting the
  // group would wrongly reach f1 = 1.
  std::vector<float> y{0, 1, 0, 1};
  std::vector<float> p{0.2f, 0.5f, 0.5f, 0.8f};
  double t = TuneThreshold(y, p.data(), p.size(), Metrics().Get("f1"));
  EXPECT_NEAR(t, 0.35, 1e-7);
  EXPECT_NEAR(ScoreAt("f1", y, p, t), 0.8, 1e-12);
}

TEST(ThresholdTuning, AllNegativeAndAllPositiveCutsExist) {
  // Accuracy with 1 positive of 5 whose score is lowest: predicting nothing
  // positive is best, so the cut lies above the top probability.
  std::vector<float> y{0, 0, 0, 0, 1};
  std::vector<float> p{0.9f, 0.8f, 0.7f, 0.6f, 0.1f};
  double t = TuneThreshold(y, p.data(), p.size(), Metrics().Get("accuracy"));
  EXPECT_GT(t, 0.9);
  EXPECT_LE(t, 1.0);
  EXPECT_NEAR(ScoreAt("accuracy", y, p, t), 0.8, 1e-12);
  // Recall: everything positive (cut below the lowest probability).
  double r = TuneThreshold(y, p.data(), p.size(), Metrics().Get("recall"));
  EXPECT_NEAR(ScoreAt("recall", y, p, r), 1.0, 1e-12);
  EXPECT_LE(r, 0.1);
}

TEST(ThresholdTuning, PrecisionGuardSkipsTinyPositiveSets) {
  // 200 rows: one lone positive at the very top, then a block where 70% are
  // positive. Unguarded, precision = 1 at "predict only the top row"; with the
  // 1% guard at least 2 rows must be predicted positive.
  std::vector<float> y, p;
  y.push_back(1);
  p.push_back(0.99f);
  y.push_back(0);
  p.push_back(0.98f);
  for (int i = 0; i < 198; ++i) {
    bool top = i < 100;
    y.push_back(top ? (i % 10 < 7 ? 1.0f : 0.0f) : (i % 10 < 2 ? 1.0f : 0.0f));
    p.push_back(top ? 0.7f - 0.001f * static_cast<float>(i) : 0.3f - 0.001f * static_cast<float>(i - 100));
  }
  const Metric& precision = Metrics().Get("precision");
  double guarded = TuneThreshold(y, p.data(), p.size(), precision);
  EXPECT_LT(guarded, 0.98);  // the top-1 cut (0.985) is excluded
  ThresholdTuningOptions off;
  off.precision_min_positive_fraction = 0.0;
  EXPECT_NEAR(TuneThreshold(y, p.data(), p.size(), precision, off), 0.985, 1e-6);
}

TEST(ThresholdTuning, MatchesBruteForceOnRandomData) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> level(0, 40);
  std::bernoulli_distribution coin(0.35);
  std::vector<float> y, p;
  for (int i = 0; i < 400; ++i) {
    bool pos = coin(rng);
    y.push_back(pos ? 1.0f : 0.0f);
    p.push_back(static_cast<float>(level(rng) + (pos ? 8 : 0)) / 50.0f);
  }
  for (const char* m : {"f1", "accuracy", "balanced_accuracy", "f1_macro"}) {
    double t = TuneThreshold(y, p.data(), p.size(), Metrics().Get(m));
    double tuned = ScoreAt(m, y, p, t);
    // No cut on a fine grid does better.
    for (int g = 0; g <= 1000; ++g) EXPECT_LE(ScoreAt(m, y, p, g / 1000.0), tuned + 1e-12) << m << " " << g;
  }
}

TEST(ThresholdTuning, RejectsBadInputs) {
  std::vector<float> y{0, 1};
  std::vector<float> p{0.2f, 0.8f};
  EXPECT_THROW(TuneThreshold(y, p.data(), 2, Metrics().Get("auc")), InvalidInput);
  EXPECT_THROW(TuneThreshold(y, p.data(), 0, Metrics().Get("f1")), InvalidInput);
  EXPECT_THROW(TuneThreshold({0, 2}, p.data(), 2, Metrics().Get("f1")), InvalidInput);
  std::vector<float> nan{0.2f, std::nanf("")};
  EXPECT_THROW(TuneThreshold(y, nan.data(), 2, Metrics().Get("f1")), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
