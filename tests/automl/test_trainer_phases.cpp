// Each phase of the trainer on its own (trainer.cpp composes them), mostly
// with a sleepy test family so nothing depends on a real learner's numbers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automl/bundle_assembly.h"
#include "automl/candidate_search.h"
#include "automl/ensemble_choice.h"
#include "automl/fit_memory_plan.h"
#include "automl/inference_cost.h"
#include "automl/level_plan.h"
#include "automl/member_refit.h"
#include "automl/trainer.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/process_memory.h"
#include "predict/predictor.h"
#include "sleepy_learner.h"
#include "toy_learner.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

using testing::BinaryCsv;
using testing::LoadCsv;
using testing::SleepyEntry;

// "quick" (1 ms rounds) and "dense_quick" (dense encoding) families only.
LearnerRegistry QuickRegistry() {
  LearnerRegistry registry;
  registry.Register(SleepyEntry("quick", 0.001, 2));
  registry.Register(SleepyEntry("dense_quick", 0.001, 2, FeatureFlavor::kDense));
  return registry;
}

CandidateConfig Config(const std::string& name, const std::string& family, Json params = Json::object(),
                       double relative_cost = 1.0) {
  CandidateConfig c;
  c.name = name;
  c.family = family;
  c.params = std::move(params);
  c.relative_cost = relative_cost;
  return c;
}

std::vector<std::string> Names(const std::vector<CandidateConfig>& configs) {
  std::vector<std::string> out;
  for (const auto& c : configs) out.push_back(c.name);
  return out;
}

TrainerOptions QuietOptions(const LearnerRegistry* learners) {
  TrainerOptions options;
  options.learners = learners;
  // Families without a curated configuration are opt-in: name them all.
  if (learners != nullptr) options.families = learners->Families();
  options.logger = Logger(Logger::Level::kQuiet);
  return options;
}

// A run on `data` as the trainer sets it up (screen, plan, run).
struct RunFixture {
  RunFixture(TrainingData d, TrainerOptions o, const LearnerRegistry& learners)
      : data(std::move(d)),
        options(std::move(o)),
        plan(PlanTraining(data, options, ScreenTrainingColumns(data, options.logger))),
        run(data, options, learners, plan.screen.kept, plan.fold_plan) {}
  TrainingData data;
  TrainerOptions options;
  TrainingPlan plan;
  TrainingRun run;
};

TEST(ScreenTrainingColumns, DropsIdAndConstantColumnsAndKeepsTheRest) {
  std::string csv = "row_id,const,a,label\n";
  for (int i = 1; i <= 60; ++i)
    csv += std::to_string(i) + ",x," + std::to_string(i % 7) + "," + (i % 2 ? "y" : "n") + "\n";
  const TrainingData data = LoadCsv(csv);
  const ScreenResult screen = ScreenTrainingColumns(data, Logger(Logger::Level::kQuiet));
  EXPECT_EQ(screen.kept, std::vector<std::string>{"a"});
  std::set<std::string> dropped;
  for (const auto& [name, reason] : screen.dropped) dropped.insert(name);
  EXPECT_EQ(dropped, (std::set<std::string>{"row_id", "const"}));
}

TEST(ScreenTrainingColumns, NoUsableColumnIsAnErrorNamingTheFile) {
  std::string csv = "const,label\n";
  for (int i = 0; i < 40; ++i) csv += std::string("x,") + (i % 2 ? "y" : "n") + "\n";
  const TrainingData data = LoadCsv(csv);
  try {
    ScreenTrainingColumns(data, Logger(Logger::Level::kQuiet));
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("no usable feature columns"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("d.csv"), std::string::npos) << e.what();
  }
}

