// Bootstrap draws of rows or whole groups (bootstrap_draw.h) and ensemble
// selection averaged over resamples (bagged_selection.h), on fixed
// predictions of a regression whose selection loss is the mse.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "automl/bagged_selection.h"
#include "automl/bootstrap_draw.h"
#include "automl/ensemble_selection.h"
#include "core/error.h"

namespace tabpilot {
namespace {

struct Predictions {
  static constexpr size_t n = 3000;
  ProblemInfo problem{Task::kRegression, "y", {}, 1, 0.5, "mse"};
  std::vector<float> y;
  std::mt19937_64 rng{11};

  Predictions() {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t i = 0; i < n; ++i) y.push_back(normal(rng));
  }
  // The targets plus independent noise of standard deviation `sd`.
  Matrix Noisy(float sd) {
    std::normal_distribution<float> normal(0.0f, sd);
    Matrix m(n, 1);
    for (size_t i = 0; i < n; ++i) m.values[i] = y[i] + normal(rng);
    return m;
  }
  // Noise alone, three times the targets' spread: no signal, and too wide
  // to help as shrinkage towards their mean.
  Matrix Noise() {
    std::normal_distribution<float> normal(0.0f, 3.0f);
    Matrix m(n, 1);
    for (float& v : m.values) v = normal(rng);
    return m;
  }
};

TEST(BootstrapDraw, DrawsRowsOrWholeGroupsTheSameWayForTheSameSeed) {
  const BootstrapDraw rows({}, 50);
  EXPECT_EQ(rows.units(), 50u);
  std::mt19937_64 a(5), b(5);
  std::vector<size_t> first, second;
  rows.Draw(50, a, first);
  rows.Draw(50, b, second);
  EXPECT_EQ(first, second);
  ASSERT_EQ(first.size(), 50u);
  for (size_t r : first) EXPECT_LT(r, 50u);
  // A resample of 50 from 50 repeats some rows and leaves others out.
  std::vector<size_t> distinct = first;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_LT(distinct.size(), 50u);

  // 12 rows in 4 groups of 3, the groups' rows interleaved: a draw takes a group's rows together.
  std::vector<uint32_t> groups;
  for (size_t r = 0; r < 12; ++r) groups.push_back(static_cast<uint32_t>(100 + r % 4));
  const BootstrapDraw grouped(groups, 12);
  EXPECT_EQ(grouped.units(), 4u);
  std::vector<size_t> drawn;
  std::mt19937_64 rng(9);
  grouped.Draw(6, rng, drawn);
  ASSERT_EQ(drawn.size(), 18u);
  for (size_t i = 0; i < drawn.size(); i += 3) {
    EXPECT_EQ(groups[drawn[i]], groups[drawn[i + 1]]);
    EXPECT_EQ(groups[drawn[i]], groups[drawn[i + 2]]);
    EXPECT_LT(drawn[i], drawn[i + 1]);
    EXPECT_LT(drawn[i + 1], drawn[i + 2]);
  }
  EXPECT_THROW(BootstrapDraw(groups, 13), Internal);
  std::vector<size_t> none;
  EXPECT_THROW(BootstrapDraw({}, 0).Draw(1, rng, none), Internal);
}

// Two good candidates with independent errors and one without signal: every
// resample's ensemble averages the two; the third is left out.
TEST(SelectEnsembleBagged, AveragesTheResamplesSelectionsAndLeavesOutWhatFewPick) {
  Predictions p;
  const Matrix a = p.Noisy(0.5f), b = p.Noisy(0.5f), noise = p.Noise();
  const std::vector<const Matrix*> preds = {&a, &b, &noise};
  const OofScorer scorer(p.problem, p.y);
  BaggedSelectionOptions options;
  options.seed = 3;
  const BaggedSelection out = SelectEnsembleBagged(preds, p.y, scorer, options);
  EXPECT_EQ(out.resamples, 32);
  EXPECT_EQ(out.units, p.n);
  EXPECT_EQ(out.picked_share[0], 1.0);
  EXPECT_EQ(out.picked_share[1], 1.0);
  EXPECT_LT(out.picked_share[2], 0.5);
  EXPECT_EQ(out.weights[2], 0.0);
  EXPECT_NEAR(out.weights[0], 0.5, 0.1);
  EXPECT_NEAR(out.weights[0] + out.weights[1], 1.0, 1e-12);

  // The resamples do not depend on how they are spread over threads.
  options.threads = 3;
  const BaggedSelection threaded = SelectEnsembleBagged(preds, p.y, scorer, options);
  EXPECT_EQ(threaded.weights, out.weights);
  EXPECT_EQ(threaded.picked_share, out.picked_share);
  // Another seed, other resamples.
  options.seed = 4;
  EXPECT_NE(SelectEnsembleBagged(preds, p.y, scorer, options).weights, out.weights);
}

// A weak member (noise five times the others') is worth a little weight on
// some resamples and none on others: kept or left out by keep_share, the
// others' weights scaled, not chosen again.
TEST(SelectEnsembleBagged, KeepShareLeavesOutMembersPickedInFewerResamples) {
  Predictions p;
  const Matrix a = p.Noisy(0.5f), b = p.Noisy(0.5f), weak = p.Noisy(2.5f);
  const std::vector<const Matrix*> preds = {&a, &b, &weak};
  const OofScorer scorer(p.problem, p.y);
  BaggedSelectionOptions options;
  options.keep_share = 0.0;  // the plain mean over resamples
  const BaggedSelection mean = SelectEnsembleBagged(preds, p.y, scorer, options);
  ASSERT_GT(mean.picked_share[2], 0.0);
  ASSERT_LT(mean.picked_share[2], 1.0);
  EXPECT_GT(mean.weights[2], 0.0);
  EXPECT_NEAR(mean.weights[0] + mean.weights[1] + mean.weights[2], 1.0, 1e-12);

  options.keep_share = 1.0;  // only members every resample picks
  const BaggedSelection stable = SelectEnsembleBagged(preds, p.y, scorer, options);
  EXPECT_EQ(stable.picked_share, mean.picked_share);
  EXPECT_EQ(stable.weights[2], 0.0);
  const double kept = mean.weights[0] + mean.weights[1];
  EXPECT_NEAR(stable.weights[0], mean.weights[0] / kept, 1e-12);
  EXPECT_NEAR(stable.weights[1], mean.weights[1] / kept, 1e-12);
}

// With groups a resample draws whole groups: 300 records copied 10 times.
TEST(SelectEnsembleBagged, ResamplesGroupsWhenTheRowsAreCopies) {
  Predictions p;
  const Matrix a = p.Noisy(0.5f), b = p.Noisy(0.5f);
  std::vector<uint32_t> groups;
  for (size_t r = 0; r < p.n; ++r) groups.push_back(static_cast<uint32_t>(r / 10));
  const OofScorer scorer(p.problem, p.y);
  BaggedSelectionOptions options;
  options.groups = groups;
  options.resamples = 8;
  const BaggedSelection out = SelectEnsembleBagged({&a, &b}, p.y, scorer, options);
  EXPECT_EQ(out.units, 300u);
  EXPECT_EQ(out.resamples, 8);
  EXPECT_NEAR(out.weights[0] + out.weights[1], 1.0, 1e-12);
  options.groups.pop_back();
  EXPECT_THROW(SelectEnsembleBagged({&a, &b}, p.y, scorer, options), Internal);
}

// No time left: the plain selection on every row, said by resamples == 0.
TEST(SelectEnsembleBagged, APassedDeadlineGivesThePlainSelection) {
  Predictions p;
  const Matrix a = p.Noisy(0.5f), b = p.Noisy(0.7f), noise = p.Noise();
  const std::vector<const Matrix*> preds = {&a, &b, &noise};
  const OofScorer scorer(p.problem, p.y);
  BaggedSelectionOptions options;
  options.deadline = Deadline::Never().Sub(0);
  const BaggedSelection out = SelectEnsembleBagged(preds, p.y, scorer, options);
  EXPECT_EQ(out.resamples, 0);
  const EnsembleSelectionResult plain =
      SelectEnsemble(preds, [&](const float* pred) { return scorer.SelectionLoss(pred); });
  EXPECT_EQ(out.weights, plain.weights);
  for (size_t c = 0; c < preds.size(); ++c) EXPECT_EQ(out.picked_share[c], plain.weights[c] > 0 ? 1.0 : 0.0);
  // A candidate whose rows are not the targets' is the caller's bug.
  Matrix short_a(p.n - 1, 1);
  EXPECT_THROW(SelectEnsembleBagged({&short_a, &b}, p.y, scorer, options), Internal);
  options.resamples = 0;
  EXPECT_THROW(SelectEnsembleBagged(preds, p.y, scorer, options), Internal);
}

}  // namespace
}  // namespace tabpilot
