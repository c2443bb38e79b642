#include "automl/ensemble_selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/error.h"
#include "metrics/metric_registry.h"

namespace tabpilot {
namespace {

Matrix Column(std::vector<float> v) {
  Matrix m(v.size(), 1);
  m.values = std::move(v);
  return m;
}

// Mean squared error against y, counting calls.
struct MseLoss {
  std::vector<float> y;
  int* calls;
  double operator()(const float* p) const {
    ++*calls;
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += (p[i] - y[i]) * (p[i] - y[i]);
    return s / static_cast<double>(y.size());
  }
};

double Sum(const std::vector<double>& w) { return std::accumulate(w.begin(), w.end(), 0.0); }

TEST(EnsembleSelection, PicksTheDominantModelAlone) {
  std::vector<float> y{1, 2, 3, 4, 5, 6};
  Matrix bad = Column({3, 3, 3, 3, 3, 3});
  Matrix good = Column({1.1f, 2.0f, 2.9f, 4.1f, 5.0f, 5.9f});
  Matrix worse = Column({6, 5, 4, 3, 2, 1});
  int calls = 0;
  EnsembleSelectionResult r = SelectEnsemble({&bad, &good, &worse}, MseLoss{y, &calls}, {});
  EXPECT_EQ(r.weights, (std::vector<double>{0.0, 1.0, 0.0}));
  EXPECT_EQ(r.rounds_used, 1u);  // adding anything else only hurts; the best round is the first
  EXPECT_EQ(r.loss_trajectory.size(), 25u);
  EXPECT_EQ(calls, 25 * 3);
  EXPECT_NEAR(r.loss, 0.04 / 6, 1e-6);  // four rows off by 0.1
}

TEST(EnsembleSelection, MixOfCancellingErrorsBeatsEverySingleModel) {
  // a is too high by 1, b too low by 1 on every row; c is too high by 0.9.
  // Alone c is best (mse 0.81); c + b already averages to an error of -0.05
  // (mse 0.0025), and 10 c + 9 b cancel exactly, which the greedy search
  // reaches at round 19.
  std::vector<float> y{0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<float> va, vb, vc;
  for (float t : y) {
    va.push_back(t + 1);
    vb.push_back(t - 1);
    vc.push_back(t + 0.9f);
  }
  Matrix a = Column(va), b = Column(vb), c = Column(vc);
  int calls = 0;
  EnsembleSelectionResult r = SelectEnsemble({&a, &b, &c}, MseLoss{y, &calls}, {});
  EXPECT_EQ(r.picks[0], 2u);  // c first: the best single model
  EXPECT_NEAR(r.loss_trajectory[0], 0.81, 1e-5);
  EXPECT_EQ(r.picks[1], 1u);
  EXPECT_NEAR(r.loss_trajectory[1], 0.0025, 1e-6);
  EXPECT_EQ(r.rounds_used, 19u);
  EXPECT_LT(r.loss, 1e-9);
  EXPECT_EQ(r.weights[0], 0.0);
  EXPECT_NEAR(r.weights[1], 9.0 / 19.0, 1e-12);
  EXPECT_NEAR(r.weights[2], 10.0 / 19.0, 1e-12);
  EXPECT_NEAR(Sum(r.weights), 1.0, 1e-12);
  // The kept ensemble is the best point of the trajectory.
  for (double l : r.loss_trajectory) EXPECT_GE(l, r.loss - 1e-12);
}

TEST(EnsembleSelection, WeightsSumToOneWithUseBestRoundOff) {
  std::vector<float> y{0, 0, 1, 1};
  Matrix a = Column({0.2f, 0.1f, 0.9f, 0.4f}), b = Column({0.4f, 0.0f, 0.6f, 0.9f});
  int calls = 0;
  EnsembleSelectionOptions o;
  o.rounds = 10;
  o.use_best_round = false;
  EnsembleSelectionResult r = SelectEnsemble({&a, &b}, MseLoss{y, &calls}, o);
  EXPECT_EQ(r.rounds_used, 10u);
  EXPECT_NEAR(Sum(r.weights), 1.0, 1e-12);
  for (double w : r.weights) EXPECT_NEAR(w * 10, std::round(w * 10), 1e-9);  // counts / rounds
}

TEST(EnsembleSelection, TiesGoToTheLowestIndex) {
  std::vector<float> y{1, 2};
  Matrix a = Column({1, 2}), b = Column({1, 2});
  int calls = 0;
  EnsembleSelectionResult r = SelectEnsemble({&a, &b}, MseLoss{y, &calls}, {});
  EXPECT_EQ(r.weights, (std::vector<double>{1.0, 0.0}));
}

TEST(EnsembleSelection, EarlyStopEndsAfterStaleRounds) {
  std::vector<float> y{1, 2, 3};
  Matrix a = Column({1, 2, 3}), b = Column({0, 0, 0});
  int calls = 0;
  EnsembleSelectionOptions o;
  o.early_stop_rounds = 3;
  EnsembleSelectionResult r = SelectEnsemble({&a, &b}, MseLoss{y, &calls}, o);
  EXPECT_EQ(r.loss_trajectory.size(), 4u);  // best at round 1, then 3 rounds without improvement
  EXPECT_EQ(r.weights, (std::vector<double>{1.0, 0.0}));
}

TEST(EnsembleSelection, WorksWithAMetricLossOnMulticlassProbabilities) {
  // Two 3-class models, each confidently wrong on a different row; logloss
  // prefers the average.
  MetricRegistry metrics = MetricRegistry::WithBuiltins();
  const Metric& logloss = metrics.Get("logloss");
  std::vector<float> y{0, 1, 2};
  Matrix a(3, 3), b(3, 3);
  a.values = {0.9f, 0.05f, 0.05f, 0.05f, 0.9f, 0.05f, 0.9f, 0.05f, 0.05f};
  b.values = {0.05f, 0.9f, 0.05f, 0.05f, 0.9f, 0.05f, 0.05f, 0.05f, 0.9f};
  MetricContext ctx{Task::kMulticlass, 3, 0.5};
  auto loss = [&](const float* p) { return logloss.Loss(y, p, 3, ctx); };
  EnsembleSelectionResult r = SelectEnsemble({&a, &b}, loss, {});
  EXPECT_GT(r.weights[0], 0.0);
  EXPECT_GT(r.weights[1], 0.0);
  EXPECT_LT(r.loss, std::min(loss(a.values.data()), loss(b.values.data())));
}

TEST(EnsembleSelection, BadInputsThrow) {
  Matrix a = Column({1, 2}), b = Column({1, 2, 3});
  auto loss = [](const float*) { return 0.0; };
  EXPECT_THROW(SelectEnsemble({}, loss, {}), InvalidInput);
  EXPECT_THROW(SelectEnsemble({&a, &b}, loss, {}), InvalidInput);
  EXPECT_THROW(SelectEnsemble({&a, nullptr}, loss, {}), InvalidInput);
  EnsembleSelectionOptions zero;
  zero.rounds = 0;
  EXPECT_THROW(SelectEnsemble({&a}, loss, zero), InvalidInput);
  EXPECT_THROW(SelectEnsemble({&a}, [](const float*) { return std::nan(""); }, {}), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