TEST(PlanTraining, SmallDataIsBaggedInEightFoldsAndStacksFromSevenHundredFiftyRows) {
  const TrainerOptions options = QuietOptions(nullptr);
  const TrainingData small = LoadCsv(BinaryCsv(300, true));
  const TrainingPlan p300 = PlanTraining(small, options, ScreenTrainingColumns(small, options.logger));
  EXPECT_EQ(p300.fold_plan.num_folds, 8);
  EXPECT_EQ(p300.fold_plan.folds.size(), 300u);
  EXPECT_FALSE(p300.stacking);
  EXPECT_EQ(p300.shape.rows, 300u);
  EXPECT_EQ(p300.shape.columns, 3u);
  EXPECT_EQ(p300.shape.time_limit, 0.0);  // unbounded
  ASSERT_EQ(p300.input_schema.columns.size(), 3u);
  EXPECT_EQ(p300.input_schema.columns[2].name, "c");
  EXPECT_NE(DescribePlan(small, options, p300).find("8-fold bagging; 1 thread(s); time limit none"), std::string::npos)
      << DescribePlan(small, options, p300);

  const TrainingData larger = LoadCsv(BinaryCsv(800, true));
  EXPECT_TRUE(PlanTraining(larger, options, ScreenTrainingColumns(larger, options.logger)).stacking);
  TrainerOptions one_level = options;
  one_level.stack_levels = 1;
  EXPECT_FALSE(PlanTraining(larger, one_level, ScreenTrainingColumns(larger, options.logger)).stacking);
  // A holdout gives no OOF predictions for most rows: nothing to stack on.
  TrainerOptions holdout = options;
  holdout.num_folds = 1;
  const TrainingPlan held = PlanTraining(larger, holdout, ScreenTrainingColumns(larger, options.logger));
  EXPECT_TRUE(held.fold_plan.holdout());
  EXPECT_EQ(held.fold_plan.scored_rows.size(), 80u);
  EXPECT_FALSE(held.stacking);
}

TEST(LevelPlan, BuiltInPortfolioRespectsFamiliesAndOptIns) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  const DataShape shape{Task::kBinary, 1000, 5, 2, 0};
  TrainerOptions options = QuietOptions(nullptr);
  const std::vector<std::string> all = Names(Level1Portfolio(shape, options, builtins));
  EXPECT_EQ(all.front(), "LightGBMLike_1");
  EXPECT_EQ(std::count(all.begin(), all.end(), "CatBoostLike_1"), 0);  // opt-in
  EXPECT_EQ(std::count(all.begin(), all.end(), "KNN_1"), 1);
  options.families = {"oblivious_boost", "linear"};
  EXPECT_EQ(Names(Level1Portfolio(shape, options, builtins)), (std::vector<std::string>{"Linear_1", "CatBoostLike_1"}));
  EXPECT_EQ(Names(Level2Portfolio(shape, options, builtins)), std::vector<std::string>{"Linear_1_L2"});
  EXPECT_TRUE(SearchFamilies(options, builtins).empty());
  options.families = {};
  EXPECT_EQ(SearchFamilies(options, builtins), (std::vector<std::string>{"mlp", "xgboost"}));
  EXPECT_EQ(Names(Level2Portfolio(shape, options, builtins)),
            (std::vector<std::string>{"LightGBMLike_1_L2", "Linear_1_L2", "XGBoost_2_L2"}));
}

TEST(LevelPlan, FamiliesWithoutCuratedConfigsGetOneDefaultConfig) {
  const LearnerRegistry quick = QuickRegistry();
  const DataShape shape{Task::kBinary, 1000, 5, 2, 0};
  TrainerOptions options = QuietOptions(&quick);
  const std::vector<CandidateConfig> configs = Level1Portfolio(shape, options, quick);
  ASSERT_EQ(Names(configs), (std::vector<std::string>{"dense_quick_1", "quick_1"}));
  EXPECT_EQ(configs[0].features.encoding, Encoding::kDense);  // what its learner asks for
  EXPECT_EQ(configs[1].features.encoding, Encoding::kTree);
  EXPECT_TRUE(configs[1].params.empty());  // the declared defaults
  EXPECT_TRUE(Level2Portfolio(shape, options, quick).empty());
  EXPECT_TRUE(SearchFamilies(options, quick).empty());  // nothing to sample from
  options.families = {"quick"};
  EXPECT_EQ(Names(Level1Portfolio(shape, options, quick)), std::vector<std::string>{"quick_1"});
}

