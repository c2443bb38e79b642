#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "automl/bagging.h"
#include "automl/folds.h"
#include "core/error.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

struct Problem {
  Matrix x;
  std::vector<float> y;
};

// A noisy binary problem with an interaction, 3 features.
Problem NoisyBinary(size_t rows) {
  std::mt19937 rng(11);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  Problem p{Matrix(rows, 3), {}};
  for (size_t r = 0; r < rows; ++r) {
    const float a = noise(rng), b = noise(rng), c = noise(rng);
    p.x.at(r, 0) = a;
    p.x.at(r, 1) = b;
    p.x.at(r, 2) = c;
    p.y.push_back(1.5f * a - b + 0.5f * a * c + noise(rng) > 0 ? 1.0f : 0.0f);
  }
  return p;
}

FitOptions BinaryFit(int threads) {
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  fit.threads = threads;
  fit.seed = 5;
  return fit;
}

std::unique_ptr<Learner> Booster() {
  return LearnerRegistry::WithBuiltins().Create("xgboost", Json{{"n_estimators", 60}, {"subsample", 0.8}});
}

TEST(FitBagged, EveryRowGetsOneOutOfFoldPrediction) {
  const Problem p = NoisyBinary(400);
  const std::vector<int> folds = AssignFolds(p.y, 5, 1);
  BaggingOptions options;
  options.num_folds = 5;
  BaggedFit bag = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(1), options);
  ASSERT_TRUE(bag.complete);
  EXPECT_EQ(bag.folds.size(), 5u);
  ASSERT_EQ(bag.oof.rows, 400u);
  ASSERT_EQ(bag.oof.cols, 2u);
  size_t correct = 0;
  for (size_t r = 0; r < bag.oof.rows; ++r) {
    EXPECT_NEAR(bag.oof.at(r, 0) + bag.oof.at(r, 1), 1.0f, 1e-5f) << "row " << r;
    correct += (bag.oof.at(r, 1) > 0.5f) == (p.y[r] > 0.5f);
  }
  // The signal is strong: held-out predictions are far better than chance.
  EXPECT_GT(correct, 280u);
  EXPECT_GT(bag.fit_seconds, 0.0);
  EXPECT_EQ(bag.info.size(), 5u);
}

// XGBoost takes each fold's training rows as a view of the shared matrix
// (no copy of them): its fold models are the ones fitted on copies of the
// same rows, to the byte.
TEST(FitBagged, AFoldViewGivesTheModelsOfFoldCopies) {
  const Problem p = NoisyBinary(500);
  const std::vector<int> folds = AssignFolds(p.y, 5, 2);
  const auto learner = Booster();
  ASSERT_TRUE(learner->takes_row_view());
  BaggingOptions options;
  options.num_folds = 5;
  const BaggedFit bag = FitBagged(*learner, p.x, p.y, folds, BinaryFit(1), options);
  ASSERT_TRUE(bag.complete);
  ASSERT_EQ(bag.folds.size(), 5u);
  for (int f = 0; f < 5; ++f) {
    std::vector<size_t> train_rows;
    std::vector<size_t> held_rows;
    SplitFold(folds, f, &train_rows, &held_rows);
    const Matrix x_train = p.x.SelectRows(train_rows);
    const Matrix x_held = p.x.SelectRows(held_rows);
    std::vector<float> y_train;
    std::vector<float> y_held;
    for (size_t r : train_rows) y_train.push_back(p.y[r]);
    for (size_t r : held_rows) y_held.push_back(p.y[r]);
    FitOptions fo = BinaryFit(1);
    fo.seed = 5 + static_cast<uint64_t>(f) * 1000003ULL;  // bagging's seed for fold f
    const TrainData train{&x_train, &y_train, nullptr};
    const TrainData held{&x_held, &y_held, nullptr};
    const auto copy = learner->Fit(train, learner->early_stops() ? &held : nullptr, fo);
    EXPECT_EQ(copy->Serialize(), bag.folds[static_cast<size_t>(f)]->Serialize()) << "fold " << f;
  }
}

TEST(FitBagged, ConcurrentFoldsGiveTheSameModelsAsOneAfterAnother) {
  const Problem p = NoisyBinary(600);
  const std::vector<int> folds = AssignFolds(p.y, 4, 3);
  BaggingOptions sequential;
  sequential.num_folds = 4;
  BaggingOptions concurrent = sequential;
  concurrent.concurrent_folds = 2;
  // One thread per fit either way: 1 thread, one fold at a time; 2 threads, two folds at a time.
  BaggedFit a = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(1), sequential);
  BaggedFit b = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(2), concurrent);
  ASSERT_TRUE(a.complete);
  ASSERT_TRUE(b.complete);
  ASSERT_EQ(a.folds.size(), b.folds.size());
  EXPECT_EQ(a.oof.values, b.oof.values);
  for (size_t f = 0; f < a.folds.size(); ++f) EXPECT_EQ(a.folds[f]->Serialize(), b.folds[f]->Serialize()) << f;
  EXPECT_EQ(a.info, b.info);
}

