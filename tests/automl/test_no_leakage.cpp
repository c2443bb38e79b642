// No leakage: on labels that are a fair coin independent of the features,
// every out-of-fold score (level-1 and level-2 candidates and the ensemble)
// must be chance, and each row's OOF prediction must come from the one fold
// model that did not train on it.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "automl/candidate_search.h"
#include "automl/ensemble_choice.h"
#include "automl/level_plan.h"
#include "automl/training_budget.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "support/test_support.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

using testing::BinaryCsv;
using testing::LoadCsv;
using testing::RankAuc;

// p(positive) of each row of a binary prediction matrix.
std::vector<float> Positive(const Matrix& p) {
  std::vector<float> out(p.rows);
  for (size_t r = 0; r < p.rows; ++r) out[r] = p.at(r, 1);
  return out;
}

// One search of both levels, shared by the tests (it takes seconds).
class NoLeakage : public ::testing::Test {
 protected:
  struct Run {
    // 4,000 rows: the OOF AUC of a model that learned nothing has a standard
    // deviation of ~0.01 around 0.5, so 0.5 +- 0.05 is a wide margin for
    // chance and a narrow one for a leak.
    Run()
        : data(LoadCsv(BinaryCsv(4000, /*signal=*/false, 5), "label", "auc")),
          learners(LearnerRegistry::WithBuiltins()),
          options(Options()),
          plan(PlanTraining(data, options, ScreenTrainingColumns(data, options.logger))),
          run(data, options, learners, plan.screen.kept, plan.fold_plan) {
      const TrainingBudget budget(options.deadline, options.refit_full);
      SearchState state(plan.shape, options.seed, SearchFamilies(options, learners), true);
      SearchLevel(run, Level1Plan(run, plan, budget), state);
      if (plan.stacking) SearchLevel(run, Level2Plan(run, plan, budget), state);
    }
    static TrainerOptions Options() {
      TrainerOptions options;
      options.families = {"xgboost", "linear"};
      options.num_folds = 5;   // fewer fits than the automatic 8: the test stays at a few seconds
      options.max_models = 5;  // 4 at level 1 (three boosters, the linear model), 1 at level 2; no further bags
      options.threads = 2;
      options.seed = 3;
      options.logger = Logger(Logger::Level::kQuiet);
      return options;
    }
    TrainingData data;
    LearnerRegistry learners;
    TrainerOptions options;
    TrainingPlan plan;
    TrainingRun run;
  };

  static void SetUpTestSuite() { shared_ = std::make_unique<Run>(); }
  static void TearDownTestSuite() { shared_.reset(); }

  const TrainingData& data_ = shared_->data;
  const TrainerOptions& options_ = shared_->options;
  const TrainingPlan& plan_ = shared_->plan;
  TrainingRun& run_ = shared_->run;
  static inline std::unique_ptr<Run> shared_;
};

TEST_F(NoLeakage, RandomLabelsGiveChanceOutOfFoldScoresAtBothLevelsAndInTheEnsemble) {
  ASSERT_TRUE(plan_.stacking);
  int levels[3] = {0, 0, 0};
  std::vector<const Matrix*> oofs;
  for (const Candidate& c : run_.done()) {
    ++levels[c.level];
    oofs.push_back(&c.fit.oof);
    const double auc = RankAuc(Positive(c.fit.oof), data_.y);
    EXPECT_NEAR(auc, 0.5, 0.05) << c.config.name;
    // The trainer's own score is the same OOF AUC.
    EXPECT_NEAR(c.score, auc, 1e-6) << c.config.name;
  }
  EXPECT_EQ(levels[1], 4);
  EXPECT_EQ(levels[2], 1);
  const EnsembleChoice ensemble = ChooseEnsemble(oofs, run_.scorer(), options_.ensemble_rounds);
  EXPECT_NEAR(RankAuc(Positive(ensemble.oof), data_.y), 0.5, 0.05);
  EXPECT_NEAR(ensemble.score, 0.5, 0.05);
}

TEST_F(NoLeakage, EachRowsOutOfFoldPredictionIsTheFoldModelThatDidNotSeeIt) {
  const std::vector<int>& fold_of = run_.fold_plan().folds;
  const int k = run_.num_folds();
  ASSERT_EQ(k, 5);
  int checked = 0;
  for (const Candidate& c : run_.done()) {
    ASSERT_EQ(c.bags, 1) << c.config.name;
    ASSERT_FALSE(c.fit.own_oof) << c.config.name;
    ASSERT_EQ(c.fit.folds.size(), static_cast<size_t>(k)) << c.config.name;
    // The matrix the candidate was trained on (level 2: with its inputs' OOF columns).
    Matrix stacked;
    std::vector<std::string> names;
    const Matrix& x = run_.Inputs(c.config, c.input_index, &stacked, &names);
    std::vector<std::vector<float>> by_fold(static_cast<size_t>(k), std::vector<float>(x.rows * 2));
    for (int f = 0; f < k; ++f) c.fit.folds[static_cast<size_t>(f)]->Predict(x, by_fold[f].data(), 1);
    size_t other_differs = 0;
    for (size_t r = 0; r < x.rows; ++r) {
      const size_t own = static_cast<size_t>(fold_of[r]);
      ASSERT_NEAR(c.fit.oof.at(r, 1), by_fold[own][2 * r + 1], 1e-6) << c.config.name << " row " << r;
      // The check can tell the folds apart: a model that saw the row predicts it differently.
      const size_t other = (own + 1) % static_cast<size_t>(k);
      other_differs += std::fabs(by_fold[other][2 * r + 1] - c.fit.oof.at(r, 1)) > 1e-6f;
    }
    EXPECT_GT(other_differs, x.rows / 2) << c.config.name;
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

}  // namespace
}  // namespace tabpilot