// Adding a family takes its own files and one registration line: the toy
// family (tests/learners/toy_learner.*), never named in automl/, trains
// end to end once --learners names it, a refit-full run refits it, and the
// random search samples it.
TEST(TrainAutoML, AFamilyAddedByOneRegistrationLineTrainsEndToEnd) {
  LearnerRegistry registry = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(registry);
  TrainerOptions options = QuietOptions(&registry);
  options.families = {testing::kToyFamily};
  options.refit_full = true;
  const TrainResult result = TrainAutoML(LoadCsv(BinaryCsv(300, true)), options);
  ASSERT_FALSE(result.bundle.members.empty());
  for (const BundleMember& m : result.bundle.members) {
    EXPECT_EQ(m.family, testing::kToyFamily);
    EXPECT_NE(m.full, nullptr);  // refitted on all rows, beside its folds
  }
  EXPECT_EQ(result.bundle.training.at("members_refitted"), result.bundle.members.size());
  // With a model cap the search goes on past the default candidate with the
  // family's own sampler.
  options.max_models = 3;
  options.refit_full = false;
  const TrainResult searched = TrainAutoML(LoadCsv(BinaryCsv(300, true)), options);
  std::vector<std::string> models;
  for (const LeaderboardRow& row : searched.leaderboard) models.push_back(row.model);
  EXPECT_NE(std::find(models.begin(), models.end(), "ToyPrior_R1"), models.end()) << ::testing::PrintToString(models);
  // Not named: the toy family's default candidate is opt-in.
  options.families = {"linear"};
  const TrainResult linear = TrainAutoML(LoadCsv(BinaryCsv(300, true)), options);
  for (const BundleMember& m : linear.bundle.members) EXPECT_EQ(m.family, "linear");
}

// The random search reads a family's sampler from its registry entry: the toy
// family is searched once named, and several searched families are drawn in
// proportion to their shares.
TEST(SearchFamilies, AFamilyWithASamplerIsSearchedInProportionToItsShare) {
  LearnerRegistry registry = LearnerRegistry::WithBuiltins();
  testing::RegisterToyLearner(registry);
  TrainerOptions options = QuietOptions(&registry);
  options.families = {testing::kToyFamily, "linear"};
  ASSERT_EQ(SearchFamilies(options, registry), std::vector<std::string>{testing::kToyFamily});
  std::mt19937_64 rng(1);
  const CandidateConfig toy = SampleConfig(registry, rng, 4, {testing::kToyFamily});
  EXPECT_EQ(toy.name, "ToyPrior_R4");
  EXPECT_EQ(toy.family, testing::kToyFamily);
  EXPECT_EQ(toy.features.encoding, Encoding::kDense);
  const double smoothing = toy.params.at("smoothing").get<double>();
  EXPECT_TRUE(smoothing >= 0.1 && smoothing <= 10.0) << smoothing;
  // Shares: mlp 0.25, xgboost 0.75, toy 1.0 (of 2.0).
  std::map<std::string, int> drawn;
  constexpr int kDraws = 4000;
  for (int i = 0; i < kDraws; ++i)
    ++drawn[SampleConfig(registry, rng, i, {"mlp", testing::kToyFamily, "xgboost"}).family];
  EXPECT_NEAR(drawn["mlp"] / double{kDraws}, 0.125, 0.02);
  EXPECT_NEAR(drawn["xgboost"] / double{kDraws}, 0.375, 0.03);
  EXPECT_NEAR(drawn[testing::kToyFamily] / double{kDraws}, 0.5, 0.03);
  // A family without a sampler is never handed to the search.
  EXPECT_THROW(SampleConfig(registry, rng, 1, {"linear"}), Internal);
}

TEST(TrainingRun, UnknownFamilyIsAnErrorListingTheRegistered) {
  const LearnerRegistry quick = QuickRegistry();
  TrainerOptions options = QuietOptions(&quick);
  options.families = {"xgboost"};  // built in, but not in this registry
  EXPECT_THROW(RunFixture(LoadCsv(BinaryCsv(100, true)), options, quick), InvalidInput);
}