TEST(FitBagged, MoreConcurrentFoldsThanFoldsIsFine) {
  const Problem p = NoisyBinary(200);
  const std::vector<int> folds = AssignFolds(p.y, 3, 3);
  BaggingOptions options;
  options.num_folds = 3;
  options.concurrent_folds = 8;
  BaggedFit bag = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(8), options);
  EXPECT_TRUE(bag.complete);
  EXPECT_EQ(bag.folds.size(), 3u);
}

TEST(FitBagged, ExpiredDeadlineLeavesTheFitIncompleteUnlessItMustComplete) {
  const Problem p = NoisyBinary(200);
  const std::vector<int> folds = AssignFolds(p.y, 4, 3);
  BaggingOptions options;
  options.num_folds = 4;
  options.concurrent_folds = 2;
  options.deadline = Deadline::Never().Sub(0.0);  // already passed
  options.split_remaining_time = true;
  BaggedFit skipped = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_FALSE(skipped.complete);
  EXPECT_TRUE(skipped.folds.empty());

  options.must_complete = true;
  BaggedFit forced = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_TRUE(forced.complete);
  EXPECT_EQ(forced.folds.size(), 4u);
  for (float v : forced.oof.values) EXPECT_TRUE(std::isfinite(v));
}

TEST(FitBagged, AnErrorInAConcurrentFoldReachesTheCaller) {
  const Problem p = NoisyBinary(100);
  // Every row in fold 0: fold 0 has no training rows.
  const std::vector<int> folds(p.y.size(), 0);
  BaggingOptions options;
  options.num_folds = 2;
  options.concurrent_folds = 2;
  EXPECT_THROW(FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(2), options), Internal);
}

TEST(FitBagged, ALearnerWithItsOwnOOFIsFittedOnceOnAllRows) {
  const Problem p = NoisyBinary(600);
  const std::vector<int> folds = AssignFolds(p.y, 5, 4);
  const std::unique_ptr<Learner> forest =
      LearnerRegistry::WithBuiltins().Create("random_forest", Json{{"n_estimators", 30}});
  BaggingOptions options;
  options.num_folds = 5;
  options.concurrent_folds = 2;

  // Not allowed (a holdout): the usual k folds.
  BaggedFit folded = FitBagged(*forest, p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_FALSE(folded.own_oof);
  EXPECT_EQ(folded.folds.size(), 5u);

  options.allow_own_oof = true;
  BaggedFit own = FitBagged(*forest, p.x, p.y, folds, BinaryFit(2), options);
  ASSERT_TRUE(own.complete);
  EXPECT_TRUE(own.own_oof);
  ASSERT_EQ(own.folds.size(), 1u);
  ASSERT_EQ(own.info.size(), 1u);
  EXPECT_EQ(own.info[0]["oof"], "own");
  // The OOF is the forest's out-of-bag prediction, and the model its plain fit.
  Matrix expected;
  const std::unique_ptr<Model> direct = forest->FitWithOwnOOF(TrainData{&p.x, &p.y, nullptr}, BinaryFit(2), &expected);
  EXPECT_EQ(own.oof.values, expected.values);
  EXPECT_EQ(own.folds[0]->Serialize(), direct->Serialize());
  size_t correct = 0;
  for (size_t r = 0; r < own.oof.rows; ++r) correct += (own.oof.at(r, 1) > 0.5f) == (p.y[r] > 0.5f);
  EXPECT_GT(correct, 420u);

  // A learner without its own OOF is bagged as usual even when allowed.
  BaggedFit booster = FitBagged(*Booster(), p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_FALSE(booster.own_oof);
  EXPECT_EQ(booster.folds.size(), 5u);

  // Past the deadline nothing is fitted unless the fit must complete.
  options.deadline = Deadline::Never().Sub(0.0);
  BaggedFit late = FitBagged(*forest, p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_FALSE(late.complete);
  EXPECT_TRUE(late.folds.empty());
  options.must_complete = true;
  BaggedFit forced = FitBagged(*forest, p.x, p.y, folds, BinaryFit(2), options);
  EXPECT_TRUE(forced.complete);
  EXPECT_EQ(forced.folds.size(), 1u);
}

}  // namespace
}  // namespace tabpilot
