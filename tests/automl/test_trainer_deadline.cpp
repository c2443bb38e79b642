// The trainer's deadline without the shared datasets: sleepy test families
// (learners that take a fixed time per round and stop between rounds when
// their deadline passes) on a generated table.
#include <gtest/gtest.h>

#include <string>

#include "automl/trainer.h"
#include "core/error.h"
#include "learners/learner_registry.h"
#include "sleepy_learner.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

using testing::BinaryCsv;
using testing::LoadCsv;
using testing::SleepyEntry;

const LeaderboardRow* Row(const TrainResult& result, const std::string& model) {
  for (const LeaderboardRow& row : result.leaderboard) {
    if (row.model == model) return &row;
  }
  return nullptr;
}

TEST(TrainerDeadline, ReturnsAUsableBundleWithinTheBudgetAndMarksTheCandidateThatDidNotFit) {
  // "quick" fits in milliseconds; "slow" needs half a second per round,
  // far more than a fold's share of what is left after "quick".
  LearnerRegistry registry;
  registry.Register(SleepyEntry("quick", 0.002, 3));
  registry.Register(SleepyEntry("slow", 0.5, 20));
  const TrainingData data = LoadCsv(BinaryCsv(300, true));
  constexpr double kBudget = 3.0;
  TrainerOptions options;
  options.deadline = Deadline::In(kBudget);
  options.time_limit_seconds = kBudget;
  options.learners = &registry;
  options.families = registry.Families();  // without curated configs they are opt-in
  options.logger = Logger(Logger::Level::kQuiet);

  Stopwatch clock;
  const TrainResult result = TrainAutoML(data, options);
  const double seconds = clock.Seconds();
  // The whole budget includes writing the bundle; training returns inside it
  // (a round that has started finishes: the margin covers one).
  EXPECT_LT(seconds, kBudget * 1.1);
  // The slow candidate started and was cut off: marked, not silently lost.
  const LeaderboardRow* slow = Row(result, "slow_1");
  ASSERT_NE(slow, nullptr);
  EXPECT_EQ(slow->status, "timeout");
  EXPECT_EQ(slow->ensemble_weight, 0.0);
  const LeaderboardRow* quick = Row(result, "quick_1");
  ASSERT_NE(quick, nullptr);
  EXPECT_EQ(quick->status, "ok");
  EXPECT_EQ(quick->ensemble_weight, 1.0);
  ASSERT_NE(Row(result, "WeightedEnsemble"), nullptr);

  // Usable: the one member has its eight fold models and its pipeline, and
  // predicts probabilities for the training table.
  const Bundle& bundle = result.bundle;
  ASSERT_EQ(bundle.members.size(), 1u);
  const BundleMember& member = bundle.members[0];
  EXPECT_EQ(member.family, "quick");
  ASSERT_EQ(member.folds.size(), 8u);
  const Matrix x = bundle.pipelines.at(member.pipeline).Transform(data.features, 1);
  std::vector<float> pred(x.rows * 2);
  member.folds[0]->Predict(x, pred.data(), 1);
  for (size_t r = 0; r < x.rows; ++r) EXPECT_NEAR(pred[2 * r] + pred[2 * r + 1], 1.0f, 1e-5f);
  EXPECT_EQ(bundle.training.at("candidates_trained"), 1);
  EXPECT_EQ(bundle.training.at("best_single_model"), "quick_1");
}

TEST(TrainerDeadline, TheFirstCandidateCompletesEvenWhenTheBudgetIsTiny) {
  LearnerRegistry registry;
  registry.Register(SleepyEntry("quick", 0.002, 50));
  TrainerOptions options;
  options.deadline = Deadline::In(0.05);  // less than the write reserve: no search time at all
  options.time_limit_seconds = 0.05;
  options.learners = &registry;
  options.families = registry.Families();  // without curated configs they are opt-in
  options.logger = Logger(Logger::Level::kQuiet);
  Stopwatch clock;
  const TrainResult result = TrainAutoML(LoadCsv(BinaryCsv(100, true)), options);
  EXPECT_LT(clock.Seconds(), 2.0);
  ASSERT_EQ(result.bundle.members.size(), 1u);
  EXPECT_EQ(result.bundle.members[0].folds.size(), 8u);
  // Each fold stopped after its first round: the deadline had passed.
  for (const auto& fold : result.bundle.members[0].folds) EXPECT_EQ(fold->Info().at("rounds"), 1);
}

TEST(TrainerDeadline, RefitMembersWithAnInjectedRegistry) {
  LearnerRegistry registry;
  registry.Register(SleepyEntry("quick", 0.001, 2));
  TrainerOptions options;
  options.learners = &registry;
  options.families = registry.Families();  // without curated configs they are opt-in
  options.refit_full = true;
  options.logger = Logger(Logger::Level::kQuiet);
  const TrainResult result = TrainAutoML(LoadCsv(BinaryCsv(100, true)), options);
  ASSERT_EQ(result.bundle.members.size(), 1u);
  EXPECT_EQ(result.bundle.training.at("members_refitted"), 1);
  EXPECT_EQ(result.bundle.members[0].folds.size(), 8u);  // the bagged form stays
  ASSERT_NE(result.bundle.members[0].full, nullptr);
  EXPECT_EQ(result.bundle.members[0].full->Info().at("rows"), 100);
}

TEST(TrainerDeadline, FamiliesAreCheckedAgainstTheInjectedRegistry) {
  LearnerRegistry registry;
  registry.Register(SleepyEntry("quick", 0.001, 2));
  TrainerOptions options;
  options.learners = &registry;
  options.families = {"xgboost"};
  options.logger = Logger(Logger::Level::kQuiet);
  try {
    TrainAutoML(LoadCsv(BinaryCsv(100, true)), options);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("quick"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tabpilot