TEST(SearchLevel, TheRunsFirstCandidateGetsTheWholeSearchTime) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  SearchState state(f.plan.shape, 0, {}, false);
  SearchLevelPlan level;
  level.portfolio = {Config("q1", "quick"), Config("q2", "quick")};
  level.deadline = Deadline::Never().Sub(0);  // the level's share is spent
  level.first_fit_deadline = Deadline::Never();
  SearchLevel(f.run, level, state);
  // The first candidate still completes (a model must come out); the next does not start.
  ASSERT_EQ(f.run.board().size(), 1u);
  EXPECT_EQ(f.run.board()[0].model, "q1");
  EXPECT_EQ(f.run.board()[0].status, "ok");
  EXPECT_EQ(f.run.done().size(), 1u);
}

TEST(SearchLevel, SkipsAConfigWhoseEstimateDoesNotFitTheTimeLeft) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  SearchState state(f.plan.shape, 0, {}, false);
  SearchLevelPlan level;
  // q2 is estimated at 10^6 times q1's measured cost; q3 like q1.
  level.portfolio = {Config("q1", "quick"), Config("q2", "quick", Json::object(), 1e6), Config("q3", "quick")};
  level.deadline = Deadline::In(30);
  level.first_fit_deadline = level.deadline;
  Stopwatch clock;
  SearchLevel(f.run, level, state);
  EXPECT_LT(clock.Seconds(), 10.0);
  ASSERT_EQ(f.run.board().size(), 2u);  // a skipped config gets no row
  EXPECT_EQ(f.run.board()[0].model, "q1");
  EXPECT_EQ(f.run.board()[1].model, "q3");
  EXPECT_GT(f.run.Estimate(level.portfolio[1]), 30.0);
}

TEST(SearchLevel, ACandidateCutOffByTheDeadlineIsMarkedTimeout) {
  LearnerRegistry registry = QuickRegistry();
  registry.Register(SleepyEntry("slow", 0.25, 4));  // one round is already more than a fold's share
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&registry), registry);
  SearchState state(f.plan.shape, 0, {}, false);
  SearchLevelPlan level;
  level.portfolio = {Config("q1", "quick"), Config("s1", "slow")};
  level.deadline = Deadline::In(0.6);
  level.first_fit_deadline = level.deadline;
  Stopwatch clock;
  SearchLevel(f.run, level, state);
  EXPECT_LT(clock.Seconds(), 0.6 + 0.25 + 0.3);  // at most one round past the deadline, plus slack
  ASSERT_EQ(f.run.board().size(), 2u);
  EXPECT_EQ(f.run.board()[1].model, "s1");
  EXPECT_EQ(f.run.board()[1].status, "timeout");
  EXPECT_EQ(f.run.done().size(), 1u);  // only q1 can join the ensemble
}

TEST(SearchLevel, ModelCapAndSeedsComeFromThePlan) {
  const LearnerRegistry quick = QuickRegistry();
  TrainerOptions options = QuietOptions(&quick);
  options.seed = 4;
  RunFixture f(LoadCsv(BinaryCsv(200, true)), options, quick);
  SearchState state(f.plan.shape, options.seed, {}, false);
  SearchLevelPlan level;
  level.portfolio = {Config("q1", "quick"), Config("q2", "quick"), Config("q3", "quick")};
  level.model_cap = 2;
  level.seed_offset = 100000;
  SearchLevel(f.run, level, state);
  ASSERT_EQ(f.run.board().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    // Fold 0 fits with the candidate's seed: the run's seed x 7919 + offset + a hash of its name.
    const std::string& name = f.run.board()[i].model;
    const uint64_t seed = f.run.board()[i].info.at("folds")[0].at("seed").get<uint64_t>();
    EXPECT_EQ(seed, 4u * 7919u + 100000u + (Fnv1a64(name) & 0x7fffffffULL)) << name;
    EXPECT_EQ(seed, CandidateSeed(state, level, level.portfolio[i])) << name;
  }
}

