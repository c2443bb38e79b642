#include "automl/candidate_search.h"

#include <algorithm>

#include "automl/training_budget.h"
#include "core/hash.h"

namespace tabpilot {

SearchState::SearchState(const DataShape& shape_in, uint64_t seed, std::vector<std::string> families_in,
                         bool can_sample_in)
    : shape(shape_in),
      families(std::move(families_in)),
      can_sample(can_sample_in && !families.empty()),
      rng(seed ^ 0x5eedULL),
      base_seed(seed * 7919ULL),
      repeat_seed(seed * 7919ULL + 200000) {}

uint64_t CandidateSeed(const SearchState& state, const SearchLevelPlan& plan, const CandidateConfig& config) {
  return state.base_seed + plan.seed_offset + (Fnv1a64(config.name) & 0x7fffffffULL);
}

void SearchLevel(TrainingRun& run, const SearchLevelPlan& plan, SearchState& state) {
  const Logger& log = run.options().logger;
  std::vector<CandidateConfig> queue = plan.portfolio;
  const bool as_codes = run.options().categoricals_as_codes;
  if (as_codes) {
    for (CandidateConfig& c : queue) ReadCategoricalsAsCodes(c, run.learners());
  }
  const size_t portfolio_size = queue.size();
  const double search_cap = TrainingBudget::SearchCap(plan.deadline);
  int misses = 0;
  int search_step = 0;  // even steps: another bag; odd steps (or no bag to add): a new config
  for (size_t i = 0;; ++i) {
    if (run.AtModelCap(plan.model_cap)) break;
    if (i >= queue.size()) {
      if (!state.can_sample || plan.deadline.Expired()) break;
      if (search_step++ % 2 == 0 && run.RepeatBest(plan.level, plan.deadline, ++state.repeat_seed)) {
        --i;  // the queue did not grow: look at this index again
        continue;
      }
      CandidateConfig sampled = SampleConfig(run.learners(), state.rng, ++state.sampled, state.families);
      sampled.name += plan.sampled_suffix;
      if (as_codes) ReadCategoricalsAsCodes(sampled, run.learners());
      queue.push_back(std::move(sampled));
    }
    const CandidateConfig& config = queue[i];
    const bool first = run.done().empty();
    if (!first) {
      const double left = plan.deadline.Remaining();
      if (left <= 0.05) break;
      const double estimate = run.Estimate(config) * plan.estimate_factor;
      const bool capped = i >= portfolio_size && misses < kMaxSearchMisses - 1;
      const double allowed = capped ? std::min(left, search_cap) : left;
      if (estimate > allowed) {
        log.Debug("skipping " + config.name + ": needs ~" + FormatSeconds(estimate) + ", may take " +
                  FormatSeconds(allowed) + " of the " + FormatSeconds(left) + " left");
        // Sampled configs differ in cost: give up only after several in a row do not fit.
        if (i >= portfolio_size && ++misses >= kMaxSearchMisses) break;
        continue;
      }
    }
    // A drawn config that fails (out of time, over --memory-limit, an error) is a miss too:
    // without that a search whose every draw is planned out spins through draws to the deadline.
    const bool fitted = run.Fit(config, plan.level, plan.stack_inputs, first ? plan.first_fit_deadline : plan.deadline,
                                CandidateSeed(state, plan, config));
    if (fitted) {
      misses = 0;
    } else if (i >= portfolio_size && ++misses >= kMaxSearchMisses) {
      break;
    }
  }
}

}  // namespace tabpilot
