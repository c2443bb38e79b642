// What each stack level searches (a SearchLevelPlan for candidate_search.h):
// the configurations it starts with (the portfolio, restricted to the run's
// families and learner registry), the families its random search samples
// from, which level-1 candidates feed level 2, and the level's share of the
// time and of the model cap.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "automl/candidate_search.h"
#include "automl/oof_scorer.h"
#include "automl/portfolio.h"
#include "automl/trainer_options.h"
#include "automl/training_budget.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// Level-1 models whose predictions feed level 2.
inline constexpr size_t kMaxStackInputs = 8;

// Whether `family` may run: options.families is empty or names it.
bool FamilyAllowed(const TrainerOptions& options, const std::string& family);
// Whether a portfolio config runs: its family is allowed, and an opt-in
// config's family is named explicitly.
bool ConfigAllowed(const TrainerOptions& options, const CandidateConfig& config);

// Level 1's configurations, best first: those of DefaultPortfolio(shape,
// learners) that `options` allows (a family without a curated configuration
// has one opt-in default candidate there, "<family>_1", which runs when
// `options.families` names it).
std::vector<CandidateConfig> Level1Portfolio(const DataShape& shape, const TrainerOptions& options,
                                             const LearnerRegistry& learners);

// Level 2's configurations ("_L2" names): the strongest, cheapest portfolio
// configs again, now seeing the level-1 predictions (AutoGluon's stack
// level), restricted like level 1's.
std::vector<CandidateConfig> Level2Portfolio(const DataShape& shape, const TrainerOptions& options,
                                             const LearnerRegistry& learners);

// The registered families with a search sampler (LearnerRegistry::Entry::
// searched()) that `options` allows, in the registry's (name) order.
std::vector<std::string> SearchFamilies(const TrainerOptions& options, const LearnerRegistry& learners);

// Indices in `done` of the level-1 candidates whose OOF predictions feed
// level 2, at most `n`: only families whose registry entry says stack_input;
// the best of each family first (the diversity is what level 2 learns from;
// the top n by score alone are often n variants of one booster), then the
// best of the rest.
std::vector<size_t> ChooseStackInputs(const std::vector<Candidate>& done, const OofScorer& scorer, size_t n,
                                      const LearnerRegistry& learners);

// Level 1: Level1Portfolio, then random search while time remains; with
// stacking it gets kLevel1Share of the search time and of --max-models. The
// run's first candidate gets the whole search time.
SearchLevelPlan Level1Plan(const TrainingRun& run, const TrainingPlan& plan, const TrainingBudget& budget);

// Level 2: models that also see the best level-1 models' OOF predictions
// (ChooseStackInputs over run.done()), with the rest of the search time and
// of --max-models; estimates x1.2 (stack features make fits a little
// slower), sampled configs named "..._L2", seeds offset by 100000.
SearchLevelPlan Level2Plan(const TrainingRun& run, const TrainingPlan& plan, const TrainingBudget& budget);

}  // namespace tabpilot