TEST(SearchLevel, LevelTwoCandidatesSeeTheirStackInputs) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  SearchState state(f.plan.shape, 0, {}, false);
  SearchLevelPlan level1;
  level1.portfolio = {Config("q1", "quick"), Config("d1", "dense_quick")};
  SearchLevel(f.run, level1, state);
  ASSERT_EQ(f.run.done().size(), 2u);

  SearchLevelPlan level2;
  level2.level = 2;
  level2.portfolio = {Config("q1_L2", "quick")};
  level2.stack_inputs = {1, 0};
  SearchLevel(f.run, level2, state);
  ASSERT_EQ(f.run.done().size(), 3u);
  const Candidate& c = f.run.done()[2];
  EXPECT_EQ(c.level, 2);
  EXPECT_EQ(c.stack_inputs, (std::vector<std::string>{"d1", "q1"}));
  const LeaderboardRow& row = f.run.board()[c.leaderboard_row];
  EXPECT_EQ(row.info.at("level"), 2);
  EXPECT_EQ(row.params.at("stack_inputs"), Json({"d1", "q1"}));
  // Binary inputs add one column each (p(positive)) to the three features.
  for (const Json& fold : row.info.at("folds")) EXPECT_EQ(fold.at("cols"), 3 + 2);
  std::vector<std::string> names;
  Matrix stacked;
  f.run.Inputs(c.config, c.input_index, &stacked, &names);
  EXPECT_EQ(names.back(), "stack:q1");
}

// Under --memory-limit a forest whose fit would not fit in what the limit
// leaves gets fewer trees, and the candidate is the forest it fitted; a
// config whose least fit does not fit is skipped with its row saying so.
TEST(TrainingRun, AForestIsCutToTheTreesTheMemoryLimitLeavesRoomFor) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  RunFixture f(LoadCsv(BinaryCsv(3000, true)), QuietOptions(&builtins), builtins);
  const Json params{{"n_estimators", 200}, {"min_samples_leaf", 1}, {"bootstrap", true}};
  const Params full = builtins.Create("random_forest", params)->params();
  // A bootstrapped forest is its own out-of-fold: one fit on every row. Room for about half its trees.
  const double bytes = FitBytes(builtins.Get("random_forest"), 3000, 3, 2, full);
  f.options.memory_limit_bytes = static_cast<double>(ResidentBytes()) + bytes / 2;
  ASSERT_TRUE(f.run.Fit(Config("RF", "random_forest", params), 1, {}, Deadline::Never(), 1));
  const long long trees = f.run.board()[0].params.at("n_estimators").get<long long>();
  EXPECT_GE(trees, kMinPlannedCount);
  EXPECT_LT(trees, 200);
  EXPECT_EQ(f.run.done()[0].config.params.at("n_estimators").get<long long>(), trees);
  EXPECT_EQ(f.run.done()[0].fit.folds.front()->Info().at("trees").get<long long>(), trees);

  f.options.memory_limit_bytes = static_cast<double>(ResidentBytes()) / 2;  // already over it
  EXPECT_FALSE(f.run.Fit(Config("ET", "extra_trees", params), 1, {}, Deadline::Never(), 2));
  ASSERT_EQ(f.run.board().size(), 2u);
  EXPECT_EQ(f.run.board()[1].status, "over_memory_limit");
  EXPECT_EQ(f.run.done().size(), 1u);
}

// An encoding is planned before it is built: the matrix Encode would add is
// known from the fitted pipeline, and a config whose encoding does not fit
// in what --memory-limit leaves is skipped without building it.
TEST(TrainingRun, AnEncodingThatDoesNotFitIsNotBuilt) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  RunFixture f(LoadCsv(BinaryCsv(3000, true)), QuietOptions(&builtins), builtins);
  FeatureOptions tree;
  tree.encoding = Encoding::kTree;
  FeatureOptions dense;
  dense.encoding = Encoding::kDense;
  EXPECT_DOUBLE_EQ(f.run.features().PendingBytes(tree), 3000.0 * 3 * sizeof(float));  // a, b, c
  CandidateConfig booster = Config("XGB", "xgboost", Json{{"n_estimators", 5}});
  booster.features = tree;
  ASSERT_TRUE(f.run.Fit(booster, 1, {}, Deadline::Never(), 1));
  EXPECT_EQ(f.run.features().PendingBytes(tree), 0.0);  // built
  const double pending = f.run.features().PendingBytes(dense);
  ASSERT_GT(pending, 0.0);
  f.options.memory_limit_bytes = static_cast<double>(ResidentBytes()) + pending / 2;
  CandidateConfig linear = Config("LIN", "linear");
  linear.features = dense;
  EXPECT_FALSE(f.run.Fit(linear, 1, {}, Deadline::Never(), 2));
  ASSERT_EQ(f.run.board().size(), 2u);
  EXPECT_EQ(f.run.board()[1].status, "over_memory_limit");
  EXPECT_DOUBLE_EQ(f.run.features().PendingBytes(dense), pending);  // still not built
}

