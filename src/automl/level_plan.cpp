#include "automl/level_plan.h"

#include <algorithm>
#include <set>

namespace tabpilot {

bool FamilyAllowed(const TrainerOptions& options, const std::string& family) {
  const auto& excluded = options.excluded_families;
  if (std::find(excluded.begin(), excluded.end(), family) != excluded.end()) return false;
  return options.families.empty() ||
         std::find(options.families.begin(), options.families.end(), family) != options.families.end();
}

bool ConfigAllowed(const TrainerOptions& options, const CandidateConfig& config) {
  const auto& excluded = options.excluded_families;
  if (std::find(excluded.begin(), excluded.end(), config.family) != excluded.end()) return false;
  if (config.opt_in && !(config.default_when_sampled && options.sampled_search)) {
    return std::find(options.families.begin(), options.families.end(), config.family) != options.families.end();
  }
  return FamilyAllowed(options, config.family);
}

std::vector<CandidateConfig> Level1Portfolio(const DataShape& shape, const TrainerOptions& options,
                                             const LearnerRegistry& learners) {
  std::vector<CandidateConfig> out;
  for (auto& c : DefaultPortfolio(shape, learners)) {
    if (ConfigAllowed(options, c)) out.push_back(std::move(c));
  }
  return out;
}

// When the budget is small for the data the fast booster comes first here
// too: otherwise no level-2 booster fits in the time left (letter at 60 s
// stopped at 33 s with only a linear level-2 model).
std::vector<CandidateConfig> Level2Portfolio(const DataShape& shape, const TrainerOptions& options,
                                             const LearnerRegistry& learners) {
  std::vector<CandidateConfig> out;
  for (CandidateConfig c : DefaultPortfolio(shape, learners)) {
    if (c.name != "XGBoostFast_1" && c.name != "LightGBMLike_1" && c.name != "XGBoost_2" && c.name != "Linear_1") {
      continue;
    }
    if (!ConfigAllowed(options, c)) continue;
    c.name += "_L2";
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::string> SearchFamilies(const TrainerOptions& options, const LearnerRegistry& learners) {
  std::vector<std::string> out;
  for (const std::string& f : learners.Families()) {
    if (FamilyAllowed(options, f) && learners.Get(f).searched()) out.push_back(f);
  }
  return out;
}

std::vector<size_t> ChooseStackInputs(const std::vector<Candidate>& done, const OofScorer& scorer, size_t n,
                                      const LearnerRegistry& learners) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < done.size(); ++i) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return scorer.Better(done[a].score, done[b].score); });
  // Families too costly to serve on every request as inputs stay out.
  idx.erase(std::remove_if(idx.begin(), idx.end(),
                           [&](size_t i) { return !learners.Get(done[i].config.family).stack_input; }),
            idx.end());
  std::vector<size_t> out;
  std::set<std::string> families;
  for (size_t i : idx) {
    if (out.size() < n && families.insert(done[i].config.family).second) out.push_back(i);
  }
  for (size_t i : idx) {
    if (out.size() < n && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  return out;
}

SearchLevelPlan Level1Plan(const TrainingRun& run, const TrainingPlan& plan, const TrainingBudget& budget) {
  const TrainerOptions& options = run.options();
  SearchLevelPlan level;
  level.level = 1;
  level.portfolio = Level1Portfolio(plan.shape, options, run.learners());
  level.deadline = budget.Level1(plan.stacking);
  level.first_fit_deadline = budget.Search();
  level.model_cap = TrainingBudget::Level1ModelCap(options.max_models, plan.stacking);
  return level;
}

SearchLevelPlan Level2Plan(const TrainingRun& run, const TrainingPlan& plan, const TrainingBudget& budget) {
  const TrainerOptions& options = run.options();
  SearchLevelPlan level;
  level.level = 2;
  level.stack_inputs = ChooseStackInputs(run.done(), run.scorer(), kMaxStackInputs, run.learners());
  level.portfolio = Level2Portfolio(plan.shape, options, run.learners());
  level.deadline = budget.Search();
  level.first_fit_deadline = level.deadline;
  level.model_cap = options.max_models;
  level.estimate_factor = 1.2;
  level.sampled_suffix = "_L2";
  level.seed_offset = 100000;
  return level;
}

}  // namespace tabpilot
