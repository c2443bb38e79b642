// The search of one stack level: the level's portfolio in order, then, while
// its deadline and the model cap allow, random configurations alternating
// with further bags of the level's best candidate. One function serves both
// levels; what differs between them is data in SearchLevelPlan.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "automl/portfolio.h"
#include "automl/training_run.h"
#include "core/deadline.h"

namespace tabpilot {

// Random-search configs in a row that may not fit the time left, or whose
// fit failed (out of time, over --memory-limit, an error), before a level's
// search stops. After kMaxSearchMisses - 1 skips in a row the
// per-config cap (TrainingBudget::SearchCap) is lifted: a large config that
// fits is better than leaving the time idle.
inline constexpr int kMaxSearchMisses = 5;

// What one level searches, and how.
struct SearchLevelPlan {
  int level = 1;  // 1, or 2 for models that also see level-1 OOF predictions
  // Tried first, in order; each is skipped when its estimate does not fit.
  std::vector<CandidateConfig> portfolio;
  // Level 2: indices in TrainingRun::done() of the candidates it stacks on.
  std::vector<size_t> stack_inputs;
  // The level's share of the search time.
  Deadline deadline = Deadline::Never();
  // What the run's very first candidate gets instead (the whole search's
  // time: a model must come out of any budget).
  Deadline first_fit_deadline = Deadline::Never();
  // Leaderboard rows at which the level stops (0 = no cap).
  int model_cap = 0;
  // Multiplies a config's estimated cost (stack features make level-2 fits
  // a little slower).
  double estimate_factor = 1.0;
  // Appended to sampled configs' names ("_L2" at level 2).
  std::string sampled_suffix;
  // Added to the level's candidates' seeds (CandidateSeed).
  uint64_t seed_offset = 0;
};

// What the search carries from level 1 to level 2: the sampler's random
// stream and counters, so level 2's sampled configs continue level 1's.
struct SearchState {
  // `seed`: the run's seed; `families`: what SampleConfig may draw from
  // (empty = no random search); `can_sample`: whether something ends a
  // random search (a bounded deadline or a model cap).
  SearchState(const DataShape& shape, uint64_t seed, std::vector<std::string> families, bool can_sample);

  DataShape shape;
  std::vector<std::string> families;
  bool can_sample = false;
  std::mt19937_64 rng;
  int sampled = 0;           // configs sampled so far (numbers their names)
  uint64_t base_seed = 0;    // candidates' seeds start here
  uint64_t repeat_seed = 0;  // the last further bag's seed
};

// A candidate's seed: the run's, the level's offset and a hash of the
// config's name, so a config fits the same model whatever else the
// portfolio holds (--learners, a family added) and wherever halving ranks
// it; by its place in the search, one config added once moved every later
// config's seed, and a comparison of two portfolios measured the seeds too.
uint64_t CandidateSeed(const SearchState& state, const SearchLevelPlan& plan, const CandidateConfig& config);

// Runs the search of `plan.level` on `run`: tries the portfolio, then samples
// while time is left, with further bags of the level's best candidate on every
// other step. Every candidate tried gets a leaderboard row; a config whose
// estimated cost does not fit the time left is skipped (logged, no row).
void SearchLevel(TrainingRun& run, const SearchLevelPlan& plan, SearchState& state);

}  // namespace tabpilot