TEST(TrainingRun, RepeatBestAddsABagOnANewFoldSplit) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  ASSERT_TRUE(f.run.Fit(Config("q1", "quick"), 1, {}, Deadline::Never(), 1));
  ASSERT_TRUE(f.run.RepeatBest(1, Deadline::Never(), 2));
  const Candidate& c = f.run.done()[0];
  EXPECT_EQ(c.bags, 2);
  EXPECT_EQ(c.fit.folds.size(), 16u);
  EXPECT_EQ(f.run.board()[0].folds, 16);
  EXPECT_EQ(f.run.board()[0].info.at("bags"), 2);
  EXPECT_FALSE(f.run.RepeatBest(2, Deadline::Never(), 3));  // no level-2 candidate
  ASSERT_TRUE(f.run.RepeatBest(1, Deadline::Never(), 3));
  EXPECT_FALSE(f.run.RepeatBest(1, Deadline::Never(), 4));  // kMaxBags reached
  EXPECT_EQ(f.run.done()[0].bags, kMaxBags);
}

TEST(ChooseStackInputs, BestOfEachStackableFamilyFirstThenTheRest) {
  LearnerRegistry registry = QuickRegistry();
  LearnerRegistry::Entry heavy = SleepyEntry("heavy", 0.001, 1);
  heavy.stack_input = false;
  registry.Register(heavy);
  ProblemInfo problem;
  problem.class_labels = {"n", "y"};
  problem.metric = "logloss";  // lower is better
  const std::vector<float> y = {0, 1};
  const OofScorer scorer(problem, y);
  std::vector<Candidate> done(5);
  const std::vector<std::pair<std::string, double>> made = {
      {"quick", 0.30}, {"quick", 0.20}, {"heavy", 0.10}, {"dense_quick", 0.40}, {"quick", 0.25}};
  for (size_t i = 0; i < made.size(); ++i) {
    done[i].config.family = made[i].first;
    done[i].score = made[i].second;
  }
  EXPECT_EQ(ChooseStackInputs(done, scorer, 8, registry), (std::vector<size_t>{1, 3, 4, 0}));
  EXPECT_EQ(ChooseStackInputs(done, scorer, 3, registry), (std::vector<size_t>{1, 3, 4}));
}

TEST(ChooseEnsemble, WeighsTheBetterCandidateAndTunesTheThreshold) {
  ProblemInfo problem;
  problem.class_labels = {"n", "y"};
  problem.metric = "f1";
  const std::vector<float> y = {0, 0, 0, 1, 1, 1};
  const OofScorer scorer(problem, y);
  Matrix good(6, 2), flat(6, 2, 0.5f);
  const float p[] = {0.1f, 0.2f, 0.3f, 0.6f, 0.7f, 0.8f};
  for (size_t r = 0; r < 6; ++r) {
    good.at(r, 0) = 1 - p[r];
    good.at(r, 1) = p[r];
  }
  const EnsembleChoice choice = ChooseEnsemble({&flat, &good}, scorer, 5);
  ASSERT_EQ(choice.weights.size(), 2u);
  EXPECT_DOUBLE_EQ(choice.weights[1], 1.0);
  EXPECT_DOUBLE_EQ(choice.score, 1.0);  // F1 at the tuned threshold separates the classes
  EXPECT_GT(choice.threshold, 0.3);
  EXPECT_LE(choice.threshold, 0.6);
  EXPECT_FLOAT_EQ(choice.oof.at(4, 1), 0.7f);

  std::vector<Candidate> done(3);
  done[0].config.name = "a";
  done[1].config.name = "b";
  done[2].config.name = "c_L2";
  done[2].stack_inputs = {"a"};
  EXPECT_EQ(NeededCandidates(done, {0.0, 0.5, 0.5}), (std::set<std::string>{"a", "b", "c_L2"}));
  EXPECT_EQ(NeededCandidates(done, {0.0, 1.0, 0.0}), std::set<std::string>{"b"});
}

TEST(RefitMembers, FitsTheNeededMembersOnAllRowsBesideTheirFoldsWhenTimeAllows) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  ASSERT_TRUE(f.run.Fit(Config("q1", "quick"), 1, {}, Deadline::Never(), 1));
  ASSERT_TRUE(f.run.Fit(Config("q2", "quick"), 1, {}, Deadline::Never(), 2));
  // No time left: no member gets a full model; they serve their folds in both forms.
  EXPECT_EQ(RefitMembers(f.run, {"q1"}, Deadline::Never().Sub(0)), 0u);
  EXPECT_EQ(f.run.done()[0].fit.folds.size(), 8u);
  EXPECT_EQ(f.run.done()[0].full, nullptr);
  EXPECT_EQ(RefitMembers(f.run, {"q1"}, Deadline::Never()), 1u);
  // The full model joins the fold models, which stay (the bagged form).
  EXPECT_EQ(f.run.done()[0].fit.folds.size(), 8u);
  ASSERT_NE(f.run.done()[0].full, nullptr);
  EXPECT_EQ(f.run.done()[0].full->Info().at("rows"), 200);  // fitted on every row
  for (const auto& fold : f.run.done()[0].fit.folds) EXPECT_LT(fold->Info().at("rows").get<int>(), 200);
  EXPECT_TRUE(f.run.board()[0].info.contains("refit"));
  EXPECT_EQ(f.run.done()[1].fit.folds.size(), 8u);  // not needed, not refitted
  EXPECT_EQ(f.run.done()[1].full, nullptr);
}

TEST(AssembleBundle, KeepsTheNeededMembersAndAddsTheEnsembleRow) {
  const LearnerRegistry quick = QuickRegistry();
  RunFixture f(LoadCsv(BinaryCsv(200, true)), QuietOptions(&quick), quick);
  ASSERT_TRUE(f.run.Fit(Config("q1", "quick"), 1, {}, Deadline::Never(), 1));
  CandidateConfig dense = Config("d1", "dense_quick");
  dense.features.encoding = Encoding::kDense;
  ASSERT_TRUE(f.run.Fit(dense, 1, {}, Deadline::Never(), 2));
  EnsembleChoice choice;
  choice.weights = {0.0, 1.0};
  choice.score = 0.5;
  choice.threshold = 0.4;
  std::unique_ptr<Predictor> served;
  const TrainResult result =
      AssembleBundle(f.run, f.plan, choice, {"d1"}, 0, MeasureCandidateCosts(f.run), Deadline::Never(), served);
  ASSERT_EQ(result.bundle.members.size(), 1u);
  EXPECT_EQ(result.bundle.members[0].name, "d1");
  EXPECT_EQ(result.bundle.members[0].folds.size(), 8u);
  EXPECT_EQ(result.bundle.members[0].pipeline, "dense");
  EXPECT_EQ(result.bundle.pipelines.size(), 1u);
  EXPECT_EQ(result.bundle.problem.threshold, 0.4);
  EXPECT_EQ(result.bundle.training.at("candidates_trained"), 2);
  EXPECT_EQ(result.bundle.training.at("num_folds"), 8);
  ASSERT_EQ(result.leaderboard.size(), 3u);
  const auto ens = std::find_if(result.leaderboard.begin(), result.leaderboard.end(),
                                [](const LeaderboardRow& r) { return r.model == "WeightedEnsemble"; });
  ASSERT_NE(ens, result.leaderboard.end());
  EXPECT_EQ(ens->score_val, 0.5);
  EXPECT_EQ(ens->params.at("members"), Json({{"d1", 1.0}}));
  for (const LeaderboardRow& r : result.leaderboard) {
    if (r.model == "q1") {
      EXPECT_EQ(r.ensemble_weight, 0.0);
    }
    if (r.model == "d1") {
      EXPECT_EQ(r.ensemble_weight, 1.0);
    }
    // The quick family's models do not load from their bytes, so the bundle
    // cannot be timed: every figure is the estimate made before the choice
    // (test_infer_limit.cpp covers the measured ones).
    EXPECT_GT(r.predict_us_per_row, 0.0) << r.model;
    EXPECT_EQ(r.info.at("predict_cost"), "estimated") << r.model;
  }
}

// The bundle is timed only when the time left covers what timing is
// expected to take; otherwise (here: a deadline already passed) the figures
// are the estimates, so the training keeps its budget.
TEST(AssembleBundle, TimesTheBundleOnlyWithinItsDeadline) {
  const LearnerRegistry builtins = LearnerRegistry::WithBuiltins();
  for (bool in_time : {true, false}) {
    TrainerOptions options = QuietOptions(&builtins);
    options.families = {"linear"};
    options.threads = 1;
    RunFixture f(LoadCsv(BinaryCsv(200, true)), options, builtins);
    ASSERT_TRUE(f.run.Fit(Config("l1", "linear"), 1, {}, Deadline::Never(), 1));
    EnsembleChoice choice;
    choice.weights = {1.0};
    choice.score = 0.5;
    std::unique_ptr<Predictor> served;
    const TrainResult result = AssembleBundle(f.run, f.plan, choice, {"l1"}, 0, MeasureCandidateCosts(f.run),
                                              in_time ? Deadline::Never() : Deadline::Never().Sub(0), served);
    const std::string expected = in_time ? "measured" : "estimated";
    // The predictor timed is handed on (for the explainability report), and only when timed.
    EXPECT_EQ(served != nullptr, in_time);
    for (const LeaderboardRow& r : result.leaderboard) {
      EXPECT_GT(r.predict_us_per_row, 0.0) << r.model;
      EXPECT_EQ(r.info.at("predict_cost"), expected) << r.model << " in time: " << in_time;
    }
  }
}

TEST(AssembleBundle, KeepsBothFormsOfARefitMemberAndTheBaggedOneWithoutRefit) {
  const LearnerRegistry quick = QuickRegistry();
  for (bool refit : {true, false}) {
    TrainerOptions options = QuietOptions(&quick);
    options.refit_full = refit;
    RunFixture f(LoadCsv(BinaryCsv(200, true)), options, quick);
    ASSERT_TRUE(f.run.Fit(Config("q1", "quick"), 1, {}, Deadline::Never(), 1));
    const size_t refitted = refit ? RefitMembers(f.run, {"q1"}, Deadline::Never()) : 0;
    EXPECT_EQ(refitted, refit ? 1u : 0u);
    EnsembleChoice choice;
    choice.weights = {1.0};
    choice.score = 0.5;
    const Json refit_params = f.run.board()[0].info.value("refit", Json::object()).value("params", Json());
    std::unique_ptr<Predictor> served;
    const TrainResult result = AssembleBundle(f.run, f.plan, choice, {"q1"}, refitted, MeasureCandidateCosts(f.run),
                                              Deadline::Never(), served);
    ASSERT_EQ(result.bundle.members.size(), 1u);
    const BundleMember& m = result.bundle.members[0];
    EXPECT_EQ(m.folds.size(), 8u) << refit;  // the bagged form, always
    EXPECT_TRUE(result.bundle.forms.bagged);
    EXPECT_EQ(result.bundle.forms.full, refit);
    EXPECT_FALSE(m.folds_are_full);
    if (refit) {
      ASSERT_NE(m.full, nullptr);
      EXPECT_EQ(m.full->Info().at("rows"), 200);
      EXPECT_EQ(m.full_params, refit_params);
      EXPECT_EQ(result.bundle.forms.default_form, kDefaultServedForm);
    } else {
      EXPECT_EQ(m.full, nullptr);
      EXPECT_EQ(result.bundle.forms.default_form, BundleForm::kBagged);
    }
  }
}

}  // namespace
}  // namespace tabpilot
